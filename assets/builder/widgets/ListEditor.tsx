// An ordered list of strings: a list widget, and router keywords (one output handle per entry).
import { useId } from "react";

interface Props {
  id: string;
  label: string;
  values: readonly string[];
  onChange: (values: string[]) => void;
  readOnly: boolean;
  itemLabel: string;
  addLabel: string;
  describedBy?: string;
  invalid?: boolean;
  showHandles?: boolean;
}

export function ListEditor({ id, label, values, onChange, readOnly, itemLabel, addLabel, describedBy, invalid, showHandles }: Props) {
  const legendId = useId();
  const update = (index: number, value: string) => onChange(values.map((item, i) => (i === index ? value : item)));
  const remove = (index: number) => onChange(values.filter((_, i) => i !== index));
  const move = (index: number, delta: number) => {
    const next = [...values];
    const [item] = next.splice(index, 1);
    next.splice(index + delta, 0, item);
    onChange(next);
  };
  return (
    <div role="group" aria-labelledby={legendId} aria-describedby={describedBy} id={id} className="flex flex-col gap-1">
      <span id={legendId} className="sr-only">
        {label}
      </span>
      {values.length === 0 && <p className="text-sm opacity-70">None yet.</p>}
      <ol className="flex flex-col gap-1">
        {values.map((value, index) => (
          <li key={index} className="join w-full">
            {showHandles && (
              <span className="join-item badge badge-ghost h-auto font-mono text-xs" aria-hidden="true">
                {index + 1}
              </span>
            )}
            <input
              className={`input input-sm join-item w-full ${invalid ? "input-error" : ""}`}
              aria-label={`${itemLabel} ${index + 1}`}
              value={value}
              readOnly={readOnly}
              onChange={(event) => update(index, event.target.value)}
            />
            {!readOnly && (
              <>
                <button type="button" className="btn btn-sm join-item" aria-label={`Move ${itemLabel.toLowerCase()} ${index + 1} up`} disabled={index === 0} onClick={() => move(index, -1)}>
                  ↑
                </button>
                <button type="button" className="btn btn-sm join-item" aria-label={`Move ${itemLabel.toLowerCase()} ${index + 1} down`} disabled={index === values.length - 1} onClick={() => move(index, 1)}>
                  ↓
                </button>
                <button type="button" className="btn btn-sm join-item" aria-label={`Remove ${itemLabel.toLowerCase()} ${index + 1}`} onClick={() => remove(index)}>
                  ✕
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
      {!readOnly && (
        <button type="button" className="btn btn-sm btn-ghost self-start" onClick={() => onChange([...values, ""])}>
          + {addLabel}
        </button>
      )}
    </div>
  );
}
