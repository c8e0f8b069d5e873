// Publish the working copy as a new version; refused (with the problems listed) when it is invalid.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, createVersion } from "../api";
import { useBuilder, useBuilderApi } from "../context";
import { IssuesList } from "./IssuesList";

export function CreateVersionDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const store = useBuilderApi();
  const issues = useBuilder((state) => state.issues);
  const dialog = useRef<HTMLDialogElement>(null);
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<number | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      if (typeof element.showModal === "function") element.showModal();
      else element.setAttribute("open", "");
    } else if (!open && element.open) {
      if (typeof element.close === "function") element.close();
      else element.removeAttribute("open");
    }
  }, [open]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    const state = store.getState();
    await state.saveNow();
    const saved = store.getState();
    if (saved.saveState !== "saved") {
      setError("The working copy could not be saved; fix that first.");
    } else if (saved.issues.length > 0) {
      setError("Fix these problems before creating a version.");
    } else {
      try {
        const number = await createVersion(saved.api, description);
        const versions = [{ version_number: number, description, created_at: new Date().toISOString() }, ...saved.config.versions];
        store.setState({ config: { ...saved.config, versions } });
        setCreated(number);
        setDescription("");
      } catch (failure) {
        if (failure instanceof ApiError && failure.issues.length) saved.setIssues(failure.issues);
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    }
    setBusy(false);
  };

  return (
    <dialog ref={dialog} className="modal" aria-labelledby="create-version-title" onClose={onClose}>
      <form className="modal-box flex flex-col gap-3" onSubmit={(event) => void submit(event)}>
        <h2 id="create-version-title" className="text-lg font-semibold">
          Create a version
        </h2>
        <label htmlFor="version-description" className="text-sm font-medium">
          Description
        </label>
        <input
          id="version-description"
          className="input w-full"
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          placeholder="What changed?"
        />
        {open && issues.length > 0 && <IssuesList issues={issues} />}
        {error && (
          <p role="alert" className="text-error text-sm">
            {error}
          </p>
        )}
        {created !== null && (
          <p role="status" className="text-success text-sm">
            Version {created} created.
          </p>
        )}
        <div className="modal-action">
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Creating…" : "Create version"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
