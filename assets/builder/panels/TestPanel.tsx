// Send a message to the saved working copy; see the streamed reply, the path and each node's work.
import { useRef, useState, type FormEvent } from "react";
import { traceUrl as traceUrlFor } from "../api";
import { useBuilder, useBuilderApi } from "../context";
import { streamEvents } from "../sse";
import {
  answeredTurns,
  emptyRun,
  historyToSend,
  participantTextAfter,
  runReducer,
  turnsAfterRun,
  type RunState,
  type ShownTurn,
} from "../testRun";
import { RunSteps } from "./RunSteps";

export function TestPanel({ onClose }: { onClose: () => void }) {
  const store = useBuilderApi();
  const api = useBuilder((state) => state.api);
  const [message, setMessage] = useState("");
  const [history, setHistory] = useState<ShownTurn[]>([]);
  // The message being answered, shown until the run ends and it joins the conversation.
  const [pending, setPending] = useState<string | null>(null);
  const [run, setRun] = useState<RunState>(emptyRun);
  const [participantText, setParticipantText] = useState("{}");
  const participant = parseParticipant(participantText);
  const abort = useRef<AbortController | null>(null);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const text = message.trim();
    if (!text || run.running || participant.error) return;
    const state = store.getState();
    state.clearRun();
    await state.saveNow();
    const after = store.getState();
    if (after.saveState === "conflict" || after.saveState === "error") {
      setRun({ ...emptyRun, error: "Save the pipeline before testing it (see the message above)." });
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    let current: RunState = { ...emptyRun, running: true };
    setRun(current);
    setMessage("");
    setPending(text);
    try {
      await streamEvents({
        url: api.urls.test,
        csrfToken: api.csrfToken,
        body: { message: text, participant_data: participant.value, history: historyToSend(answeredTurns(history)) },
        signal: controller.signal,
        onEvent: (kind, data) => {
          current = runReducer(current, kind, data);
          setRun(current);
          const nodeId = typeof data.node_id === "string" ? data.node_id : null;
          if (kind === "node_start" && nodeId) store.getState().setRunStatus(nodeId, "running");
          if (kind === "node_end" && nodeId) store.getState().setRunStatus(nodeId, data.error ? "error" : "done");
          if (kind === "error" && Array.isArray(data.issues) && data.issues.length) store.getState().setIssues(current.issues);
        },
      });
    } catch (error) {
      if (!controller.signal.aborted) current = { ...current, error: error instanceof Error ? error.message : String(error) };
    }
    if (abort.current === controller) abort.current = null;
    if (controller.signal.aborted) return; // reset while running: this exchange is discarded
    current = { ...current, running: false };
    setRun(current);
    setPending(null);
    // The finished exchange joins the conversation once; the live reply bubble shows only while running.
    const finished = current;
    setHistory((turns) => turnsAfterRun(turns, text, finished));
    // A run's error is shown under its message (above), not again in the panel's alert.
    setRun({ ...finished, error: null });
    if (!current.error) {
      // The next turn starts from the participant data this one ended with, as in a real conversation.
      const ended = current;
      setParticipantText((previous) => participantTextAfter(ended, previous));
    }
  };

  const reset = () => {
    abort.current?.abort();
    setHistory([]);
    setPending(null);
    setRun(emptyRun);
    store.getState().clearRun();
  };

  const trace = run.traceUrl ?? (run.traceId ? traceUrlFor(api, run.traceId) : null);
  return (
    <section aria-label="Test the pipeline" className="flex h-full flex-col gap-2" data-testid="test-panel">
      <header className="flex items-center justify-between">
        <h2 className="text-base font-semibold">Test</h2>
        <div className="flex gap-1">
          <button type="button" className="btn btn-xs" onClick={reset}>
            Reset conversation
          </button>
          <button type="button" className="btn btn-xs btn-ghost" aria-label="Close the test panel" onClick={onClose}>
            ✕
          </button>
        </div>
      </header>
      <p className="text-xs opacity-70">Runs the saved working copy; your changes are saved first.</p>
      <ol className="flex flex-col gap-1" aria-label="Conversation">
        {history.map((turn, i) => (
          <li key={i} className={`chat ${turn.role === "human" ? "chat-end" : "chat-start"}`}>
            <div className={`chat-bubble text-sm whitespace-pre-wrap ${turn.role === "human" ? "chat-bubble-primary" : ""}`}>
              {turn.content}
            </div>
            {turn.error && (
              <div className="chat-footer text-error text-xs" role="alert" data-testid="test-turn-error">
                {turn.error}
              </div>
            )}
          </li>
        ))}
        {pending !== null && (
          <li className="chat chat-end">
            <div className="chat-bubble chat-bubble-primary text-sm whitespace-pre-wrap">{pending}</div>
          </li>
        )}
      </ol>
      {run.running && (
        <div className="chat chat-start" aria-live="polite" aria-busy={run.running}>
          <div className="chat-bubble text-sm whitespace-pre-wrap" data-testid="test-reply">
            {run.reply || "…"}
          </div>
        </div>
      )}
      {run.error && (
        <div role="alert" className="alert alert-error py-2 text-sm" data-testid="test-error">
          {run.error}
        </div>
      )}
      <form onSubmit={(event) => void send(event)} className="join w-full">
        <label htmlFor="test-message" className="sr-only">
          Message
        </label>
        <input
          id="test-message"
          className="input input-sm join-item w-full"
          placeholder="Send a test message…"
          value={message}
          onChange={(event) => setMessage(event.target.value)}
          disabled={run.running}
        />
        <button type="submit" className="btn btn-sm btn-primary join-item" disabled={run.running || !message.trim()}>
          {run.running ? "Running…" : "Send"}
        </button>
      </form>
      <details className="text-sm">
        <summary className="cursor-pointer">Participant data</summary>
        <label htmlFor="test-participant-data" className="sr-only">
          Participant data (JSON)
        </label>
        <textarea
          id="test-participant-data"
          className={`textarea textarea-sm mt-1 w-full font-mono ${participant.error ? "textarea-error" : ""}`}
          rows={3}
          value={participantText}
          aria-invalid={Boolean(participant.error) || undefined}
          aria-describedby={participant.error ? "test-participant-error" : undefined}
          onChange={(event) => setParticipantText(event.target.value)}
        />
        {participant.error && (
          <p id="test-participant-error" className="text-error text-xs" role="alert">
            {participant.error}
          </p>
        )}
      </details>
      {trace && (
        <a className="link text-sm" href={trace} target="_blank" rel="noreferrer">
          View the trace
        </a>
      )}
      <RunSteps steps={run.steps} routes={run.routes} />
    </section>
  );
}

function parseParticipant(text: string): { value: Record<string, unknown>; error: string | null } {
  if (!text.trim()) return { value: {}, error: null };
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return { value: value as Record<string, unknown>, error: null };
    return { value: {}, error: "Participant data must be a JSON object" };
  } catch {
    return { value: {}, error: "Participant data is not valid JSON" };
  }
}
