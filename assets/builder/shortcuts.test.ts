import { cleanup, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleShortcut, useShortcuts } from "./shortcuts";
import { createBuilderStore } from "./store";
import { makeConfig } from "./testing/fixtures";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.getSelection()?.removeAllRanges();
  document.body.replaceChildren();
});

/** A canvas (React Flow wrapper with a focusable node) and a test panel with a reply, as in the app. */
function page() {
  document.body.innerHTML = `
    <div class="react-flow" tabindex="-1"><div class="react-flow__node" tabindex="0" data-id="n2">router</div></div>
    <section data-testid="test-panel"><div data-testid="test-reply">Hello from the bot</div><button>Reset</button></section>`;
  const canvas = document.querySelector(".react-flow") as HTMLElement;
  const node = document.querySelector(".react-flow__node") as HTMLElement;
  const reply = document.querySelector('[data-testid="test-reply"]') as HTMLElement;
  const button = document.querySelector("button") as HTMLElement;
  return { canvas, node, reply, button };
}

function selectText(element: HTMLElement) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection() as Selection;
  selection.removeAllRanges();
  selection.addRange(range);
  expect(selection.isCollapsed).toBe(false);
}

/** Dispatch a real keydown from `target` (focus) to the window listener; returns whether the default was prevented. */
function keydown(target: EventTarget, key: string, options: KeyboardEventInit = {}): boolean {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...options });
  target.dispatchEvent(event);
  return event.defaultPrevented;
}

function press(key: string, options: KeyboardEventInit = {}, target: EventTarget = document.body) {
  const event = new KeyboardEvent("keydown", { key, ...options });
  Object.defineProperty(event, "target", { value: target });
  return event;
}

describe("keyboard shortcuts", () => {
  it("edit the graph: duplicate, undo, redo, copy/paste, delete, select all", () => {
    const store = createBuilderStore(makeConfig());
    const actions = { fitView: vi.fn() };
    const { canvas } = page();
    store.getState().selectNode("n2");
    expect(handleShortcut(press("d", { ctrlKey: true }), store, actions)).toBe(true);
    expect(store.getState().nodes).toHaveLength(4);
    handleShortcut(press("z", { ctrlKey: true }), store, actions);
    expect(store.getState().nodes).toHaveLength(3);
    handleShortcut(press("Z", { ctrlKey: true, shiftKey: true }), store, actions);
    expect(store.getState().nodes).toHaveLength(4);
    handleShortcut(press("z", { metaKey: true }), store, actions);
    handleShortcut(press("y", { ctrlKey: true }), store, actions);
    expect(store.getState().nodes).toHaveLength(4);
    handleShortcut(press("c", { ctrlKey: true }), store, actions);
    handleShortcut(press("v", { ctrlKey: true }), store, actions);
    expect(store.getState().nodes).toHaveLength(5);
    handleShortcut(press("Delete"), store, actions);
    expect(store.getState().nodes).toHaveLength(4);
    expect(handleShortcut(press("a", { ctrlKey: true }, canvas), store, actions)).toBe(true);
    expect(store.getState().nodes.every((node) => node.selected)).toBe(true);
    handleShortcut(press("F", { shiftKey: true }), store, actions);
    expect(actions.fitView).toHaveBeenCalled();
    store.getState().dispose();
  });

  it("leave typing alone, except Ctrl+S which saves", () => {
    const fetchMock = vi.fn().mockResolvedValue(new Response(JSON.stringify({ edit_revision: 4, issues: [] })));
    vi.stubGlobal("fetch", fetchMock);
    const store = createBuilderStore(makeConfig());
    const input = document.createElement("input");
    store.getState().selectNode("n2");
    expect(handleShortcut(press("Backspace", {}, input), store, { fitView: vi.fn() })).toBe(false);
    expect(handleShortcut(press("z", { ctrlKey: true }, input), store, { fitView: vi.fn() })).toBe(false);
    expect(store.getState().nodes).toHaveLength(3);
    store.getState().renameNode("n2", "x");
    expect(handleShortcut(press("s", { ctrlKey: true }, input), store, { fitView: vi.fn() })).toBe(true);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    store.getState().dispose();
  });

  describe("copy, paste and select all", () => {
    function mount() {
      const store = createBuilderStore(makeConfig());
      const actions = { fitView: vi.fn() };
      renderHook(() => useShortcuts(store, actions, true));
      return store;
    }

    it("leave the browser's copy alone when text is selected in the test panel", () => {
      const store = mount();
      const { reply } = page();
      store.getState().selectNode("n2");
      selectText(reply);
      expect(keydown(document.body, "c", { ctrlKey: true })).toBe(false);
      expect(keydown(document.body, "c", { metaKey: true })).toBe(false);
      expect(store.getState().clipboard).toBeNull();
      store.getState().dispose();
    });

    it("leave copy and select all to the browser outside the canvas with no node selected", () => {
      const store = mount();
      const { button } = page();
      expect(keydown(document.body, "c", { ctrlKey: true })).toBe(false);
      expect(keydown(button, "a", { ctrlKey: true })).toBe(false);
      expect(keydown(document.body, "a", { ctrlKey: true })).toBe(false);
      expect(store.getState().nodes.some((node) => node.selected)).toBe(false);
      expect(keydown(document.body, "v", { ctrlKey: true })).toBe(false);
      expect(store.getState().nodes).toHaveLength(3);
      store.getState().dispose();
    });

    it("copy the selected node when the canvas has the focus, and paste and select all there", () => {
      const store = mount();
      const { canvas, node, reply } = page();
      store.getState().selectNode("n2");
      node.focus();
      expect(document.activeElement).toBe(node);
      expect(keydown(node, "c", { ctrlKey: true })).toBe(true);
      expect(store.getState().clipboard?.nodes.map((copied) => copied.data.name)).toEqual(["router"]);
      expect(keydown(canvas, "v", { ctrlKey: true })).toBe(true);
      expect(store.getState().nodes).toHaveLength(4);
      selectText(reply); // a leftover text selection does not matter once the canvas has the focus
      expect(keydown(canvas, "a", { ctrlKey: true })).toBe(true);
      expect(store.getState().nodes.every((each) => each.selected)).toBe(true);
      store.getState().dispose();
    });

    it("copy selected nodes from outside the canvas when no text is selected", () => {
      const store = mount();
      const { button } = page();
      store.getState().selectNode("n2");
      expect(keydown(button, "c", { ctrlKey: true })).toBe(true);
      expect(store.getState().clipboard?.nodes).toHaveLength(1);
      expect(keydown(button, "v", { ctrlKey: true })).toBe(true);
      expect(store.getState().nodes).toHaveLength(4);
      store.getState().dispose();
    });
  });
});
