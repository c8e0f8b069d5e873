// The state of one test run, built from the stream's events (docs/builder-api.md, "Test run events").
import type { Issue } from "./types";

export interface RunStep {
  nodeId: string;
  name: string;
  type: string;
  input: unknown;
  output?: unknown;
  route?: string | null;
  durationMs?: number | null;
  error?: string | null;
  status: "running" | "done" | "error";
}

export interface RunState {
  running: boolean;
  reply: string;
  steps: RunStep[];
  error: string | null;
  issues: Issue[];
  traceId: string | null;
  traceUrl: string | null;
  output: string | null;
  routes: Record<string, string>;
  /** The participant data after the run (`done`), to start the next turn from; null when the server sent none. */
  participantData: Record<string, unknown> | null;
}

/** One message of the conversation sent as `history`. */
export interface Turn {
  role: "human" | "ai";
  content: string;
}

/** A message shown in the test conversation; a participant's message whose run failed carries the error. */
export interface ShownTurn extends Turn {
  error?: string;
}

/** The conversation after a finished run of `message`: the exchange on success; on failure the
 * participant's message stays, with the error under it, and no reply. */
export function turnsAfterRun(turns: ShownTurn[], message: string, run: RunState): ShownTurn[] {
  if (run.error) return [...turns, { role: "human", content: message, error: run.error }];
  return [...turns, { role: "human", content: message }, { role: "ai", content: run.reply }];
}

/** The history the model sees: the exchanges that were answered (a failed message got no reply). */
export function answeredTurns(turns: ShownTurn[]): Turn[] {
  return turns.filter((turn) => !turn.error).map(({ role, content }) => ({ role, content }));
}

/** The server refuses a longer `history` (docs/builder-api.md, `POST builder/test/`). */
export const MAX_HISTORY = 200;

/** The history to send with the next message: the last MAX_HISTORY messages. */
export function historyToSend(history: Turn[]): Turn[] {
  return history.length > MAX_HISTORY ? history.slice(-MAX_HISTORY) : history;
}

/** The participant data input after a run: the data the run ended with (pretty JSON), else `current` unchanged. */
export function participantTextAfter(run: RunState, current: string): string {
  return run.participantData ? JSON.stringify(run.participantData, null, 2) : current;
}

export const emptyRun: RunState = {
  running: false,
  reply: "",
  steps: [],
  error: null,
  issues: [],
  traceId: null,
  traceUrl: null,
  output: null,
  routes: {},
  participantData: null,
};

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function routeName(data: Record<string, unknown>): string | null {
  const details = data.details;
  if (isObject(details) && typeof details.route === "string") return details.route;
  return typeof data.route === "string" ? data.route : null;
}

export function runReducer(state: RunState, event: string, data: Record<string, unknown>): RunState {
  switch (event) {
    case "node_start": {
      const step: RunStep = {
        nodeId: String(data.node_id ?? ""),
        name: String(data.name ?? data.node_id ?? ""),
        type: String(data.type ?? ""),
        input: data.input,
        status: "running",
      };
      return { ...state, steps: [...state.steps, step] };
    }
    case "token":
      return { ...state, reply: state.reply + String(data.text ?? "") };
    case "node_end": {
      const nodeId = String(data.node_id ?? "");
      const index = state.steps.map((step) => step.nodeId).lastIndexOf(nodeId);
      const update = (step: RunStep): RunStep => ({
        ...step,
        output: data.output,
        // The route's keyword (a router's span details), not its output handle ("output_0").
        route: routeName(data),
        durationMs: typeof data.duration_ms === "number" ? data.duration_ms : null,
        error: text(data.error),
        status: data.error ? "error" : "done",
      });
      if (index === -1) {
        return { ...state, steps: [...state.steps, update({ nodeId, name: nodeId, type: "", input: undefined, status: "done" })] };
      }
      return { ...state, steps: state.steps.map((step, i) => (i === index ? update(step) : step)) };
    }
    case "done": {
      const output = text(data.output) ?? "";
      return {
        ...state,
        running: false,
        output,
        reply: output || state.reply,
        routes: (data.routes as Record<string, string>) ?? {},
        traceId: text(data.trace_id),
        traceUrl: text(data.trace_url),
        participantData: isObject(data.participant_data) ? data.participant_data : null,
      };
    }
    case "error":
      return {
        ...state,
        running: false,
        error: String(data.message ?? "The run failed"),
        issues: Array.isArray(data.issues) ? (data.issues as Issue[]) : [],
        traceId: text(data.trace_id),
        traceUrl: text(data.trace_url),
        steps: state.steps.map((step) =>
          step.status === "running" && (!data.node_id || step.nodeId === data.node_id)
            ? { ...step, status: "error", error: String(data.message ?? "") }
            : step,
        ),
      };
    default:
      return state;
  }
}
