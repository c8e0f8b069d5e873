import { python } from "@codemirror/lang-python";
import type { Extension } from "@codemirror/state";
import { syntaxLinter } from "../codeLanguage";

export const pythonExtensions: Extension[] = [python(), syntaxLinter()];
