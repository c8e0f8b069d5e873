// Prompt and code fields backed by CodeMirror.
import type { Extension } from "@codemirror/state";
import { useMemo } from "react";
import { describedByIds, type FieldProps } from "../schemaForm/types";
import { CodeEditor } from "./CodeEditor";
import { promptExtensions, promptProblems } from "./promptLanguage";

export function PromptField({ id, label, value, onChange, context, describedBy }: FieldProps) {
  const variables = context.promptVariables;
  const extensions = useMemo(() => promptExtensions(variables), [variables]);
  const text = typeof value === "string" ? value : "";
  const unknown = [...new Set(promptProblems(text, variables).map((problem) => problem.name))];
  const problemId = `${id}-unknown`;
  return (
    <div className="flex flex-col gap-1">
      <CodeEditor
        id={id}
        label={label}
        value={text}
        onChange={onChange}
        extensions={extensions}
        readOnly={context.readOnly}
        describedBy={describedByIds(describedBy, unknown.length > 0 && problemId)}
      />
      <p className="text-xs opacity-70">
        Variables: {variables.map((name) => `{${name}}`).join(" ") || "none"} — type “{"{"}” to insert one.
      </p>
      {unknown.length > 0 && (
        <p id={problemId} className="text-error text-xs" role="alert">
          Unknown variable{unknown.length > 1 ? "s" : ""}: {unknown.map((name) => `{${name}}`).join(", ")}
        </p>
      )}
    </div>
  );
}

export function CodeField({ id, label, value, onChange, context, describedBy, extensions, languageName }: FieldProps & { extensions: Extension[]; languageName: string }) {
  return (
    <div className="flex flex-col gap-1">
      <CodeEditor
        id={id}
        label={`${label} (${languageName})`}
        value={typeof value === "string" ? value : ""}
        onChange={onChange}
        extensions={extensions}
        readOnly={context.readOnly}
        describedBy={describedBy}
        gutter
      />
    </div>
  );
}
