// Conversion between the server's graph JSON and React Flow nodes/edges, and node type helpers.
import type { Edge, Node } from "@xyflow/react";
import { defaultValue } from "./schemaForm/schema";
import type { GraphEdgeJson, GraphJson, LlmProvider, NodeTypeSchema, Params } from "./types";

export const SCHEMA_VERSION = 1;
export const INPUT_HANDLE = "input";
export const OUTPUT_HANDLE = "output";
export const FLOW_NODE_TYPE = "pipeline";

export type PipelineNodeData = {
  type: string;
  name: string;
  params: Params;
  params_version: number;
};

export type FlowNode = Node<PipelineNodeData, typeof FLOW_NODE_TYPE>;
export type FlowEdge = Edge;

export interface OutputHandle {
  id: string;
  label: string;
}

export function toFlow(graph: GraphJson | null | undefined): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const nodes: FlowNode[] = (graph?.nodes ?? []).map((node) => ({
    id: node.id,
    type: FLOW_NODE_TYPE,
    position: { x: Number(node.position?.x ?? 0), y: Number(node.position?.y ?? 0) },
    data: {
      type: node.type,
      name: node.name,
      params: node.params ?? {},
      params_version: node.params_version ?? 1,
    },
  }));
  const edges: FlowEdge[] = (graph?.edges ?? []).map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.source_handle || OUTPUT_HANDLE,
    targetHandle: edge.target_handle || INPUT_HANDLE,
  }));
  return { nodes, edges };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function fromFlow(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): GraphJson {
  return {
    schema_version: SCHEMA_VERSION,
    nodes: nodes.map((node) => ({
      id: node.id,
      type: node.data.type,
      name: node.data.name,
      params: node.data.params,
      params_version: node.data.params_version,
      position: { x: round(node.position.x), y: round(node.position.y) },
    })),
    edges: edges.map(
      (edge): GraphEdgeJson => ({
        id: edge.id,
        source: edge.source,
        source_handle: edge.sourceHandle ?? OUTPUT_HANDLE,
        target: edge.target,
        target_handle: edge.targetHandle ?? INPUT_HANDLE,
      }),
    ),
  };
}

/** The output handles of a node: static ones, or one per entry of a list parameter (router keywords). */
export function outputHandles(nodeType: NodeTypeSchema | undefined, params: Params): OutputHandle[] {
  if (!nodeType) return [{ id: OUTPUT_HANDLE, label: OUTPUT_HANDLE }];
  const outputs = nodeType.outputs;
  if ("from_field" in outputs) {
    const values = params[outputs.from_field];
    const list = Array.isArray(values) ? values : [];
    return list.map((value, index) => ({ id: `${outputs.prefix}${index}`, label: String(value ?? "") }));
  }
  return (outputs.handles ?? []).map((handle) => ({ id: handle, label: handle }));
}

export function nextNodeId(taken: Iterable<string>): string {
  const used = new Set(taken);
  let index = used.size + 1;
  for (let i = 1; i <= used.size + 1; i++) {
    if (!used.has(`n${i}`)) {
      index = i;
      break;
    }
  }
  return `n${index}`;
}

export function edgeId(source: string, sourceHandle: string | null | undefined, target: string, taken: Set<string>) {
  const base = `e-${source}-${sourceHandle ?? OUTPUT_HANDLE}-${target}`;
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  return id;
}

function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "node";
}

/** A name not used by another node: "llm_router", then "llm_router_2", … */
export function uniqueName(base: string, takenNames: Iterable<string>): string {
  const taken = new Set(takenNames);
  const root = slug(base);
  if (!taken.has(root)) return root;
  let i = 2;
  while (taken.has(`${root}_${i}`)) i++;
  return `${root}_${i}`;
}

/** Parameters of a new node: schema defaults, the team's first provider/model, placeholder routes. */
export function defaultParams(nodeType: NodeTypeSchema, providers: readonly LlmProvider[] = []): Params {
  const params: Params = {};
  const properties = nodeType.schema.properties ?? {};
  for (const [key, property] of Object.entries(properties)) {
    const value = defaultValue(property, nodeType.schema);
    if (value !== undefined) params[key] = value;
  }
  for (const [key, hint] of Object.entries(nodeType.ui ?? {})) {
    if (!(key in properties) || params[key] !== undefined) continue;
    if (hint.widget === "llm_provider" && providers.length > 0) params[key] = providers[0].id;
    if (hint.widget === "keywords") {
      const count = Math.max(properties[key].minItems ?? 1, 1);
      params[key] = Array.from({ length: count }, (_, i) => `route_${i + 1}`);
    }
  }
  for (const [key, hint] of Object.entries(nodeType.ui ?? {})) {
    if (hint.widget !== "llm_model" || params[key] !== undefined || !hint.provider_field) continue;
    const provider = providers.find((p) => p.id === params[hint.provider_field as string]);
    if (provider && provider.models.length > 0) params[key] = provider.models[0].id;
  }
  return params;
}
