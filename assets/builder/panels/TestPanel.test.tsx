import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BuilderContext } from "../context";
import { createBuilderStore } from "../store";
import { makeConfig } from "../testing/fixtures";
import { TestPanel } from "./TestPanel";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

interface TestBody {
  message: string;
  participant_data: Record<string, unknown>;
  history: { role: string; content: string }[];
}

/** A test endpoint answering each message with `reply <n>` and participant data counting the turns. */
function stubServer() {
  const bodies: TestBody[] = [];
  const fetchMock = vi.fn((_url: string, init: RequestInit) => {
    const body = JSON.parse(init.body as string) as TestBody;
    bodies.push(body);
    const turns = typeof body.participant_data.turns === "number" ? body.participant_data.turns : 0;
    const done = { output: `reply ${bodies.length}`, path: [], routes: {}, participant_data: { ...body.participant_data, turns: turns + 1 }, trace_id: null, trace_url: null };
    return Promise.resolve(new Response(`event: done\ndata: ${JSON.stringify(done)}\n\n`, { headers: { "Content-Type": "text/event-stream" } }));
  });
  vi.stubGlobal("fetch", fetchMock);
  return bodies;
}

function setup() {
  const store = createBuilderStore(makeConfig());
  render(
    <BuilderContext value={store}>
      <TestPanel onClose={() => {}} />
    </BuilderContext>,
  );
  const send = async (message: string) => {
    fireEvent.change(screen.getByLabelText("Message"), { target: { value: message } });
    await act(async () => fireEvent.submit(screen.getByLabelText("Message").closest("form") as HTMLFormElement));
  };
  const participantInput = () => screen.getByLabelText("Participant data (JSON)") as HTMLTextAreaElement;
  return { store, send, participantInput };
}

describe("the test panel", () => {
  it("starts the next turn from the participant data the last one ended with", async () => {
    const bodies = stubServer();
    const { store, send, participantInput } = setup();
    fireEvent.change(participantInput(), { target: { value: '{"name": "Ada"}' } });
    await send("hello");
    expect(bodies[0]).toEqual({ message: "hello", participant_data: { name: "Ada" }, history: [] });
    expect(participantInput().value).toBe(JSON.stringify({ name: "Ada", turns: 1 }, null, 2));
    await send("again");
    expect(bodies[1].participant_data).toEqual({ name: "Ada", turns: 1 });
    expect(bodies[1].history).toEqual([
      { role: "human", content: "hello" },
      { role: "ai", content: "reply 1" },
    ]);
    expect(participantInput().value).toBe(JSON.stringify({ name: "Ada", turns: 2 }, null, 2));
    store.getState().dispose();
  });

  it("forgets an exchange that was still running when the conversation was reset", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        (_url: string, init: RequestInit) =>
          new Promise<Response>((_resolve, reject) =>
            init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
          ),
      ),
    );
    const { store, send } = setup();
    await send("never answered");
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Reset conversation" })));
    const bodies = stubServer();
    await send("fresh start");
    expect(bodies[0].history).toEqual([]);
    expect(screen.queryByText("never answered")).toBeNull();
    store.getState().dispose();
  });

  it("sends at most the last 200 messages of a long conversation", { timeout: 30_000 }, async () => {
    const bodies = stubServer();
    const { store, send } = setup();
    for (let i = 0; i < 102; i++) await send(`message ${i}`);
    expect(bodies[100].history).toHaveLength(200);
    expect(bodies[101].history).toHaveLength(200);
    expect(bodies[101].history[0]).toEqual({ role: "human", content: "message 1" });
    expect(bodies[101].history.at(-1)).toEqual({ role: "ai", content: "reply 101" });
    expect(bodies.every((body) => body.history.length <= 200)).toBe(true);
    store.getState().dispose();
  });

  it("shows each reply once, streamed tokens and final answer alike", async () => {
    const events = [
      ["token", { text: "Hello" }],
      ["token", { text: " there" }],
      ["done", { output: "Hello there", path: [], routes: {}, trace_id: null, trace_url: null }],
    ];
    const body = events.map(([kind, data]) => `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`).join("");
    vi.stubGlobal("fetch", vi.fn(() => Promise.resolve(new Response(body, { headers: { "Content-Type": "text/event-stream" } }))));
    const { store, send } = setup();
    await send("hi");
    expect(screen.getAllByText("Hello there")).toHaveLength(1);
    expect(screen.getAllByText("hi")).toHaveLength(1);
    store.getState().dispose();
  });

  it("keeps the participant's message when the run fails, with the error under it, and leaves it out of the history", async () => {
    const failure = `event: error\ndata: ${JSON.stringify({ message: "Node 'llm' failed: quota" })}\n\n`;
    vi.stubGlobal("fetch", vi.fn(() => Promise.resolve(new Response(failure, { headers: { "Content-Type": "text/event-stream" } }))));
    const { store, send } = setup();
    await send("will this work?");
    const conversation = screen.getByRole("list", { name: "Conversation" });
    expect(conversation.textContent).toContain("will this work?");
    expect(screen.getByTestId("test-turn-error").textContent).toBe("Node 'llm' failed: quota");
    expect(screen.getAllByText("Node 'llm' failed: quota")).toHaveLength(1);
    const bodies = stubServer();
    await send("again");
    expect(bodies[0].history).toEqual([]);
    expect(conversation.textContent).toContain("will this work?");
    store.getState().dispose();
  });
});
