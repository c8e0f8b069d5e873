// Provider and model pickers, limited to the team's providers.
import type { FieldProps } from "../schemaForm/types";

function toId(raw: string): number | null {
  return raw === "" ? null : Number(raw);
}

export function ProviderPicker({ id, value, onChange, context, errors, describedBy }: FieldProps) {
  const known = context.providers.some((provider) => provider.id === value);
  return (
    <select
      id={id}
      className={`select select-sm w-full ${errors.length ? "select-error" : ""}`}
      value={value == null ? "" : String(value)}
      disabled={context.readOnly}
      aria-invalid={errors.length > 0}
      aria-describedby={describedBy}
      onChange={(event) => onChange(toId(event.target.value))}
    >
      <option value="">Choose a provider…</option>
      {value != null && !known && <option value={String(value)}>Unknown provider #{String(value)}</option>}
      {context.providers.map((provider) => (
        <option key={provider.id} value={provider.id}>
          {provider.name} ({provider.type})
        </option>
      ))}
    </select>
  );
}

export function ModelPicker({ id, value, onChange, context, hint, errors, describedBy }: FieldProps) {
  const providerId = hint?.provider_field ? context.params[hint.provider_field] : undefined;
  const provider = context.providers.find((item) => item.id === providerId);
  const models = provider?.models ?? [];
  const known = models.some((model) => model.id === value);
  return (
    <select
      id={id}
      className={`select select-sm w-full ${errors.length ? "select-error" : ""}`}
      value={value == null ? "" : String(value)}
      disabled={context.readOnly || !provider}
      aria-invalid={errors.length > 0}
      aria-describedby={describedBy}
      onChange={(event) => onChange(toId(event.target.value))}
    >
      <option value="">{provider ? "Choose a model…" : "Choose a provider first"}</option>
      {value != null && !known && <option value={String(value)}>Model #{String(value)} (not offered by this provider)</option>}
      {models.map((model) => (
        <option key={model.id} value={model.id}>
          {model.name}
        </option>
      ))}
    </select>
  );
}
