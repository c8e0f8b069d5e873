// Server-sent events over a POST (fetch + ReadableStream): parsing and the test-run request.

export interface SseEvent {
  event: string;
  data: string;
}

/** Incremental parser: feed it chunks of text, get back the complete events. */
export class SseParser {
  private buffer = "";

  feed(chunk: string): SseEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const events: SseEvent[] = [];
    let boundary = this.buffer.indexOf("\n\n");
    while (boundary !== -1) {
      const block = this.buffer.slice(0, boundary);
      this.buffer = this.buffer.slice(boundary + 2);
      const event = parseBlock(block);
      if (event) events.push(event);
      boundary = this.buffer.indexOf("\n\n");
    }
    return events;
  }

  /** Whatever is left when the stream ends (a last event without its blank line). */
  flush(): SseEvent[] {
    const rest = this.buffer;
    this.buffer = "";
    const event = rest.trim() ? parseBlock(rest) : null;
    return event ? [event] : [];
  }
}

function parseBlock(block: string): SseEvent | null {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0 && event === "message") return null;
  return { event, data: data.join("\n") };
}

export interface StreamOptions {
  url: string;
  csrfToken: string;
  body: unknown;
  signal?: AbortSignal;
  onEvent: (event: string, data: Record<string, unknown>) => void;
}

/** POST `body` and call `onEvent` for each event of the answering stream. */
export async function streamEvents({ url, csrfToken, body, signal, onEvent }: StreamOptions): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body),
    signal,
  });
  const contentType = response.headers.get("Content-Type") ?? "";
  if (!response.ok || !contentType.includes("text/event-stream")) {
    let message = `The server answered ${response.status}`;
    try {
      const json = (await response.json()) as { error?: string; issues?: unknown };
      if (json.error) message = json.error;
      onEvent("error", { message, issues: json.issues ?? [] });
    } catch {
      onEvent("error", { message });
    }
    return;
  }
  const parser = new SseParser();
  const dispatch = (events: SseEvent[]) => {
    for (const item of events) {
      let data: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(item.data);
        data = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : { value: parsed };
      } catch {
        data = { text: item.data };
      }
      onEvent(item.event, data);
    }
  };
  if (!response.body) {
    dispatch(parser.feed(await response.text()));
    dispatch(parser.flush());
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    dispatch(parser.feed(decoder.decode(value, { stream: true })));
  }
  dispatch(parser.feed(decoder.decode()));
  dispatch(parser.flush());
}
