// Left-to-right auto-layout with dagre.
import dagre from "@dagrejs/dagre";
import type { FlowEdge, FlowNode } from "./graph";

const DEFAULT_WIDTH = 200;
const DEFAULT_HEIGHT = 80;

export function autoLayout(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): FlowNode[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((node) => node.id));
  for (const node of nodes) {
    graph.setNode(node.id, {
      width: node.measured?.width ?? node.width ?? DEFAULT_WIDTH,
      height: node.measured?.height ?? node.height ?? DEFAULT_HEIGHT,
    });
  }
  for (const edge of edges) {
    if (ids.has(edge.source) && ids.has(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  return nodes.map((node) => {
    const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!placed) return node;
    return { ...node, position: { x: placed.x - placed.width / 2, y: placed.y - placed.height / 2 } };
  });
}
