// @vitest-environment node
import { describe, expect, it } from "vitest";
import {
  answeredTurns,
  emptyRun,
  historyToSend,
  MAX_HISTORY,
  participantTextAfter,
  runReducer,
  turnsAfterRun,
  type RunState,
  type Turn,
} from "./testRun";

function play(events: [string, Record<string, unknown>][]): RunState {
  const start: RunState = { ...emptyRun, running: true };
  return events.reduce((state, [kind, data]) => runReducer(state, kind, data), start);
}

describe("runReducer", () => {
  it("builds the path, the streamed reply and the trace link", () => {
    const state = play([
      ["node_start", { node_id: "n1", name: "start", type: "start", input: "hi" }],
      ["node_end", { node_id: "n1", output: "hi", route: null, duration_ms: 1.5, error: null }],
      ["node_start", { node_id: "n2", name: "router", type: "llm_router", input: "hi" }],
      ["node_end", { node_id: "n2", output: "hi", route: "output_1", duration_ms: 20, error: null }],
      ["token", { text: "Hel" }],
      ["token", { text: "lo" }],
      ["done", { output: "Hello", path: ["n1", "n2"], routes: { router: "support" }, trace_id: 5, trace_url: "/t/5/" }],
    ]);
    expect(state.running).toBe(false);
    expect(state.reply).toBe("Hello");
    expect(state.steps.map((step) => [step.name, step.status, step.route, step.durationMs])).toEqual([
      ["start", "done", null, 1.5],
      ["router", "done", "output_1", 20],
    ]);
    expect(state.routes).toEqual({ router: "support" });
    expect(state.traceUrl).toBe("/t/5/");
  });

  it("marks the failing node and keeps the issues of an invalid graph", () => {
    const state = play([
      ["node_start", { node_id: "n2", name: "bot", type: "llm", input: "x" }],
      ["error", { message: "Model failed", node_id: "n2", trace_id: null, trace_url: null }],
    ]);
    expect(state.error).toBe("Model failed");
    expect(state.steps[0]).toMatchObject({ status: "error", error: "Model failed" });
    const invalid = play([["error", { message: "Invalid", issues: [{ message: "bad", node_id: "n3" }] }]]);
    expect(invalid.issues).toEqual([{ message: "bad", node_id: "n3" }]);
  });

  it("keeps the participant data the run ended with, to start the next turn from", () => {
    const state = play([["done", { output: "Hi", routes: {}, participant_data: { name: "Ada", visits: 2 }, trace_id: null }]]);
    expect(state.participantData).toEqual({ name: "Ada", visits: 2 });
    expect(participantTextAfter(state, "{}")).toBe('{\n  "name": "Ada",\n  "visits": 2\n}');
    const without = play([["done", { output: "Hi", routes: {} }]]);
    expect(without.participantData).toBeNull();
    expect(participantTextAfter(without, '{"a": 1}')).toBe('{"a": 1}');
    const failed = play([["error", { message: "Model failed" }]]);
    expect(participantTextAfter(failed, '{"a": 1}')).toBe('{"a": 1}');
    expect(play([["done", { output: "", participant_data: [1] }]]).participantData).toBeNull();
  });
});

describe("historyToSend", () => {
  const conversation = (exchanges: number): Turn[] =>
    Array.from({ length: exchanges }, (_, i): Turn[] => [
      { role: "human", content: `q${i}` },
      { role: "ai", content: `a${i}` },
    ]).flat();

  it("sends the whole history up to the server's limit", () => {
    const history = conversation(MAX_HISTORY / 2);
    expect(historyToSend(history)).toEqual(history);
    expect(historyToSend([])).toEqual([]);
  });

  it("sends only the last 200 messages of a longer conversation, starting with a human turn", () => {
    const sent = historyToSend(conversation(150));
    expect(MAX_HISTORY).toBe(200);
    expect(sent).toHaveLength(200);
    expect(sent[0]).toEqual({ role: "human", content: "q50" });
    expect(sent.at(-1)).toEqual({ role: "ai", content: "a149" });
  });
});

describe("turnsAfterRun", () => {
  it("adds the exchange once on success, and only the failed message with its error on failure", () => {
    const ok = { ...emptyRun, reply: "hello back" };
    expect(turnsAfterRun([], "hello", ok)).toEqual([
      { role: "human", content: "hello" },
      { role: "ai", content: "hello back" },
    ]);
    const failed = turnsAfterRun([], "boom", { ...emptyRun, error: "Node failed" });
    expect(failed).toEqual([{ role: "human", content: "boom", error: "Node failed" }]);
    expect(answeredTurns([...failed, ...turnsAfterRun([], "hello", ok)])).toEqual([
      { role: "human", content: "hello" },
      { role: "ai", content: "hello back" },
    ]);
  });
});

describe("a router's step", () => {
  it("shows the route's keyword, not its output handle", () => {
    const start: [string, Record<string, unknown>] = ["node_start", { node_id: "r", name: "router", type: "llm_router" }];
    const routed = play([start, ["node_end", { node_id: "r", output: "hi", route: "output_1", details: { route: "billing" } }]]);
    expect(routed.steps[0].route).toBe("billing");
    const plain = play([start, ["node_end", { node_id: "r", output: "hi", route: "output_0" }]]);
    expect(plain.steps[0].route).toBe("output_0");
  });
});
