// Shapes shared with the server (see docs/builder-api.md).

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Params = Record<string, unknown>;

export interface Position {
  x: number;
  y: number;
}

export interface GraphNodeJson {
  id: string;
  type: string;
  name: string;
  params: Params;
  params_version: number;
  position: Position;
}

export interface GraphEdgeJson {
  id: string;
  source: string;
  source_handle: string;
  target: string;
  target_handle: string;
}

export interface GraphJson {
  schema_version: number;
  nodes: GraphNodeJson[];
  edges: GraphEdgeJson[];
}

export interface Issue {
  message: string;
  node_id?: string | null;
  edge_id?: string | null;
  field?: string | null;
}

/** A (subset of a) JSON schema as pydantic writes it. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  additionalProperties?: boolean | JsonSchema;
}

export interface UiHint {
  widget?: string;
  language?: string;
  provider_field?: string;
  group?: string;
  advanced?: boolean;
}

export type NodeOutputs = { handles: string[] } | { from_field: string; prefix: string };

export interface NodeTypeSchema {
  name: string;
  label: string;
  description: string;
  params_version: number;
  has_input: boolean;
  router: boolean;
  outputs: NodeOutputs;
  schema: JsonSchema;
  ui: Record<string, UiHint>;
}

export interface LlmModel {
  id: number;
  name: string;
  max_token_limit?: number;
}

export interface LlmProvider {
  id: number;
  name: string;
  type: string;
  models: LlmModel[];
}

export interface AgentTool {
  name: string;
  label: string;
  description: string;
}

export interface VersionSummary {
  version_number: number;
  description: string;
  created_at: string;
}

export interface VersionDetail extends VersionSummary {
  data: GraphJson;
}

export interface PipelineInfo {
  id: number;
  name: string;
  edit_revision: number;
  data: GraphJson;
  version_number: number | null;
  is_working_version: boolean;
}

export interface BuilderUrls {
  state: string;
  save: string;
  test: string;
  versions: string;
  version: string;
  pipeline: string;
  trace: string;
}

export interface BuilderState {
  pipeline: PipelineInfo;
  read_only: boolean;
  issues: Issue[];
  node_types: NodeTypeSchema[];
  llm_providers: LlmProvider[];
  prompt_variables: string[];
  agent_tools: AgentTool[];
  versions: VersionSummary[];
}

export interface BuilderConfig extends BuilderState {
  urls: BuilderUrls;
  csrf_token: string;
}
