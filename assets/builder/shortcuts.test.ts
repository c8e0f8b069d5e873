import { afterEach, describe, expect, it, vi } from "vitest";
import { handleShortcut } from "./shortcuts";
import { createBuilderStore } from "./store";
import { makeConfig } from "./testing/fixtures";

afterEach(() => vi.unstubAllGlobals());

function press(key: string, options: KeyboardEventInit = {}, target: EventTarget = document.body) {
  const event = new KeyboardEvent("keydown", { key, ...options });
  Object.defineProperty(event, "target", { value: target });
  return event;
}

describe("keyboard shortcuts", () => {
  it("edit the graph: duplicate, undo, redo, copy/paste, delete, select all", () => {
    const store = createBuilderStore(makeConfig());
    const actions = { fitView: vi.fn() };
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
    handleShortcut(press("a", { ctrlKey: true }), store, actions);
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
});
