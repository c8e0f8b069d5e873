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

/** An `aria-describedby` value from the ids that apply (falsy ones are left out); undefined when none do. */
export function describedByIds(...ids: (string | false | undefined)[]): string | undefined {
  return ids.filter(Boolean).join(" ") || undefined;
}
