// Pure graph edits used by the store: copy/duplicate, removal, connection checks.
import type { Connection } from "@xyflow/react";
import { edgeId, INPUT_HANDLE, nextNodeId, uniqueName, type FlowEdge, type FlowNode } from "./graph";

export interface Fragment {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The selected nodes with the edges between them. */
export function selectedFragment(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): Fragment {
  const picked = nodes.filter((node) => node.selected);
  const ids = new Set(picked.map((node) => node.id));
  return {
    nodes: picked.map((node) => ({ ...node, data: clone(node.data) })),
    edges: edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)).map((edge) => ({ ...edge })),
  };
}

/** Insert a copy of `fragment` (new ids and names, shifted by `offset`); the copies become the selection. */
export function insertFragment(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
  fragment: Fragment,
  offset: { x: number; y: number },
): Fragment {
  const takenIds = new Set(nodes.map((node) => node.id));
  const takenNames = new Set(nodes.map((node) => node.data.name));
  const idMap = new Map<string, string>();
  const added: FlowNode[] = fragment.nodes.map((node) => {
    const id = nextNodeId(takenIds);
    takenIds.add(id);
    idMap.set(node.id, id);
    const name = uniqueName(node.data.name, takenNames);
    takenNames.add(name);
    return {
      id,
      type: node.type,
      position: { x: node.position.x + offset.x, y: node.position.y + offset.y },
      data: { ...clone(node.data), name },
      selected: true,
    };
  });
  const takenEdges = new Set(edges.map((edge) => edge.id));
  const addedEdges: FlowEdge[] = fragment.edges.map((edge) => {
    const source = idMap.get(edge.source) as string;
    const target = idMap.get(edge.target) as string;
    const id = edgeId(source, edge.sourceHandle, target, takenEdges);
    takenEdges.add(id);
    return { id, source, target, sourceHandle: edge.sourceHandle, targetHandle: edge.targetHandle };
  });
  return {
    nodes: [...nodes.map((node) => (node.selected ? { ...node, selected: false } : node)), ...added],
    edges: [...edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)), ...addedEdges],
  };
}

/** Remove the nodes (with their edges) and edges given by id. */
export function removeElements(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
  nodeIds: ReadonlySet<string>,
  edgeIds: ReadonlySet<string>,
): Fragment {
  return {
    nodes: nodes.filter((node) => !nodeIds.has(node.id)),
    edges: edges.filter(
      (edge) => !edgeIds.has(edge.id) && !nodeIds.has(edge.source) && !nodeIds.has(edge.target),
    ),
  };
}

/** Why a connection is refused, or null when it may be made. */
export function connectionProblem(
  connection: Connection | FlowEdge,
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
): string | null {
  if (connection.source === connection.target) return "A node cannot connect to itself";
  if (!nodes.some((node) => node.id === connection.source)) return "Unknown source";
  if (!nodes.some((node) => node.id === connection.target)) return "Unknown target";
  if ((connection.targetHandle ?? INPUT_HANDLE) !== INPUT_HANDLE) return "Edges end at an input";
  const duplicate = edges.some(
    (edge) =>
      edge.source === connection.source &&
      edge.target === connection.target &&
      (edge.sourceHandle ?? null) === (connection.sourceHandle ?? null),
  );
  return duplicate ? "These handles are already connected" : null;
}
