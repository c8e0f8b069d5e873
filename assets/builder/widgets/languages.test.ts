// @vitest-environment node
import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { syntaxErrors } from "./codeLanguage";
import { jinjaExtensions } from "./lang/jinja";
import { pythonExtensions } from "./lang/python";
import { promptProblems, variablesIn } from "./promptLanguage";

describe("prompt variables", () => {
  const known = ["participant_data", "current_datetime"];

  it("flags unknown {names} and treats {{ }} as literal braces, like the server", () => {
    const text = "Hi {participant_data} at {current_datetime}; {oops} and {{literal}} and {{ {nope} }}";
    expect(variablesIn(text)).toEqual(["participant_data", "current_datetime", "oops", "nope"]);
    const problems = promptProblems(text, known);
    expect(problems.map((problem) => problem.name)).toEqual(["oops", "nope"]);
    expect(text.slice(problems[0].from, problems[0].to)).toBe("{oops}");
    expect(promptProblems("no variables {{x}}", known)).toEqual([]);
  });
});

describe("syntax errors", () => {
  const state = (doc: string, extensions: typeof pythonExtensions) => EditorState.create({ doc, extensions });

  it("are reported for broken Python and not for valid Python", () => {
    expect(syntaxErrors(state("def main(input, **kwargs):\n    return input\n", pythonExtensions))).toEqual([]);
    const errors = syntaxErrors(state("def main(input:\n    return input +\n", pythonExtensions));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0].message).toMatch(/Syntax error on line \d/);
  });

  it("are reported for broken Jinja", () => {
    expect(syntaxErrors(state("Hello {{ input }}{% if x %}y{% endif %}", jinjaExtensions))).toEqual([]);
    expect(syntaxErrors(state("Hello {{ input ", jinjaExtensions)).length).toBeGreaterThan(0);
  });
});
