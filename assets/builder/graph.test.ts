// @vitest-environment node
import { describe, expect, it } from "vitest";
import { defaultParams, fromFlow, nextNodeId, outputHandles, toFlow, uniqueName } from "./graph";
import { nodeType, sampleGraph } from "./testing/fixtures";

describe("graph conversion", () => {
  it("round-trips the server graph through React Flow's shape", () => {
    const flow = toFlow(sampleGraph);
    expect(flow.edges[1]).toMatchObject({ source: "n2", sourceHandle: "output_0", target: "n3", targetHandle: "input" });
    expect(flow.nodes[1].data).toEqual({
      type: "llm_router",
      name: "router",
      params: sampleGraph.nodes[1].params,
      params_version: 1,
    });
    expect(fromFlow(flow.nodes, flow.edges)).toEqual(sampleGraph);
  });

  it("drops React Flow's own fields (selection, measurements) and rounds positions", () => {
    const flow = toFlow(sampleGraph);
    const nodes = flow.nodes.map((node) => ({ ...node, selected: true, measured: { width: 10, height: 10 }, position: { x: 1.234, y: 5.67 } }));
    const json = fromFlow(nodes, flow.edges);
    expect(Object.keys(json.nodes[0]).sort()).toEqual(["id", "name", "params", "params_version", "position", "type"]);
    expect(json.nodes[0].position).toEqual({ x: 1.2, y: 5.7 });
  });

  it("fills missing handles with the defaults", () => {
    const flow = toFlow({ schema_version: 1, nodes: [], edges: [{ id: "e", source: "a", target: "b", source_handle: "", target_handle: "" }] });
    expect(flow.edges[0]).toMatchObject({ sourceHandle: "output", targetHandle: "input" });
    expect(toFlow(null)).toEqual({ nodes: [], edges: [] });
  });
});

describe("output handles", () => {
  it("are static for ordinary nodes and absent for End", () => {
    expect(outputHandles(nodeType("llm"), {})).toEqual([{ id: "output", label: "output" }]);
    expect(outputHandles(nodeType("end"), {})).toEqual([]);
  });

  it("are one per keyword for routers, labelled with the keyword", () => {
    expect(outputHandles(nodeType("llm_router"), { keywords: ["billing", "support", "other"] })).toEqual([
      { id: "output_0", label: "billing" },
      { id: "output_1", label: "support" },
      { id: "output_2", label: "other" },
    ]);
    expect(outputHandles(nodeType("static_router"), {})).toEqual([]);
  });
});

describe("new nodes", () => {
  it("get schema defaults, the first provider and model, and placeholder routes", () => {
    const providers = [{ id: 4, name: "P", type: "local", models: [{ id: 9, name: "m" }] }];
    const llm = defaultParams(nodeType("llm"), providers);
    expect(llm).toMatchObject({ prompt: "You are a helpful assistant.", history_type: "global", llm_provider_id: 4, llm_model_id: 9, temperature: null });
    const router = defaultParams(nodeType("llm_router"), providers);
    expect(router.keywords).toEqual(["route_1"]);
    expect(defaultParams(nodeType("llm"), []).llm_provider_id).toBeUndefined();
  });

  it("get unique ids and names", () => {
    expect(nextNodeId(["n1", "n2", "n4"])).toBe("n3");
    expect(nextNodeId([])).toBe("n1");
    expect(uniqueName("llm", ["llm", "llm_2"])).toBe("llm_3");
    expect(uniqueName("LLM router", [])).toBe("llm_router");
  });
});
