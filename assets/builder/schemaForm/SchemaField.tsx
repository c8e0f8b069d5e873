// One parameter: its label, help, errors and the control chosen from its schema and UI hint.
import type { ReactNode } from "react";
import { ListEditor } from "../widgets/ListEditor";
import { ModelPicker, ProviderPicker } from "../widgets/ModelPickers";
import { CodeField, JsonEditor, PromptField } from "../widgets/lazy";
import { BooleanControl, EnumControl, MultiSelectControl, NumberControl, TextControl } from "./controls";
import { defaultValue, fieldKind, fieldTitle, resolveField, type FieldKind } from "./schema";
import { describedByIds, type FieldProps, type FormContext } from "./types";
import type { JsonSchema, UiHint } from "../types";

interface SchemaFieldProps {
  idPrefix: string;
  name: string;
  schema: JsonSchema;
  hint?: UiHint;
  required: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: readonly string[];
  context: FormContext;
}

function control(kind: FieldKind, props: FieldProps): ReactNode {
  switch (kind) {
    case "prompt":
      return <PromptField {...props} />;
    case "code":
      return <CodeField {...props} />;
    case "llm_provider":
      return <ProviderPicker {...props} />;
    case "llm_model":
      return <ModelPicker {...props} />;
    case "json_schema":
    case "json":
      return <JsonEditor {...props} />;
    case "multiselect":
      return <MultiSelectControl {...props} />;
    case "keywords":
    case "list":
      return (
        <ListEditor
          id={props.id}
          label={props.label}
          values={Array.isArray(props.value) ? props.value.map((item) => String(item ?? "")) : []}
          onChange={props.onChange}
          readOnly={props.context.readOnly}
          itemLabel={kind === "keywords" ? "Route" : "Item"}
          addLabel={kind === "keywords" ? "Add route" : "Add item"}
          describedBy={props.describedBy}
          invalid={props.errors.length > 0}
          showHandles={kind === "keywords"}
        />
      );
    case "enum":
      return <EnumControl {...props} />;
    case "boolean":
      return <BooleanControl {...props} />;
    case "integer":
    case "number":
      return <NumberControl {...props} />;
    case "object":
      return <ObjectControl {...props} />;
    case "array":
      return <ArrayControl {...props} />;
    case "string":
      return <TextControl {...props} />;
  }
}

function ObjectControl({ id, schema, value, onChange, context, label }: FieldProps) {
  const object = value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const required = new Set(schema.required ?? []);
  return (
    <fieldset id={id} className="border-base-300 rounded-box flex flex-col gap-2 border p-2" aria-label={label}>
      {Object.entries(schema.properties ?? {}).map(([key, property]) => (
        <SchemaField
          key={key}
          idPrefix={id}
          name={key}
          schema={property}
          required={required.has(key)}
          value={object[key]}
          onChange={(next) => onChange({ ...object, [key]: next })}
          errors={[]}
          context={context}
        />
      ))}
    </fieldset>
  );
}

function ArrayControl({ id, schema, value, onChange, context, label }: FieldProps) {
  const items = Array.isArray(value) ? value : [];
  const itemSchema = schema.items ?? {};
  return (
    <div id={id} className="flex flex-col gap-2" role="group" aria-label={label}>
      {items.map((item, index) => (
        <div key={index} className="flex items-start gap-1">
          <div className="grow">
            <SchemaField
              idPrefix={`${id}-${index}`}
              name={`${label} ${index + 1}`}
              schema={itemSchema}
              required
              value={item}
              onChange={(next) => onChange(items.map((old, i) => (i === index ? next : old)))}
              errors={[]}
              context={context}
            />
          </div>
          {!context.readOnly && (
            <button type="button" className="btn btn-xs" aria-label={`Remove ${label} ${index + 1}`} onClick={() => onChange(items.filter((_, i) => i !== index))}>
              ✕
            </button>
          )}
        </div>
      ))}
      {!context.readOnly && (
        <button type="button" className="btn btn-xs btn-ghost self-start" onClick={() => onChange([...items, defaultValue(itemSchema, context.rootSchema) ?? {}])}>
          + Add
        </button>
      )}
    </div>
  );
}

export function SchemaField({ idPrefix, name, schema, hint, required, value, onChange, errors, context }: SchemaFieldProps) {
  const { schema: field, nullable } = resolveField(schema, context.rootSchema);
  const kind = fieldKind(field, hint);
  const id = `${idPrefix}-${name}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const label = fieldTitle(name, field);
  const helpId = field.description ? `${id}-help` : undefined;
  const errorId = errors.length ? `${id}-errors` : undefined;
  const describedBy = describedByIds(helpId, errorId);
  // A parameter the graph leaves out takes the schema default on the server: show that.
  const shown = value === undefined ? field.default : value;
  const props: FieldProps = { id, name, label, schema: field, hint, nullable, required, value: shown, onChange, errors, describedBy, context };
  const grouped = kind === "multiselect" || kind === "keywords" || kind === "list" || kind === "object" || kind === "array";
  const codeLike = kind === "prompt" || kind === "code" || kind === "json" || kind === "json_schema";
  const labelFor = codeLike ? `${id}-content` : id;
  return (
    <div className="flex flex-col gap-1" data-field={name} data-kind={kind}>
      <div className={kind === "boolean" ? "flex items-center justify-between gap-2" : "flex flex-col gap-1"}>
        {grouped ? (
          <span className="text-sm font-medium">
            {label}
            {required && <span aria-hidden="true"> *</span>}
          </span>
        ) : (
          <label htmlFor={labelFor} className="text-sm font-medium">
            {label}
            {required && <span aria-hidden="true"> *</span>}
            {nullable && <span className="ml-1 text-xs font-normal opacity-60">(optional)</span>}
          </label>
        )}
        {control(kind, props)}
      </div>
      {field.description && (
        <p id={helpId} className="text-xs opacity-70">
          {field.description}
        </p>
      )}
      {errors.length > 0 && (
        <ul id={errorId} className="text-error text-xs" role="alert">
          {errors.map((message, i) => (
            <li key={i}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
