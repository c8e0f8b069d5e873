// @vitest-environment node
import { describe, expect, it } from "vitest";

import { parseSse, readEventStream, SseParser, type SseEvent } from "./sse";

// Every way of ending a line, a comment, multi-line data, a field without a space, fields we ignore,
// an event without data, and characters of several UTF-8 lengths.
const BODY =
  ': keep-alive\n\nevent: token\r\ndata: {"text":"Hé"}\r\n\r\n' +
  "event: token\rdata: a\rdata: b\r\r" +
  "id: 3\nretry: 10\nevent: ping\n\n" +
  'data:{"text":"日本 🙂"}\n\n' +
  'event: done\ndata: {"ok":true}\n\n';

const EXPECTED: SseEvent[] = [
  { event: "token", data: '{"text":"Hé"}' },
  { event: "token", data: "a\nb" },
  { event: "message", data: '{"text":"日本 🙂"}' },
  { event: "done", data: '{"ok":true}' },
];

function parseChunks(chunks: string[]): SseEvent[] {
  const parser = new SseParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

describe("SseParser", () => {
  it("parses the whole body in one chunk", () => {
    expect(parseSse(BODY)).toEqual(EXPECTED);
  });

  it("gives the same events whatever single split point the network chose", () => {
    for (let at = 0; at <= BODY.length; at++) {
      expect(parseChunks([BODY.slice(0, at), BODY.slice(at)]), `split at ${at}`).toEqual(EXPECTED);
    }
  });

  it("gives the same events for every pair of split points", () => {
    for (let first = 0; first <= BODY.length; first++) {
      for (let second = first; second <= BODY.length; second++) {
        const chunks = [BODY.slice(0, first), BODY.slice(first, second), BODY.slice(second)];
        expect(parseChunks(chunks), `split at ${first}, ${second}`).toEqual(EXPECTED);
      }
    }
  });

  it("gives the same events fed one character at a time", () => {
    expect(parseChunks(Array.from(BODY))).toEqual(EXPECTED);
  });

  it("does not take a \\r\\n split across chunks for a blank line", () => {
    const parser = new SseParser();
    expect(parser.push("data: a\r")).toEqual([]);
    expect(parser.push("\ndata: b\r")).toEqual([]);
    expect(parser.push("\n\r\n")).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("delivers a final event that lacks its blank line, once", () => {
    const parser = new SseParser();
    expect(parser.push("event: done\ndata: {}")).toEqual([]);
    expect(parser.end()).toEqual([{ event: "done", data: "{}" }]);
    expect(parser.end()).toEqual([]);
    expect(parseSse("event: done\ndata: {}\n")).toEqual([{ event: "done", data: "{}" }]);
    expect(parseSse("event: done\ndata: {}\r")).toEqual([{ event: "done", data: "{}" }]);
  });
});

function streamOf(chunks: Uint8Array[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      chunks.forEach((chunk) => controller.enqueue(chunk));
      controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

describe("readEventStream", () => {
  it("decodes bytes split anywhere, inside a character too", async () => {
    const bytes = new TextEncoder().encode(BODY);
    for (let at = 0; at <= bytes.length; at++) {
      const events: SseEvent[] = [];
      await readEventStream(streamOf([bytes.slice(0, at), bytes.slice(at)]), (event) => events.push(event));
      expect(events, `split at byte ${at}`).toEqual(EXPECTED);
    }
  });

  it("reads a response without a body stream", async () => {
    const events: SseEvent[] = [];
    const response = { body: null, text: async () => BODY } as unknown as Response;
    await readEventStream(response, (event) => events.push(event));
    expect(events).toEqual(EXPECTED);
  });
});
