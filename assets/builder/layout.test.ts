import { describe, expect, it } from "vitest";
import type { FlowEdge, FlowNode } from "./graph";
import { autoLayout } from "./layout";

function node(id: string, type: string, height = 90): FlowNode {
  return { id, type: "pipeline", position: { x: 0, y: 0 }, measured: { width: 224, height }, data: { type, name: id, params: {}, params_version: 1 } };
}

function edge(source: string, sourceHandle: string, target: string): FlowEdge {
  return { id: `${source}-${sourceHandle}-${target}`, source, sourceHandle, target, targetHandle: "input" };
}

/** Pairs of a node's edges whose handles are in one order and whose targets are in the other: they cross. */
function crossings(nodes: FlowNode[], edges: FlowEdge[], source: string): string[] {
  const y = new Map(nodes.map((item) => [item.id, item.position.y]));
  const outgoing = edges.filter((item) => item.source === source);
  const found: string[] = [];
  for (const a of outgoing) {
    for (const b of outgoing) {
      const handlesInOrder = (a.sourceHandle ?? "").localeCompare(b.sourceHandle ?? "", undefined, { numeric: true }) < 0;
      if (handlesInOrder && a.target !== b.target && (y.get(a.target) as number) > (y.get(b.target) as number)) found.push(`${a.id} × ${b.id}`);
    }
  }
  return found;
}

function overlaps(nodes: FlowNode[]): string[] {
  const found: string[] = [];
  for (const a of nodes) {
    for (const b of nodes) {
      if (a.id >= b.id) continue;
      const [wa, ha, wb, hb] = [a.measured?.width ?? 0, a.measured?.height ?? 0, b.measured?.width ?? 0, b.measured?.height ?? 0];
      const apart = a.position.x + wa <= b.position.x || b.position.x + wb <= a.position.x || a.position.y + ha <= b.position.y || b.position.y + hb <= a.position.y;
      if (!apart) found.push(`${a.id}/${b.id}`);
    }
  }
  return found;
}

describe("auto-layout", () => {
  // The edges are listed out of route order (as they are after editing), which led dagre to put the
  // third route's target on top.
  const nodes = [node("start", "start"), node("router", "llm_router", 160), node("a", "llm"), node("b", "llm", 140), node("c", "llm"), node("end", "end")];
  const edges = [
    edge("start", "output", "router"),
    edge("router", "output_2", "a"),
    edge("router", "output_0", "b"),
    edge("router", "output_1", "c"),
    edge("a", "output", "end"),
    edge("b", "output", "end"),
    edge("c", "output", "end"),
  ];

  it("lays a router's targets out in the order of its routes, so its edges do not cross", () => {
    const placed = autoLayout(nodes, edges);
    expect(crossings(placed, edges, "router")).toEqual([]);
    const y = (id: string) => placed.find((item) => item.id === id)?.position.y as number;
    expect(y("b")).toBeLessThan(y("c"));
    expect(y("c")).toBeLessThan(y("a"));
    expect(overlaps(placed)).toEqual([]);
  });

  it("keeps every rank left to right and leaves nodes without edges in place", () => {
    const lonely = node("note", "render_template");
    const placed = autoLayout([...nodes, lonely], edges);
    const x = (id: string) => placed.find((item) => item.id === id)?.position.x as number;
    expect(x("start")).toBeLessThan(x("router"));
    expect(x("router")).toBeLessThan(x("a"));
    expect(x("a")).toBe(x("b"));
    expect(x("a")).toBeLessThan(x("end"));
    expect(overlaps(placed)).toEqual([]);
  });

  it("orders the targets of a router with ten routes numerically (route 10 after route 2)", () => {
    const many = [node("router", "static_router"), ...Array.from({ length: 11 }, (_, i) => node(`t${i}`, "llm"))];
    const routed = Array.from({ length: 11 }, (_, i) => edge("router", `output_${10 - i}`, `t${10 - i}`)).reverse();
    const placed = autoLayout(many, [...routed].reverse());
    expect(crossings(placed, routed, "router")).toEqual([]);
  });
});
