// @vitest-environment node
import { describe, expect, it } from "vitest";
import { compareGraphs, isEmptyDiff } from "./compare";
import { sampleGraph } from "./testing/fixtures";
import type { GraphJson } from "./types";

describe("compareGraphs", () => {
  it("finds no difference between a graph and itself (even with keys in another order)", () => {
    const reordered: GraphJson = JSON.parse(JSON.stringify(sampleGraph));
    reordered.nodes[1].params = { prompt: "Route it", llm_model_id: 3, llm_provider_id: 1, keywords: ["billing", "support"] };
    expect(isEmptyDiff(compareGraphs(sampleGraph, reordered))).toBe(true);
  });

  it("lists added, removed and changed nodes and edges", () => {
    const after: GraphJson = JSON.parse(JSON.stringify(sampleGraph));
    after.nodes[1].params.keywords = ["billing", "help"];
    after.nodes[1].name = "triage";
    after.nodes[0].position = { x: 50, y: 50 };
    after.nodes.push({ id: "n4", type: "llm", name: "bot", params: {}, params_version: 1, position: { x: 0, y: 0 } });
    after.edges = after.edges.filter((edge) => edge.id !== "e3");
    after.edges.push({ id: "e9", source: "n2", source_handle: "output_1", target: "n4", target_handle: "input" });
    const diff = compareGraphs(sampleGraph, after);
    expect(diff.addedNodes.map((node) => node.id)).toEqual(["n4"]);
    expect(diff.removedNodes).toEqual([]);
    expect(diff.changedNodes).toEqual([{ id: "n2", name: "triage", type: "llm_router", changedParams: ["keywords"], renamed: true, moved: false }]);
    expect(diff.addedEdges.map((edge) => edge.id)).toEqual(["e9"]);
    expect(diff.removedEdges.map((edge) => edge.id)).toEqual(["e3"]);
    expect(compareGraphs(after, sampleGraph).removedNodes.map((node) => node.id)).toEqual(["n4"]);
  });
});
