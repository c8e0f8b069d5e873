// @vitest-environment node
import { afterEach, describe, expect, it, vi } from "vitest";
import { streamEvents } from "./sse";

afterEach(() => vi.unstubAllGlobals());

function streamResponse(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

describe("streamEvents", () => {
  it("POSTs with the CSRF token and dispatches parsed JSON events", async () => {
    const fetchMock = vi.fn().mockResolvedValue(
      streamResponse(['event: node_start\ndata: {"node_id": "n1"}\n\nevent: tok', 'en\ndata: {"text": "Hi"}\n\nevent: done\ndata: {"output": "Hi"}\n\n']),
    );
    vi.stubGlobal("fetch", fetchMock);
    const events: [string, unknown][] = [];
    await streamEvents({ url: "/t/", csrfToken: "tok", body: { message: "x" }, onEvent: (kind, data) => events.push([kind, data]) });
    expect(events).toEqual([
      ["node_start", { node_id: "n1" }],
      ["token", { text: "Hi" }],
      ["done", { output: "Hi" }],
    ]);
    const init = fetchMock.mock.calls[0][1] as RequestInit;
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok");
    expect(JSON.parse(String(init.body))).toEqual({ message: "x" });
  });

  it("turns a JSON error answer into an error event", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response(JSON.stringify({ error: "Empty message" }), { status: 400, headers: { "Content-Type": "application/json" } })));
    const events: [string, unknown][] = [];
    await streamEvents({ url: "/t/", csrfToken: "", body: {}, onEvent: (kind, data) => events.push([kind, data]) });
    expect(events).toEqual([["error", { message: "Empty message", issues: [] }]]);
  });
});
