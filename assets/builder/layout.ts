// Left-to-right auto-layout with dagre, then a router's targets put in the order of its routes.
import dagre from "@dagrejs/dagre";
import type { FlowEdge, FlowNode } from "./graph";

const DEFAULT_WIDTH = 224;
const DEFAULT_HEIGHT = 90;
const NODE_GAP = 40;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** "output_2" before "output_10": a route's index is the number its handle ends with. */
function handleOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

export function autoLayout(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): FlowNode[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: NODE_GAP, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((node) => node.id));
  for (const node of nodes) {
    graph.setNode(node.id, {
      width: node.measured?.width ?? node.width ?? DEFAULT_WIDTH,
      height: node.measured?.height ?? node.height ?? DEFAULT_HEIGHT,
    });
  }
  const inRouteOrder = [...edges].sort((a, b) => handleOrder(a.sourceHandle ?? "", b.sourceHandle ?? ""));
  for (const edge of inRouteOrder) {
    if (ids.has(edge.source) && ids.has(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  const boxes = new Map<string, Box>();
  for (const node of nodes) {
    const placed = graph.node(node.id) as Box | undefined;
    if (placed) boxes.set(node.id, { ...placed });
  }
  orderRouteTargets(edges, boxes);
  return nodes.map((node) => {
    const placed = boxes.get(node.id);
    if (!placed) return node;
    return { ...node, position: { x: placed.x - placed.width / 2, y: placed.y - placed.height / 2 } };
  });
}

/**
 * dagre orders a rank to cut crossings but knows nothing of handles, so it may put a router's second
 * route above its first, and their edges cross. For each node with several output handles, its targets
 * in one rank swap places so that top to bottom follows the handles (routes in order); the rank is then
 * spread again where nodes of different heights would overlap.
 */
function orderRouteTargets(edges: readonly FlowEdge[], boxes: Map<string, Box>): void {
  const bySource = new Map<string, FlowEdge[]>();
  for (const edge of edges) {
    if (!boxes.has(edge.source) || !boxes.has(edge.target)) continue;
    bySource.set(edge.source, [...(bySource.get(edge.source) ?? []), edge]);
  }
  for (const outgoing of bySource.values()) {
    if (new Set(outgoing.map((edge) => edge.sourceHandle)).size < 2) continue;
    const targets: string[] = [];
    for (const edge of [...outgoing].sort((a, b) => handleOrder(a.sourceHandle ?? "", b.sourceHandle ?? ""))) {
      if (!targets.includes(edge.target)) targets.push(edge.target);
    }
    const byRank = new Map<number, string[]>();
    for (const target of targets) {
      const x = Math.round((boxes.get(target) as Box).x);
      byRank.set(x, [...(byRank.get(x) ?? []), target]);
    }
    for (const [x, group] of byRank) {
      if (group.length < 2) continue;
      const slots = group.map((id) => (boxes.get(id) as Box).y).sort((a, b) => a - b);
      group.forEach((id, i) => ((boxes.get(id) as Box).y = slots[i]));
      spreadRank(x, boxes);
    }
  }
}

/** Push nodes of one rank down until none overlaps the one above it. */
function spreadRank(x: number, boxes: Map<string, Box>): void {
  const rank = [...boxes.values()].filter((box) => Math.round(box.x) === x).sort((a, b) => a.y - b.y);
  for (let i = 1; i < rank.length; i++) {
    const above = rank[i - 1];
    const box = rank[i];
    const top = above.y + above.height / 2 + NODE_GAP;
    if (box.y - box.height / 2 < top) box.y = top + box.height / 2;
  }
}
