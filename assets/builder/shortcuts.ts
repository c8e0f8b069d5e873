// Keyboard shortcuts of the builder (ignored while typing in a field, except save).
// Copy, paste and select all belong to the canvas: elsewhere (the test reply, the run steps, the issues)
// the browser keeps them, so text can be selected and copied.
import { useEffect } from "react";
import type { BuilderStore, BuilderStoreApi } from "./store";

export interface ShortcutActions {
  fitView: () => void;
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest(".cm-editor")) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Whether the keyboard focus is on the canvas (the React Flow wrapper, a node or an edge). */
export function isOnCanvas(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest(".react-flow") !== null;
}

/** Whether the document has selected text (a non-collapsed selection). */
export function hasTextSelection(): boolean {
  return window.getSelection()?.isCollapsed === false;
}

/** Run the shortcut for `event`; returns whether one matched. */
export function handleShortcut(event: KeyboardEvent, store: BuilderStoreApi, actions: ShortcutActions): boolean {
  const state = store.getState();
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (mod && key === "s") {
    void state.saveNow();
    return true;
  }
  if (isTyping(event.target)) return false;
  if (mod && !event.altKey) {
    if (key === "c" || key === "v" || key === "a") return handleClipboardKey(key, event.target, state);
    if (key === "z" && event.shiftKey) state.redo();
    else if (key === "z") state.undo();
    else if (key === "y") state.redo();
    else if (key === "d") state.duplicateSelected();
    else return false;
    return true;
  }
  if (event.altKey || mod) return false;
  if (key === "delete" || key === "backspace") state.removeSelected();
  else if (event.shiftKey && key === "l") void state.layout();
  else if (event.shiftKey && key === "f") actions.fitView();
  else return false;
  return true;
}

/**
 * Copy, paste and select all: always on the canvas; elsewhere copy and paste only act on the graph when there is
 * something to act on and no selected text, and select all is left to the browser.
 */
function handleClipboardKey(key: "c" | "v" | "a", target: EventTarget | null, state: BuilderStore): boolean {
  const onCanvas = isOnCanvas(target);
  if (key === "a") {
    if (!onCanvas) return false;
    state.selectAll();
    return true;
  }
  if (key === "c") {
    if (!onCanvas && (hasTextSelection() || !state.nodes.some((node) => node.selected))) return false;
    state.copySelected();
    return true;
  }
  if (!onCanvas && (hasTextSelection() || !state.clipboard)) return false;
  state.paste();
  return true;
}

export function useShortcuts(store: BuilderStoreApi, actions: ShortcutActions, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (handleShortcut(event, store, actions)) event.preventDefault();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [store, actions, enabled]);
}
