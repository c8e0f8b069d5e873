// A node's settings form, generated from its parameter JSON schema and UI hints.
import type { JsonSchema, LlmProvider, Params, UiHint } from "../types";
import { SchemaField } from "./SchemaField";
import type { FormContext } from "./types";

export interface SchemaFormProps {
  idPrefix: string;
  schema: JsonSchema;
  ui: Record<string, UiHint>;
  value: Params;
  onChange: (patch: Params) => void;
  errors: Record<string, string[]>;
  readOnly: boolean;
  providers: readonly LlmProvider[];
  promptVariables: readonly string[];
}

interface Section {
  key: string;
  title: string | null;
  advanced: boolean;
  fields: string[];
}

/** Fields in schema order, ungrouped first, then each group, then the advanced ones. */
export function formSections(schema: JsonSchema, ui: Record<string, UiHint>): Section[] {
  const main: Section = { key: "main", title: null, advanced: false, fields: [] };
  const groups = new Map<string, Section>();
  const advanced: Section = { key: "advanced", title: "Advanced", advanced: true, fields: [] };
  for (const name of Object.keys(schema.properties ?? {})) {
    const hint = ui[name];
    if (hint?.advanced) advanced.fields.push(name);
    else if (hint?.group) {
      if (!groups.has(hint.group)) groups.set(hint.group, { key: `group-${hint.group}`, title: hint.group, advanced: false, fields: [] });
      groups.get(hint.group)?.fields.push(name);
    } else main.fields.push(name);
  }
  return [main, ...groups.values(), advanced].filter((section) => section.fields.length > 0);
}

export function SchemaForm({ idPrefix, schema, ui, value, onChange, errors, readOnly, providers, promptVariables }: SchemaFormProps) {
  const context: FormContext = { rootSchema: schema, providers, promptVariables, params: value, readOnly };
  const required = new Set(schema.required ?? []);
  const properties = schema.properties ?? {};

  const change = (name: string, next: unknown) => {
    const patch: Params = { [name]: next };
    // A new provider: pick its first model for the fields that depend on it.
    if (ui[name]?.widget === "llm_provider") {
      const provider = providers.find((item) => item.id === next);
      for (const [field, hint] of Object.entries(ui)) {
        if (hint.widget !== "llm_model" || hint.provider_field !== name) continue;
        const current = value[field];
        if (!provider?.models.some((model) => model.id === current)) patch[field] = provider?.models[0]?.id ?? null;
      }
    }
    onChange(patch);
  };

  const renderField = (name: string) => (
    <SchemaField
      key={name}
      idPrefix={idPrefix}
      name={name}
      schema={properties[name]}
      hint={ui[name]}
      required={required.has(name)}
      value={value[name]}
      onChange={(next) => change(name, next)}
      errors={errors[name] ?? []}
      context={context}
    />
  );

  const sections = formSections(schema, ui);
  if (sections.length === 0) return <p className="text-sm opacity-70">This node has no settings.</p>;
  return (
    <div className="flex flex-col gap-3">
      {sections.map((section) => {
        const hasErrors = section.fields.some((name) => (errors[name] ?? []).length > 0);
        if (section.advanced) {
          return (
            <details key={section.key} className="collapse-arrow border-base-300 rounded-box collapse border" open={hasErrors}>
              <summary className="collapse-title min-h-0 py-2 text-sm font-semibold">{section.title}</summary>
              <div className="collapse-content flex flex-col gap-3">{section.fields.map(renderField)}</div>
            </details>
          );
        }
        if (section.title) {
          return (
            <fieldset key={section.key} className="border-base-300 rounded-box flex flex-col gap-3 border p-3">
              <legend className="px-1 text-sm font-semibold">{section.title}</legend>
              {section.fields.map(renderField)}
            </fieldset>
          );
        }
        return (
          <div key={section.key} className="flex flex-col gap-3">
            {section.fields.map(renderField)}
          </div>
        );
      })}
    </div>
  );
}
