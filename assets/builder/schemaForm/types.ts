import type { JsonSchema, LlmProvider, Params, UiHint } from "../types";

export interface FormContext {
  rootSchema: JsonSchema;
  providers: readonly LlmProvider[];
  promptVariables: readonly string[];
  /** The whole parameter object (pickers read sibling fields such as the provider). */
  params: Params;
  readOnly: boolean;
}

export interface FieldProps {
  /** A DOM-safe id for the control. */
  id: string;
  name: string;
  label: string;
  schema: JsonSchema;
  hint?: UiHint;
  nullable: boolean;
  required: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: readonly string[];
  describedBy?: string;
  context: FormContext;
}
