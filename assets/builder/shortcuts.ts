// Keyboard shortcuts of the builder (ignored while typing in a field, except save).
import { useEffect } from "react";
import type { BuilderStoreApi } from "./store";

export interface ShortcutActions {
  fitView: () => void;
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest(".cm-editor")) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
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
    if (key === "z" && event.shiftKey) state.redo();
    else if (key === "z") state.undo();
    else if (key === "y") state.redo();
    else if (key === "d") state.duplicateSelected();
    else if (key === "c") state.copySelected();
    else if (key === "v") state.paste();
    else if (key === "a") state.selectAll();
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
