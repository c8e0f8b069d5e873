// Differences between two graphs (a past version and the working copy).
import type { GraphEdgeJson, GraphJson, GraphNodeJson } from "./types";

export interface NodeChangeSummary {
  id: string;
  name: string;
  type: string;
  changedParams: string[];
  renamed: boolean;
  moved: boolean;
}

export interface GraphDiff {
  addedNodes: GraphNodeJson[];
  removedNodes: GraphNodeJson[];
  changedNodes: NodeChangeSummary[];
  addedEdges: GraphEdgeJson[];
  removedEdges: GraphEdgeJson[];
}

function same(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stable(item)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function edgeKey(edge: GraphEdgeJson): string {
  return `${edge.source}|${edge.source_handle}|${edge.target}|${edge.target_handle}`;
}

/** What changed from `before` (e.g. a version) to `after` (e.g. the working copy). */
export function compareGraphs(before: GraphJson, after: GraphJson): GraphDiff {
  const beforeNodes = new Map(before.nodes.map((node) => [node.id, node]));
  const afterNodes = new Map(after.nodes.map((node) => [node.id, node]));
  const changedNodes: NodeChangeSummary[] = [];
  for (const node of after.nodes) {
    const old = beforeNodes.get(node.id);
    if (!old) continue;
    const keys = new Set([...Object.keys(old.params ?? {}), ...Object.keys(node.params ?? {})]);
    const changedParams = [...keys].filter((key) => !same(old.params?.[key], node.params?.[key])).sort();
    const renamed = old.name !== node.name;
    const typeChanged = old.type !== node.type;
    const moved = !same(old.position, node.position);
    if (changedParams.length > 0 || renamed || typeChanged) {
      changedNodes.push({ id: node.id, name: node.name, type: node.type, changedParams, renamed, moved });
    }
  }
  const beforeEdges = new Set(before.edges.map(edgeKey));
  const afterEdges = new Set(after.edges.map(edgeKey));
  return {
    addedNodes: after.nodes.filter((node) => !beforeNodes.has(node.id)),
    removedNodes: before.nodes.filter((node) => !afterNodes.has(node.id)),
    changedNodes,
    addedEdges: after.edges.filter((edge) => !beforeEdges.has(edgeKey(edge))),
    removedEdges: before.edges.filter((edge) => !afterEdges.has(edgeKey(edge))),
  };
}

export function isEmptyDiff(diff: GraphDiff): boolean {
  return (
    diff.addedNodes.length +
      diff.removedNodes.length +
      diff.changedNodes.length +
      diff.addedEdges.length +
      diff.removedEdges.length ===
    0
  );
}
