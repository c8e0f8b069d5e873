// The chat box of the chat pages (templates/experiments/components/chat_ui.html), loaded only there
// with {% vite_asset 'assets/javascript/chat.ts' %}.
//
// A message is POSTed to the page's stream URL, which answers with server-sent events: `token`
// ({text}) while the model writes, then `done` ({message_id, trace_id, content, session_ended}) or
// `error` ({message}). EventSource cannot POST, so the stream is read from fetch().
//
// When the chatbot takes files, the box has an attach button: chosen files are uploaded to the
// page's upload URL first (answer: {files: [{id, name, size, content_type}]}), then the message is
// sent with their ids (`attachment_ids`).
import { renderMarkdown } from "./markdown";
import { readEventStream, type SseEvent } from "./sse";

export { escapeHtml, renderMarkdown } from "./markdown";

export interface DonePayload {
  message_id: number;
  trace_id: number | null;
  content: string;
  tags?: string[];
  session_ended: boolean;
}

export interface StreamHandlers {
  onToken(text: string): void;
  onDone(payload: DonePayload): void;
  onError(message: string): void;
}

export interface StreamRequest {
  url: string;
  body: URLSearchParams;
  csrfToken: string;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

const CLOSED_EARLY = "The connection closed before the reply was complete. Please try again.";

/** Dispatch one event; true once the reply is over (done or error). */
function dispatch(event: SseEvent, handlers: StreamHandlers): boolean {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(event.data) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (event.event === "token") {
    handlers.onToken(String(data.text ?? ""));
    return false;
  }
  if (event.event === "done") {
    handlers.onDone(data as unknown as DonePayload);
    return true;
  }
  if (event.event === "error") {
    handlers.onError(String(data.message ?? "Something went wrong."));
    return true;
  }
  return false;
}

/** POST a message and feed the reply's events to `handlers`. Rejects only when aborted or offline. */
export async function streamReply(request: StreamRequest, handlers: StreamHandlers): Promise<void> {
  const response = await (request.fetchImpl ?? fetch)(request.url, {
    method: "POST",
    headers: { "X-CSRFToken": request.csrfToken, Accept: "text/event-stream" },
    body: request.body,
    credentials: "same-origin",
    signal: request.signal,
  });
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    handlers.onError(`The server answered with status ${response.status}. Please try again.`);
    return;
  }
  let finished = false;
  await readEventStream(response, (event) => {
    if (!finished) finished = dispatch(event, handlers);
  });
  if (!finished) handlers.onError(CLOSED_EARLY);
}

export interface UploadedFile {
  id: number;
  name: string;
  size: number;
  content_type: string;
}

export interface UploadRequest {
  url: string;
  files: File[];
  csrfToken: string;
  fetchImpl?: typeof fetch;
}

/** The person-readable reason in an upload refusal: `{files: [..]}`, `{detail}` or `{error}`. */
export function uploadErrorMessage(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    for (const key of ["files", "detail", "error"]) {
      const value = record[key];
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === "string" && first) return first;
    }
  }
  if (status === 413) return "The files are too large.";
  return `The upload failed (status ${status}). Please try again.`;
}

/** Upload files for the next message; resolves to the stored files or rejects with a readable Error. */
export async function uploadFiles(request: UploadRequest): Promise<UploadedFile[]> {
  const form = new FormData();
  request.files.forEach((file) => form.append("files", file, file.name));
  const response = await (request.fetchImpl ?? fetch)(request.url, {
    method: "POST",
    headers: { "X-CSRFToken": request.csrfToken, Accept: "application/json" },
    body: form,
    credentials: "same-origin",
  });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status !== 201 || !body || !Array.isArray((body as { files?: unknown }).files)) {
    throw new Error(uploadErrorMessage(response.status, body));
  }
  return (body as { files: UploadedFile[] }).files;
}

export function newMessageId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** The trace page of a reply, from the page's trace URL for id 0 (e.g. /a/team/traces/0/). */
export function traceUrl(template: string, traceId: number): string {
  return template.replace(/\/0\/$/, `/${traceId}/`);
}

function required<T extends Element>(root: Element, selector: string): T {
  const element = root.querySelector<T>(selector);
  if (!element) throw new Error(`chat: missing ${selector}`);
  return element;
}

/** A message on its way; `seed` asks for the reply to the chatbot's seed message instead. */
interface Outgoing {
  text: string;
  id: string;
  seed?: boolean;
  attachmentIds?: number[];
}

/** The behaviour of one chat box. */
export class ChatBox {
  private readonly messages: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly send: HTMLButtonElement;
  private readonly stop: HTMLButtonElement;
  private readonly errorBox: HTMLElement;
  private readonly ended: HTMLElement;
  private readonly fileInput: HTMLInputElement | null;
  private readonly attach: HTMLButtonElement | null;
  private readonly fileList: HTMLElement | null;
  /** Files chosen for the next message, uploaded when it is sent. */
  private chosen: File[] = [];
  private controller: AbortController | null = null;
  private pending: Outgoing | null = null;
  /** Settles once the work started on load (the reply to the seed message) is over. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly root: HTMLElement,
    private readonly fetchImpl?: typeof fetch,
  ) {
    this.messages = required(root, "[data-chat-messages]");
    this.form = required(root, "[data-chat-form]");
    this.input = required(root, "textarea[name=message]");
    this.send = required(root, "[data-chat-send]");
    this.stop = required(root, "[data-chat-stop]");
    this.errorBox = required(root, "[data-chat-error]");
    this.ended = required(root, "[data-chat-ended]");
    this.fileInput = root.dataset.uploadUrl ? root.querySelector("[data-chat-file-input]") : null;
    this.attach = this.fileInput ? root.querySelector("[data-chat-attach]") : null;
    this.fileList = root.querySelector("[data-chat-files]");
    this.attach?.addEventListener("click", () => this.fileInput?.click());
    this.fileInput?.addEventListener("change", () => {
      this.choose(Array.from(this.fileInput?.files ?? []));
      if (this.fileInput) this.fileInput.value = "";
    });
    root.querySelectorAll<HTMLElement>("[data-markdown]").forEach((bubble) => {
      bubble.innerHTML = renderMarkdown(bubble.textContent ?? "");
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.submit();
      }
    });
    this.stop.addEventListener("click", () => this.controller?.abort());
    required<HTMLButtonElement>(root, "[data-chat-retry]").addEventListener("click", () => void this.retry());
    this.scrollDown();
    // A new conversation opens with the bot's answer to its (unseen) seed message.
    if (root.dataset.seed === "true") this.ready = this.exchange({ text: "", id: "seed", seed: true });
  }

  get busy(): boolean {
    return this.controller !== null;
  }

  /** The files that will go with the next message. */
  get chosenFiles(): readonly File[] {
    return this.chosen;
  }

  /** Add files to the next message (shown as removable chips under the messages). */
  choose(files: File[]): void {
    if (!this.fileInput) return;
    this.chosen = [...this.chosen, ...files];
    this.renderChosen();
  }

  async submit(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || this.busy || this.input.disabled) return;
    let attachments: UploadedFile[] = [];
    if (this.chosen.length > 0) {
      // Upload first; on failure the text and the files stay, to send again.
      this.errorBox.hidden = true;
      this.setBusy(new AbortController());
      try {
        attachments = await uploadFiles({
          url: this.root.dataset.uploadUrl ?? "",
          files: this.chosen,
          csrfToken: this.root.dataset.csrfToken ?? "",
          fetchImpl: this.fetchImpl,
        });
      } catch (error) {
        this.showError(error instanceof Error ? error.message : "The upload failed.", null);
        return;
      } finally {
        this.setBusy(null);
      }
      this.chosen = [];
      this.renderChosen();
    }
    this.input.value = "";
    this.root.querySelector("[data-chat-placeholder]")?.remove();
    this.addHumanBubble(text, attachments);
    await this.exchange({ text, id: newMessageId(), attachmentIds: attachments.map((file) => file.id) });
  }

  /** Send the failed message again with the same id, so the server does not store it twice. */
  async retry(): Promise<void> {
    if (this.pending && !this.busy) await this.exchange(this.pending);
  }

  private async exchange(message: Outgoing): Promise<void> {
    this.pending = null;
    this.errorBox.hidden = true;
    const { row, bubble } = this.addBotBubble();
    let received = "";
    const body = new URLSearchParams({ message: message.text, message_id: message.id });
    if (message.seed) body.set("seed", "true");
    if (message.attachmentIds?.length) body.set("attachment_ids", message.attachmentIds.join(","));
    this.setBusy(new AbortController());
    try {
      await streamReply(
        {
          url: this.root.dataset.streamUrl ?? "",
          body,
          csrfToken: this.root.dataset.csrfToken ?? "",
          signal: this.controller?.signal,
          fetchImpl: this.fetchImpl,
        },
        {
          onToken: (token) => {
            received += token;
            this.showText(bubble, received);
          },
          onDone: (payload) => {
            this.showText(bubble, payload.content);
            row.dataset.messageId = String(payload.message_id);
            this.addTraceLink(row, payload.trace_id);
            if (payload.session_ended) this.end();
          },
          onError: (error) => {
            if (!received) row.remove();
            this.showError(error, message);
          },
        },
      );
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        // Stopped by the person: what arrived so far stays on screen.
        if (received) row.dataset.stopped = "true";
        else row.remove();
      } else {
        if (!received) row.remove();
        this.showError("Could not reach the server. Check your connection and try again.", message);
      }
    } finally {
      this.setBusy(null);
    }
  }

  private setBusy(controller: AbortController | null): void {
    this.controller = controller;
    this.send.disabled = controller !== null || this.input.disabled;
    this.stop.hidden = controller === null;
    if (this.attach) this.attach.disabled = controller !== null || this.input.disabled;
    this.root.dataset.busy = String(controller !== null);
  }

  private addHumanBubble(text: string, attachments: UploadedFile[] = []): void {
    const row = document.createElement("div");
    row.className = "chat chat-end";
    row.dataset.role = "human";
    const bubble = document.createElement("div");
    bubble.className = "chat-bubble chat-bubble-primary whitespace-pre-wrap";
    bubble.textContent = text;
    row.append(bubble);
    if (attachments.length > 0) {
      const footer = document.createElement("div");
      footer.className = "chat-footer flex flex-wrap gap-1 mt-1";
      footer.dataset.attachments = "";
      attachments.forEach((file) => footer.append(attachmentChip(file.name)));
      row.append(footer);
    }
    this.messages.append(row);
    this.scrollDown();
  }

  private renderChosen(): void {
    if (!this.fileList) return;
    this.fileList.replaceChildren(
      ...this.chosen.map((file, index) => {
        const chip = attachmentChip(file.name);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-ghost btn-xs px-1";
        remove.dataset.chatRemoveFile = String(index);
        remove.setAttribute("aria-label", `Remove ${file.name}`);
        remove.textContent = "×";
        remove.addEventListener("click", () => {
          this.chosen = this.chosen.filter((_, i) => i !== index);
          this.renderChosen();
        });
        chip.append(remove);
        return chip;
      }),
    );
    this.fileList.hidden = this.chosen.length === 0;
  }

  private addBotBubble(): { row: HTMLElement; bubble: HTMLElement } {
    const row = document.createElement("div");
    row.className = "chat chat-start";
    row.dataset.role = "ai";
    const bubble = document.createElement("div");
    bubble.className = "chat-bubble";
    bubble.innerHTML = '<span class="loading loading-dots loading-sm" aria-label="Writing"></span>';
    row.append(bubble);
    this.messages.append(row);
    this.scrollDown();
    return { row, bubble };
  }

  private showText(bubble: HTMLElement, text: string): void {
    bubble.innerHTML = renderMarkdown(text);
    this.scrollDown();
  }

  private addTraceLink(row: HTMLElement, traceId: number | null): void {
    const template = this.root.dataset.traceUrl;
    if (!template || traceId === null || traceId === undefined) return;
    const footer = document.createElement("div");
    footer.className = "chat-footer";
    const anchor = document.createElement("a");
    anchor.className = "link text-xs";
    anchor.dataset.traceLink = "";
    anchor.href = traceUrl(template, traceId);
    anchor.textContent = "trace";
    footer.append(anchor);
    row.append(footer);
  }

  /** Show an error; with the failed message, Retry sends it again (an upload failure has none). */
  private showError(error: string, message: Outgoing | null): void {
    this.pending = message;
    required(this.errorBox, "[data-chat-error-text]").textContent = error;
    required<HTMLElement>(this.errorBox, "[data-chat-retry]").hidden = message === null;
    this.errorBox.hidden = false;
  }

  private end(): void {
    this.input.disabled = true;
    this.send.disabled = true;
    if (this.attach) this.attach.disabled = true;
    this.ended.hidden = false;
  }

  private scrollDown(): void {
    this.messages.scrollTop = this.messages.scrollHeight;
  }
}

function attachmentChip(name: string): HTMLElement {
  const chip = document.createElement("span");
  chip.className = "badge badge-outline badge-sm gap-1";
  chip.dataset.attachment = "";
  chip.textContent = `📎 ${name}`;
  return chip;
}

export function initChat(root: HTMLElement, fetchImpl?: typeof fetch): ChatBox {
  return new ChatBox(root, fetchImpl);
}

document.querySelectorAll<HTMLElement>("[data-chat]").forEach((root) => initChat(root));
