// Controls for plain JSON schema types (no UI widget): text, numbers, booleans, enums, multiselect.
import type { FieldProps } from "./types";

function describe(props: FieldProps) {
  return {
    id: props.id,
    "aria-invalid": props.errors.length > 0 || undefined,
    "aria-describedby": props.describedBy,
    "aria-required": props.required || undefined,
  };
}

function emptyValue(props: FieldProps): unknown {
  return props.nullable ? null : undefined;
}

export function TextControl(props: FieldProps) {
  const { value, onChange, schema, errors, context } = props;
  const text = value == null ? "" : String(value);
  const multiline = text.includes("\n") || (schema.maxLength ?? 0) > 200;
  const common = {
    ...describe(props),
    value: text,
    readOnly: context.readOnly,
    minLength: schema.minLength,
    maxLength: schema.maxLength,
  };
  const handle = (next: string) => onChange(next === "" && props.nullable ? null : next);
  if (multiline) {
    return (
      <textarea
        {...common}
        className={`textarea textarea-sm w-full ${errors.length ? "textarea-error" : ""}`}
        rows={4}
        onChange={(event) => handle(event.target.value)}
      />
    );
  }
  return (
    <input
      {...common}
      type="text"
      className={`input input-sm w-full ${errors.length ? "input-error" : ""}`}
      onChange={(event) => handle(event.target.value)}
    />
  );
}

export function NumberControl(props: FieldProps) {
  const { value, onChange, schema, errors, context } = props;
  const integer = schema.type === "integer";
  return (
    <input
      {...describe(props)}
      type="number"
      inputMode={integer ? "numeric" : "decimal"}
      className={`input input-sm w-full ${errors.length ? "input-error" : ""}`}
      value={typeof value === "number" ? value : ""}
      min={schema.minimum ?? schema.exclusiveMinimum}
      max={schema.maximum ?? schema.exclusiveMaximum}
      step={integer ? 1 : "any"}
      readOnly={context.readOnly}
      placeholder={props.nullable ? "Default" : undefined}
      onChange={(event) => {
        const raw = event.target.value;
        if (raw === "") return onChange(emptyValue(props));
        const parsed = integer ? parseInt(raw, 10) : parseFloat(raw);
        if (!Number.isNaN(parsed)) onChange(parsed);
      }}
    />
  );
}

export function BooleanControl(props: FieldProps) {
  const { value, onChange, context } = props;
  return (
    <input
      {...describe(props)}
      type="checkbox"
      className="toggle toggle-sm toggle-primary"
      checked={value === true}
      disabled={context.readOnly}
      onChange={(event) => onChange(event.target.checked)}
    />
  );
}

function optionLabel(value: unknown): string {
  return typeof value === "string" ? value.replace(/_/g, " ") : String(value);
}

export function EnumControl(props: FieldProps) {
  const { value, onChange, schema, errors, context } = props;
  const options = schema.enum ?? [];
  const index = options.findIndex((option) => option === value);
  const allowEmpty = props.nullable || index === -1;
  return (
    <select
      {...describe(props)}
      className={`select select-sm w-full ${errors.length ? "select-error" : ""}`}
      value={index === -1 ? "" : String(index)}
      disabled={context.readOnly}
      onChange={(event) => {
        const raw = event.target.value;
        onChange(raw === "" ? emptyValue(props) : options[Number(raw)]);
      }}
    >
      {allowEmpty && <option value="">{props.nullable ? "Default" : "Choose…"}</option>}
      {options.map((option, i) => (
        <option key={String(option)} value={String(i)}>
          {optionLabel(option)}
        </option>
      ))}
    </select>
  );
}

export function MultiSelectControl(props: FieldProps) {
  const { value, onChange, schema, context, id, describedBy, label } = props;
  const options = schema.items?.enum ?? schema.enum ?? [];
  const chosen = Array.isArray(value) ? value : [];
  const toggle = (option: unknown, on: boolean) =>
    onChange(on ? options.filter((item) => item === option || chosen.includes(item)) : chosen.filter((item) => item !== option));
  return (
    <div id={id} role="group" aria-label={label} aria-describedby={describedBy} className="grid grid-cols-1 gap-1">
      {options.map((option, i) => (
        <label key={String(option)} className="label cursor-pointer justify-start gap-2 text-sm">
          <input
            type="checkbox"
            id={`${id}-${i}`}
            className="checkbox checkbox-sm"
            checked={chosen.includes(option)}
            disabled={context.readOnly}
            onChange={(event) => toggle(option, event.target.checked)}
          />
          <span>{optionLabel(option)}</span>
        </label>
      ))}
    </div>
  );
}
