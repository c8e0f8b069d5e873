// Prompt editing aids: `{variable}` autocomplete and a lint flagging unknown variables.
import { autocompletion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { linter, type Diagnostic } from "@codemirror/lint";
import type { Extension } from "@codemirror/state";

// Same rule as the server (apps/pipelines/prompts.py): `{name}` not inside `{{ }}`.
const VARIABLE = /(?<!\{)\{(\w+)\}(?!\})/g;

export interface PromptProblem {
  from: number;
  to: number;
  name: string;
  message: string;
}

export function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((match) => match[1]);
}

export function promptProblems(text: string, variables: readonly string[]): PromptProblem[] {
  const known = new Set(variables);
  const problems: PromptProblem[] = [];
  for (const match of text.matchAll(VARIABLE)) {
    const name = match[1];
    if (known.has(name)) continue;
    const from = match.index ?? 0;
    problems.push({
      from,
      to: from + match[0].length,
      name,
      message: `Unknown variable {${name}}; known: ${variables.join(", ") || "none"}. Use {{ and }} for literal braces.`,
    });
  }
  return problems;
}

function completeVariable(variables: readonly string[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const before = context.matchBefore(/\{\w*/);
    if (!before) return null;
    const charBefore = before.from > 0 ? context.state.sliceDoc(before.from - 1, before.from) : "";
    if (charBefore === "{") return null;
    if (before.from === before.to && !context.explicit) return null;
    return {
      from: before.from + 1,
      options: variables.map((name) => ({ label: name, type: "variable", apply: `${name}}` })),
      validFor: /^\w*$/,
    };
  };
}

export function promptExtensions(variables: readonly string[]): Extension[] {
  return [
    autocompletion({ override: [completeVariable(variables)], activateOnTyping: true }),
    linter(
      (view): Diagnostic[] =>
        promptProblems(view.state.doc.toString(), variables).map((problem) => ({
          from: problem.from,
          to: problem.to,
          severity: "error",
          message: problem.message,
        })),
      { delay: 250 },
    ),
  ];
}
