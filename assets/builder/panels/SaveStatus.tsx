// The autosave state, and the banner offering a reload after a concurrent edit.
import { useBuilder } from "../context";

const LABELS = {
  saved: "All changes saved",
  saving: "Saving…",
  unsaved: "Unsaved changes",
  conflict: "Not saved: changed elsewhere",
  error: "Save failed",
} as const;

const BADGES = {
  saved: "badge-success",
  saving: "badge-info",
  unsaved: "badge-warning",
  conflict: "badge-error",
  error: "badge-error",
} as const;

export function SaveStatus() {
  const saveState = useBuilder((state) => state.saveState);
  const readOnly = useBuilder((state) => state.readOnly);
  if (readOnly) return <span className="badge badge-ghost">Read-only</span>;
  return (
    <span className={`badge ${BADGES[saveState]} whitespace-nowrap`} role="status" aria-live="polite" data-save-state={saveState}>
      {LABELS[saveState]}
    </span>
  );
}

export function SaveBanners() {
  const saveState = useBuilder((state) => state.saveState);
  const saveError = useBuilder((state) => state.saveError);
  const reload = useBuilder((state) => state.reload);
  const saveNow = useBuilder((state) => state.saveNow);
  if (saveState === "conflict") {
    return (
      <div role="alert" className="alert alert-warning rounded-none" data-testid="conflict-banner">
        <span>
          This pipeline was changed elsewhere (another tab or person). Your latest changes here are not saved; reload to
          continue from the other version.
        </span>
        <button type="button" className="btn btn-sm" onClick={() => void reload()}>
          Reload
        </button>
      </div>
    );
  }
  if (saveState === "error") {
    return (
      <div role="alert" className="alert alert-error rounded-none">
        <span>Could not save: {saveError}</span>
        <button type="button" className="btn btn-sm" onClick={() => void saveNow()}>
          Retry
        </button>
      </div>
    );
  }
  return null;
}
