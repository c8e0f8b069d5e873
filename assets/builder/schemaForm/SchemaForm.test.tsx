import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultParams } from "../graph";
import { makeConfig, nodeType } from "../testing/fixtures";
import type { JsonSchema, Params, UiHint } from "../types";
import { formSections, SchemaForm } from "./SchemaForm";

// CodeMirror measures text ranges, which jsdom does not lay out.
Range.prototype.getClientRects = () => [] as unknown as DOMRectList;
Range.prototype.getBoundingClientRect = () => new DOMRect();

afterEach(cleanup);

const config = makeConfig();

function renderForm(typeName: string, value: Params, options: { errors?: Record<string, string[]>; readOnly?: boolean } = {}) {
  const type = nodeType(typeName);
  const onChange = vi.fn();
  const view = render(
    <SchemaForm
      idPrefix="node-n9"
      schema={type.schema}
      ui={type.ui}
      value={value}
      onChange={onChange}
      errors={options.errors ?? {}}
      readOnly={options.readOnly ?? false}
      providers={config.llm_providers}
      promptVariables={config.prompt_variables}
    />,
  );
  return { onChange, ...view };
}

function renderSchema(schema: JsonSchema, value: Params, ui: Record<string, UiHint> = {}) {
  const onChange = vi.fn();
  render(
    <SchemaForm idPrefix="f" schema={schema} ui={ui} value={value} onChange={onChange} errors={{}} readOnly={false} providers={[]} promptVariables={[]} />,
  );
  return onChange;
}

describe("SchemaForm for an LLM node", () => {
  const params = defaultParams(nodeType("llm"), config.llm_providers);

  it("groups fields: main, the History group, then Advanced folded away", () => {
    expect(formSections(nodeType("llm").schema, nodeType("llm").ui).map((section) => section.title)).toEqual([null, "History", "Advanced"]);
    const { container } = renderForm("llm", params);
    const history = screen.getByRole("group", { name: "History" });
    expect(within(history).getByLabelText("History Type")).toBeTruthy();
    const advanced = container.querySelector("details") as HTMLDetailsElement;
    expect(advanced.open).toBe(false);
    expect(within(advanced).getByLabelText(/Temperature/)).toBeTruthy();
  });

  it("offers only the team's providers, and models of the chosen provider", () => {
    const { onChange } = renderForm("llm", params);
    const provider = screen.getByLabelText(/^Provider/) as HTMLSelectElement;
    expect([...provider.options].map((option) => option.textContent)).toEqual(["Choose a provider…", "Local model (local)", "Other (openai)"]);
    const model = screen.getByLabelText(/^Model/) as HTMLSelectElement;
    expect([...model.options].map((option) => option.textContent)).toEqual(["Choose a model…", "gemma-3-270m"]);
    fireEvent.change(provider, { target: { value: "2" } });
    expect(onChange).toHaveBeenLastCalledWith({ llm_provider_id: 2, llm_model_id: 5 });
  });

  it("renders enums as selects and optional numbers that can be cleared", () => {
    const { onChange } = renderForm("llm", { ...params, temperature: 0.5 });
    const mode = screen.getByLabelText("History Mode") as HTMLSelectElement;
    expect([...mode.options].map((option) => option.textContent)).toEqual(["summarize", "truncate tokens", "max messages"]);
    expect(mode.options[mode.selectedIndex].textContent).toBe("truncate tokens");
    fireEvent.change(mode, { target: { value: "0" } });
    expect(onChange).toHaveBeenLastCalledWith({ history_mode: "summarize" });
    const temperature = screen.getByLabelText(/Temperature/) as HTMLInputElement;
    expect(temperature.type).toBe("number");
    expect(temperature.min).toBe("0");
    expect(temperature.max).toBe("2");
    expect(screen.getAllByText("(optional)").length).toBeGreaterThan(0);
    fireEvent.change(temperature, { target: { value: "" } });
    expect(onChange).toHaveBeenLastCalledWith({ temperature: null });
    fireEvent.change(screen.getByLabelText("History Max Messages"), { target: { value: "7" } });
    expect(onChange).toHaveBeenLastCalledWith({ history_max_messages: 7 });
  });

  it("renders the tools as a multiselect of checkboxes", () => {
    const { onChange } = renderForm("llm", { ...params, tools: ["calculator"] });
    const tools = screen.getByRole("group", { name: "Tools" });
    const boxes = within(tools).getAllByRole("checkbox") as HTMLInputElement[];
    expect(boxes).toHaveLength(9);
    expect(boxes.filter((box) => box.checked)).toHaveLength(1);
    fireEvent.click(within(tools).getByLabelText("end session"));
    expect(onChange).toHaveBeenLastCalledWith({ tools: ["end_session", "calculator"] });
  });

  it("marks required fields and shows server errors on the field", () => {
    renderForm("llm", params, { errors: { prompt: ["Unknown variable {oops}"], llm_model_id: ["Pick a model"] } });
    const model = screen.getByLabelText(/^Model/);
    expect(model.getAttribute("aria-invalid")).toBe("true");
    const describedBy = model.getAttribute("aria-describedby") ?? "";
    expect(document.getElementById(describedBy.split(" ").at(-1) as string)?.textContent).toBe("Pick a model");
    expect(screen.getByText("Unknown variable {oops}")).toBeTruthy();
    expect(screen.getByText(/^Provider/, { selector: "label" }).textContent).toBe("Provider *");
  });

  it("loads the prompt editor (CodeMirror) and flags unknown variables", async () => {
    renderForm("llm", { ...params, prompt: "Hello {participant_data} {mystery}" });
    const editor = await screen.findByLabelText("Prompt", { selector: "[contenteditable]" }, { timeout: 5000 });
    expect(editor.textContent).toContain("Hello {participant_data}");
    expect((await screen.findByRole("alert")).textContent).toBe("Unknown variable: {mystery}");
  });

  it("is read-only when asked", () => {
    renderForm("llm", params, { readOnly: true });
    expect((screen.getByLabelText(/^Provider/) as HTMLSelectElement).disabled).toBe(true);
    expect((screen.getByLabelText("History Name") as HTMLInputElement).readOnly).toBe(true);
  });
});

describe("SchemaForm widgets", () => {
  it("edits router keywords as an ordered list", () => {
    const { onChange } = renderForm("llm_router", { keywords: ["billing", "support"], llm_provider_id: 1, llm_model_id: 3 });
    const routes = screen.getByRole("group", { name: "Routes" });
    expect(within(routes).getAllByRole("textbox").map((input) => (input as HTMLInputElement).value)).toEqual(["billing", "support"]);
    fireEvent.change(within(routes).getByLabelText("Route 2"), { target: { value: "help" } });
    expect(onChange).toHaveBeenLastCalledWith({ keywords: ["billing", "help"] });
    fireEvent.click(screen.getByRole("button", { name: "+ Add route" }));
    expect(onChange).toHaveBeenLastCalledWith({ keywords: ["billing", "support", ""] });
    fireEvent.click(screen.getByRole("button", { name: "Move route 2 up" }));
    expect(onChange).toHaveBeenLastCalledWith({ keywords: ["support", "billing"] });
    fireEvent.click(screen.getByRole("button", { name: "Remove route 1" }));
    expect(onChange).toHaveBeenLastCalledWith({ keywords: ["support"] });
    expect((screen.getByLabelText("Tag Output Message") as HTMLInputElement).type).toBe("checkbox");
  });

  it("edits the HTTP allow-list (list) and loads the Python code editor", async () => {
    const { onChange } = renderForm("python_code", { code: "def main(input, **kwargs):\n    return input\n", allowed_hosts: [] });
    fireEvent.click(screen.getByRole("button", { name: "+ Add item" }));
    expect(onChange).toHaveBeenLastCalledWith({ allowed_hosts: [""] });
    const code = await screen.findByLabelText("Code (Python)", { selector: "[contenteditable]" }, { timeout: 5000 });
    expect(code.textContent).toContain("def main");
  });

  it("loads the JSON schema editor and reports invalid JSON schemas", async () => {
    const { jsonProblem } = await import("../widgets/JsonEditor");
    expect(jsonProblem('{"type": "object"}', true)).toBeNull();
    expect(jsonProblem("{oops", true)).toMatch(/Not valid JSON/);
    expect(jsonProblem("[1]", true)).toBe("A JSON schema is an object");
    expect(jsonProblem('{"type": "string"}', true)).toMatch(/should be "object"/);
    renderForm("extract_structured_data", { llm_provider_id: 1, llm_model_id: 3, data_schema: { type: "object", properties: { name: { type: "string" } } } });
    const editor = await screen.findByLabelText("Data schema", { selector: "[contenteditable]" }, { timeout: 5000 });
    expect(editor.textContent).toContain('"name"');
  });

  it("renders plain schemas: nested objects with defaults, $ref enums, booleans and text", () => {
    const schema: JsonSchema = {
      type: "object",
      required: ["label"],
      $defs: { Color: { enum: ["red", "green"], type: "string" } },
      properties: {
        label: { type: "string", title: "Label", description: "Shown to people" },
        color: { anyOf: [{ $ref: "#/$defs/Color" }, { type: "null" }], default: null },
        enabled: { type: "boolean", default: true },
        limits: { type: "object", title: "Limits", properties: { low: { type: "integer", default: 1 }, high: { type: "integer", default: 9 } } },
      },
    };
    const onChange = renderSchema(schema, { label: "", enabled: true, limits: { low: 1, high: 9 } });
    const label = screen.getByLabelText(/Label/) as HTMLInputElement;
    expect(label.getAttribute("aria-required")).toBe("true");
    expect(document.getElementById(label.getAttribute("aria-describedby") as string)?.textContent).toBe("Shown to people");
    fireEvent.change(label, { target: { value: "x" } });
    expect(onChange).toHaveBeenLastCalledWith({ label: "x" });
    const color = screen.getByLabelText(/Color/) as HTMLSelectElement;
    expect([...color.options].map((option) => option.textContent)).toEqual(["Default", "red", "green"]);
    fireEvent.change(color, { target: { value: "1" } });
    expect(onChange).toHaveBeenLastCalledWith({ color: "green" });
    expect((screen.getByLabelText("Enabled") as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByLabelText("High"), { target: { value: "12" } });
    expect(onChange).toHaveBeenLastCalledWith({ limits: { low: 1, high: 12 } });
  });

  it("shows schema defaults for parameters the graph leaves out", () => {
    renderForm("llm_router", { keywords: ["a"] });
    expect((screen.getByLabelText("Default route") as HTMLInputElement).value).toBe("0");
    const history = screen.getByLabelText("History Type") as HTMLSelectElement;
    expect(history.options[history.selectedIndex].textContent).toBe("none");
  });

  it("says so when a node has no settings", () => {
    renderSchema(nodeType("start").schema, {});
    expect(screen.getByText("This node has no settings.")).toBeTruthy();
  });
});
