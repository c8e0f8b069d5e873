import { jinja } from "@codemirror/lang-jinja";
import type { Extension } from "@codemirror/state";
import { syntaxLinter } from "../codeLanguage";

export const jinjaExtensions: Extension[] = [jinja(), syntaxLinter()];
