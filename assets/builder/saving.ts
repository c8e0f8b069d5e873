// Autosave with the edit revision: debounced saves, changes made during a save, 409 conflicts, reload.
import { fetchState, saveGraph } from "./api";
import { fromFlow, toFlow } from "./graph";
import { groupIssues } from "./issues";
import type { BuilderStore } from "./store";
import type { BuilderState } from "./types";

export const AUTOSAVE_DELAY_MS = 800;

type Set = (partial: Partial<BuilderStore>) => void;
type Get = () => BuilderStore;

export function createSaving(set: Set, get: Get) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let changeCounter = 0;
  let saving: Promise<void> | null = null;

  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const schedule = () => {
    cancel();
    timer = setTimeout(() => {
      timer = null;
      void get().saveNow();
    }, AUTOSAVE_DELAY_MS);
  };

  return {
    cancel,
    schedule,
    /** Count an edit, so that a save in flight knows it did not include it. */
    changed: () => {
      changeCounter++;
    },
    saveNow: async () => {
      cancel();
      if (saving) {
        await saving;
        if (get().dirty && get().saveState === "unsaved") return get().saveNow();
        return;
      }
      const { readOnly, saveState, dirty } = get();
      if (readOnly || saveState === "conflict" || (!dirty && saveState !== "error")) return;
      const started = changeCounter;
      const data = fromFlow(get().nodes, get().edges);
      set({ saveState: "saving", saveError: null });
      saving = (async () => {
        const result = await saveGraph(get().api, data, get().editRevision);
        if (result.kind === "ok") {
          const clean = changeCounter === started;
          set({
            editRevision: result.editRevision,
            dirty: !clean,
            saveState: clean ? "saved" : "unsaved",
            ...groupIssues(result.issues),
            issues: result.issues,
          });
          if (!clean) schedule();
        } else if (result.kind === "conflict") {
          set({ saveState: "conflict", saveError: result.message });
          get().announce("This pipeline was changed elsewhere. Reload to see the other changes.");
        } else {
          set({ saveState: "error", saveError: result.message });
        }
      })();
      try {
        await saving;
      } finally {
        saving = null;
      }
    },

    reload: async () => {
      cancel();
      try {
        get().applyState(await fetchState(get().api));
        get().announce("Reloaded the latest version of the pipeline");
      } catch (error) {
        set({ saveError: error instanceof Error ? error.message : String(error) });
      }
    },

    applyState: (state: BuilderState) => {
      const graph = toFlow(state.pipeline.data);
      changeCounter++;
      set({
        config: { ...get().config, ...state },
        readOnly: state.read_only || !state.pipeline.is_working_version,
        nodes: graph.nodes,
        edges: graph.edges,
        past: [],
        future: [],
        dirty: false,
        saveState: "saved",
        saveError: null,
        editRevision: state.pipeline.edit_revision,
        issues: state.issues ?? [],
        ...groupIssues(state.issues ?? []),
      });
    },
  };
}
