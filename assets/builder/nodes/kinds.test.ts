import { describe, expect, it } from "vitest";
import { makeConfig } from "../testing/fixtures";
import { firstLine, kindLook, nodeKind, nodeSummary } from "./kinds";

const providers = makeConfig().llm_providers;

describe("node kinds and summaries", () => {
  it("gives each registered node type its kind, and unknown types a plain look", () => {
    const kinds = makeConfig().node_types.map((type) => nodeKind(type.name));
    expect(kinds).toEqual(["start", "end", "llm", "router", "router", "extraction", "data", "template", "email", "code"]);
    expect(nodeKind("mystery")).toBe("other");
    expect(kindLook("llm").tint).not.toBe(kindLook("llm_router").tint);
  });

  it("summarises a model node by its model and the first line of its prompt", () => {
    const params = { llm_provider_id: 2, llm_model_id: 6, prompt: "\n  You sort questions.  \nSecond line" };
    expect(nodeSummary("llm_router", params, providers)).toEqual({ title: "gpt-y", lines: ["You sort questions."] });
    expect(nodeSummary("llm", { llm_provider_id: 2, prompt: "" }, providers)).toEqual({ title: "No model chosen", lines: [] });
  });

  it("summarises code, templates, participant data and email by their first line", () => {
    expect(nodeSummary("python_code", { code: "def main(input, **kwargs):\n    return input" }, providers).lines).toEqual(["def main(input, **kwargs):"]);
    expect(nodeSummary("render_template", { template_string: "Hello {{ input }}" }, providers).lines).toEqual(["Hello {{ input }}"]);
    expect(nodeSummary("update_participant_data", { key_name: "profile" }, providers).lines).toEqual(["key: profile"]);
    expect(nodeSummary("end", {}, providers)).toEqual({ title: "", lines: [] });
  });

  it("cuts a long line to fit on the node", () => {
    expect(firstLine("x".repeat(100))).toHaveLength(60);
    expect(firstLine("x".repeat(100)).endsWith("…")).toBe(true);
    expect(firstLine(42)).toBe("");
  });
});
