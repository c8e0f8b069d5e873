// Server-sent events read from a fetch() response: the one parser of the chat pages and the builder.
//
// EventSource cannot POST, so both read the event stream of a POST themselves. The parsing is
// `eventsource-parser` (the WHATWG algorithm, incremental): a line, a "\r\n" or a multi-byte
// character split across network chunks, comments, multi-line data and a leading BOM are its
// business, not ours.
import { createParser, type EventSourceParser } from "eventsource-parser";

export interface SseEvent {
  event: string;
  data: string;
}

/** An incremental parser for a text/event-stream body, fed chunk by chunk. */
export class SseParser {
  private ready: SseEvent[] = [];
  private readonly parser: EventSourceParser = createParser({
    onEvent: (message) => this.ready.push({ event: message.event || "message", data: message.data }),
  });

  /** Feed a chunk of text; the events it completed. */
  push(chunk: string): SseEvent[] {
    this.parser.feed(chunk);
    return this.take();
  }

  /** The stream ended: a last event without its blank line is delivered too (the format would
   * drop it; our servers always close their events, so it only matters for a cut connection). */
  end(): SseEvent[] {
    this.parser.feed("\n\n");
    this.parser.reset();
    return this.take();
  }

  private take(): SseEvent[] {
    const events = this.ready;
    this.ready = [];
    return events;
  }
}

export function parseSse(text: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()];
}

/** Read a response's event stream to its end, calling `onEvent` for each event as it completes. */
export async function readEventStream(response: Response, onEvent: (event: SseEvent) => void): Promise<void> {
  const parser = new SseParser();
  const deliver = (events: SseEvent[]) => events.forEach(onEvent);
  if (!response.body) {
    deliver(parseSse(await response.text()));
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder(); // with {stream: true}: a character split across chunks waits for its rest
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    deliver(parser.push(decoder.decode(value, { stream: true })));
  }
  deliver(parser.push(decoder.decode()));
  deliver(parser.end());
}
