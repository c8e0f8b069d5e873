// A JSON editor (CodeMirror) for object parameters, e.g. the JSON schema of an extraction node.
import { useState } from "react";
import { describedByIds, type FieldProps } from "../schemaForm/types";
import { CodeEditor } from "./CodeEditor";
import { jsonExtensions } from "./lang/json";

function format(value: unknown): string {
  return value === undefined || value === null ? "" : JSON.stringify(value, null, 2);
}

/** Why `text` is not acceptable, or null. `schemaMode` asks for a JSON schema of an object. */
export function jsonProblem(text: string, schemaMode: boolean): string | null {
  if (!text.trim()) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (schemaMode) {
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return "A JSON schema is an object";
    const schema = parsed as Record<string, unknown>;
    if (schema.type !== undefined && schema.type !== "object") return 'The schema\'s "type" should be "object"';
    if (schema.properties !== undefined && (typeof schema.properties !== "object" || Array.isArray(schema.properties))) {
      return '"properties" should be an object';
    }
  }
  return null;
}

export function JsonEditor({ id, label, value, onChange, hint, context, describedBy }: FieldProps) {
  const schemaMode = hint?.widget === "json_schema";
  const [text, setText] = useState(() => format(value));
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    let current: unknown;
    try {
      current = text.trim() ? JSON.parse(text) : undefined;
    } catch {
      current = Symbol("invalid");
    }
    if (JSON.stringify(current) !== JSON.stringify(value)) setText(format(value));
  }
  const problem = jsonProblem(text, schemaMode);
  const problemId = `${id}-json-problem`;
  const onText = (next: string) => {
    setText(next);
    if (jsonProblem(next, schemaMode)) return;
    onChange(next.trim() ? JSON.parse(next) : null);
  };
  return (
    <div className="flex flex-col gap-1">
      <CodeEditor
        id={id}
        label={label}
        value={text}
        onChange={onText}
        extensions={jsonExtensions}
        readOnly={context.readOnly}
        describedBy={describedByIds(describedBy, Boolean(problem) && problemId)}
        gutter
        placeholder={schemaMode ? '{"type": "object", "properties": {"name": {"type": "string"}}}' : undefined}
      />
      {problem && (
        <p id={problemId} className="text-error text-xs" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
