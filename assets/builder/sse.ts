// The test-run request: a POST answered with server-sent events (read by ../javascript/sse).
import { readEventStream } from "../javascript/sse";

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
  await readEventStream(response, (item) => {
    let data: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(item.data);
      data = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : { value: parsed };
    } catch {
      data = { text: item.data };
    }
    onEvent(item.event, data);
  });
}
