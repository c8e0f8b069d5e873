import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { createBuilderStore } from "./store";
import { makeConfig, nodeTypes } from "./testing/fixtures";
import { installBrowserStubs } from "./testing/jsdom";

beforeAll(installBrowserStubs);
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function setup(overrides = {}) {
  const store = createBuilderStore(makeConfig(overrides));
  const view = render(<App store={store} />);
  return { store, ...view };
}

describe("the builder app", () => {
  it("lists every node type of the server in the palette", () => {
    setup();
    const palette = screen.getByRole("navigation", { name: "Node palette" });
    const adders = within(palette).getAllByRole("button").filter((button) => button.hasAttribute("data-node-type"));
    expect(adders.map((button) => button.getAttribute("data-node-type"))).toEqual(nodeTypes.map((type) => type.name));
  });

  it("draws one labelled output handle per router keyword and updates them with the keywords", () => {
    const { container, store } = setup();
    const router = container.querySelector('[data-node-name="router"]') as HTMLElement;
    const handles = () => [...router.querySelectorAll(".react-flow__handle.source")].map((handle) => handle.getAttribute("data-handleid"));
    expect(handles()).toEqual(["output_0", "output_1"]);
    expect(within(router).getByText("billing")).toBeTruthy();
    expect(router.querySelector(".react-flow__handle.target")?.getAttribute("data-handleid")).toBe("input");
    act(() => store.getState().updateParams("n2", { keywords: ["a", "b", "c"] }));
    expect(handles()).toEqual(["output_0", "output_1", "output_2"]);
    const end = container.querySelector('[data-node-name="end"]') as HTMLElement;
    expect(end.querySelectorAll(".react-flow__handle.source")).toHaveLength(0);
  });

  it("shows issues on the offending node and in the list", () => {
    const { container } = setup({ issues: [{ message: "Unknown variable {oops}", node_id: "n2", field: "prompt" }, { message: "Needs an End" }] });
    const router = container.querySelector('[data-node-name="router"]') as HTMLElement;
    expect(router.className).toContain("border-error");
    expect(within(router).getByText("Unknown variable {oops}")).toBeTruthy();
    const list = screen.getByTestId("issues-list");
    expect(list.textContent).toContain("router: Unknown variable {oops}");
    expect(list.textContent).toContain("Needs an End");
  });

  it("opens the settings of the selected node, and adds a node from the palette by keyboard", () => {
    const { store } = setup();
    act(() => store.getState().selectNode("n2"));
    const panel = screen.getByTestId("settings-panel");
    expect((within(panel).getByLabelText("Name") as HTMLInputElement).value).toBe("router");
    fireEvent.change(within(panel).getByLabelText("Name"), { target: { value: "triage" } });
    expect(store.getState().nodes[1].data.name).toBe("triage");
    fireEvent.click(screen.getByRole("button", { name: "Add LLM node" }));
    expect(store.getState().nodes.at(-1)?.data.type).toBe("llm");
    expect(screen.getByRole("button", { name: "Undo" })).toHaveProperty("disabled", false);
    store.getState().dispose();
  });

  it("gives the canvas the keyboard focus for select all and copy, and leaves them to the browser elsewhere", () => {
    const { container, store } = setup();
    const canvas = container.querySelector(".react-flow") as HTMLElement;
    expect(canvas.getAttribute("tabindex")).toBe("-1");
    const press = (target: HTMLElement, key: string) => {
      const event = new KeyboardEvent("keydown", { key, ctrlKey: true, bubbles: true, cancelable: true });
      target.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(press(container.querySelector('aside[aria-label="Settings"]') as HTMLElement, "a")).toBe(false);
    expect(store.getState().nodes.some((node) => node.selected)).toBe(false);
    canvas.focus();
    let prevented = false;
    act(() => {
      prevented = press(canvas, "a");
    });
    expect(prevented).toBe(true);
    expect(store.getState().nodes.every((node) => node.selected)).toBe(true);
    expect(press(canvas, "c")).toBe(true);
    expect(store.getState().clipboard?.nodes).toHaveLength(3);
    store.getState().dispose();
  });

  it("offers a reload when the pipeline was changed elsewhere", async () => {
    const { store } = setup();
    act(() => store.setState({ saveState: "conflict", saveError: "Changed elsewhere", dirty: true }));
    const banner = screen.getByTestId("conflict-banner");
    expect(banner.textContent).toContain("This pipeline was changed elsewhere");
    const state = { ...makeConfig(), pipeline: { ...makeConfig().pipeline, edit_revision: 8 } };
    const fetchMock = vi.fn().mockResolvedValue(new Response(JSON.stringify(state), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    await act(async () => fireEvent.click(within(banner).getByRole("button", { name: "Reload" })));
    expect(fetchMock.mock.calls[0][0]).toBe("/b/state/");
    expect(store.getState()).toMatchObject({ saveState: "saved", editRevision: 8, dirty: false });
    expect(screen.queryByTestId("conflict-banner")).toBeNull();
  });

  it("hides the palette and editing tools when read-only", () => {
    setup({ read_only: true });
    expect(screen.queryByRole("navigation", { name: "Node palette" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Undo" })).toBeNull();
    expect(screen.getByText("Read-only")).toBeTruthy();
  });
});
