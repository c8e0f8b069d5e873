// Test fixtures: the node registry as the server wrote it (apps.pipelines.nodes.registry), a config, a graph.
import type { BuilderConfig, GraphJson, NodeTypeSchema } from "../types";
import nodeTypesJson from "./nodeTypes.json";

export const nodeTypes = nodeTypesJson as unknown as NodeTypeSchema[];

export function nodeType(name: string): NodeTypeSchema {
  const found = nodeTypes.find((type) => type.name === name);
  if (!found) throw new Error(`no node type ${name}`);
  return found;
}

export const sampleGraph: GraphJson = {
  schema_version: 1,
  nodes: [
    { id: "n1", type: "start", name: "start", params: {}, params_version: 1, position: { x: 0, y: 0 } },
    {
      id: "n2",
      type: "llm_router",
      name: "router",
      params: { keywords: ["billing", "support"], llm_provider_id: 1, llm_model_id: 3, prompt: "Route it" },
      params_version: 1,
      position: { x: 200, y: 0 },
    },
    { id: "n3", type: "end", name: "end", params: {}, params_version: 1, position: { x: 400, y: 0 } },
  ],
  edges: [
    { id: "e1", source: "n1", source_handle: "output", target: "n2", target_handle: "input" },
    { id: "e2", source: "n2", source_handle: "output_0", target: "n3", target_handle: "input" },
    { id: "e3", source: "n2", source_handle: "output_1", target: "n3", target_handle: "input" },
  ],
};

export function makeConfig(overrides: Partial<BuilderConfig> = {}): BuilderConfig {
  return {
    pipeline: { id: 7, name: "Triage", edit_revision: 3, data: sampleGraph, version_number: null, is_working_version: true },
    read_only: false,
    issues: [],
    node_types: nodeTypes,
    llm_providers: [
      { id: 1, name: "Local model", type: "local", models: [{ id: 3, name: "gemma-3-270m", max_token_limit: 32768 }] },
      { id: 2, name: "Other", type: "openai", models: [{ id: 5, name: "gpt-x" }, { id: 6, name: "gpt-y" }] },
    ],
    prompt_variables: ["participant_data", "source_material", "current_datetime"],
    agent_tools: [],
    versions: [{ version_number: 1, description: "first", created_at: "2026-01-01T00:00:00Z" }],
    urls: {
      state: "/b/state/",
      save: "/b/save/",
      test: "/b/test/",
      versions: "/b/versions/",
      version: "/b/versions/{n}/",
      pipeline: "/p/7/",
      trace: "/traces/{id}/",
    },
    csrf_token: "token",
    ...overrides,
  };
}
