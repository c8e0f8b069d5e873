// A lint reporting the syntax errors (error nodes) of the Lezer parse tree.
import { ensureSyntaxTree, syntaxTree } from "@codemirror/language";
import { linter, type Diagnostic } from "@codemirror/lint";
import type { EditorState, Extension } from "@codemirror/state";

export type CodeLanguage = "python" | "jinja" | "json";

export function syntaxErrors(state: EditorState, timeout = 200): Diagnostic[] {
  const tree = ensureSyntaxTree(state, state.doc.length, timeout) ?? syntaxTree(state);
  const diagnostics: Diagnostic[] = [];
  const lines = new Set<number>();
  tree.iterate({
    enter: (node) => {
      if (!node.type.isError) return;
      const from = Math.min(node.from, state.doc.length);
      const line = state.doc.lineAt(from);
      if (lines.has(line.number)) return;
      lines.add(line.number);
      diagnostics.push({
        from,
        to: Math.min(Math.max(node.to, from + 1), Math.max(state.doc.length, from)),
        severity: "error",
        message: `Syntax error on line ${line.number}`,
      });
    },
  });
  return diagnostics;
}

export function syntaxLinter(): Extension {
  return linter((view) => syntaxErrors(view.state), { delay: 300 });
}
