import { beforeEach, describe, expect, it, vi } from "vitest";

import {
  initChat,
  renderMarkdown,
  streamReply,
  traceUrl,
  uploadErrorMessage,
  type StreamHandlers,
} from "./chat";

// ---------------------------------------------------------------- markdown
describe("renderMarkdown", () => {
  it("escapes HTML so model output can never inject markup", () => {
    const html = renderMarkdown('<script>alert(1)</script> <img src=x onerror="boom">');
    expect(html).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=&quot;boom&quot;&gt;</p>");
  });

  it("renders emphasis, code, strikethrough and line breaks", () => {
    expect(renderMarkdown("**bold** and *it* and _it_ and `a<b` and ~~no~~\nnext")).toBe(
      "<p><strong>bold</strong> and <em>it</em> and <em>it</em> and <code>a&lt;b</code> and <del>no</del><br>next</p>",
    );
    expect(renderMarkdown("snake_case_name and 2*3*4")).toBe("<p>snake_case_name and 2*3*4</p>");
  });

  it("renders paragraphs, headings, lists, quotes and fenced code", () => {
    const text = "# Title\n\nIntro\n\n- one\n- **two**\n\n1. first\n2. second\n\n> quoted\n\n```py\nif a < b:\n    pass\n```";
    expect(renderMarkdown(text)).toBe(
      "<h3>Title</h3><p>Intro</p><ul><li>one</li><li><strong>two</strong></li></ul>" +
        "<ol><li>first</li><li>second</li></ol><blockquote>quoted</blockquote>" +
        "<pre><code>if a &lt; b:\n    pass</code></pre>",
    );
  });

  it("does not apply emphasis inside code", () => {
    expect(renderMarkdown("`**x**`")).toBe("<p><code>**x**</code></p>");
    expect(renderMarkdown("```\n**x**\n```")).toBe("<pre><code>**x**</code></pre>");
  });

  it("renders an unfinished code fence while a reply is still streaming", () => {
    expect(renderMarkdown("Look:\n```\nx = 1")).toBe("<p>Look:</p><pre><code>x = 1</code></pre>");
  });

  it("links only http(s) and mailto targets", () => {
    expect(renderMarkdown("[docs](https://example.org/a?b=1&c=2)")).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">docs</a></p>',
    );
    expect(renderMarkdown("[x](javascript:alert(1))")).not.toContain("<a");
    expect(renderMarkdown('[x](https://e.org/"onmouseover="y)')).not.toMatch(/href="[^"]*"on/);
  });

  it("links bare URLs without swallowing trailing punctuation or quotes", () => {
    expect(renderMarkdown('See https://example.org/x. Or "https://a.b/c"')).toBe(
      '<p>See <a href="https://example.org/x" target="_blank" rel="noopener noreferrer nofollow">https://example.org/x</a>. ' +
        'Or &quot;<a href="https://a.b/c" target="_blank" rel="noopener noreferrer nofollow">https://a.b/c</a>&quot;</p>',
    );
  });
});

describe("traceUrl", () => {
  it("puts the trace id into the page's trace URL", () => {
    expect(traceUrl("/a/team0/traces/0/", 42)).toBe("/a/team0/traces/42/");
  });
});

// ---------------------------------------------------------------- streaming
function sseResponse(chunks: string[], status = 200): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      chunks.forEach((chunk) => controller.enqueue(encoder.encode(chunk)));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { "content-type": "text/event-stream" } });
}

function recorder() {
  const calls: string[] = [];
  const handlers: StreamHandlers = {
    onToken: (text) => calls.push(`token:${text}`),
    onDone: (payload) => calls.push(`done:${payload.content}`),
    onError: (message) => calls.push(`error:${message}`),
  };
  return { calls, handlers };
}

const done = (content: string, extra = {}) =>
  `event: done\ndata: ${JSON.stringify({ message_id: 7, trace_id: 3, content, session_ended: false, ...extra })}\n\n`;

describe("streamReply", () => {
  it("sends the message with the CSRF token and reports tokens then done", async () => {
    const fetchImpl = vi.fn(async () =>
      sseResponse(['event: token\ndata: {"text":"Hel', 'lo"}\n\nevent: token\ndata: {"text":"!"}\n\n', done("Hello!")]),
    );
    const { calls, handlers } = recorder();
    await streamReply({ url: "/s/", body: new URLSearchParams({ message: "hi" }), csrfToken: "tok", fetchImpl }, handlers);
    expect(calls).toEqual(["token:Hello", "token:!", "done:Hello!"]);
    const init = (fetchImpl.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok");
  });

  it("reports the server's error event, even on an error status", async () => {
    const fetchImpl = vi.fn(async () => sseResponse(['event: error\ndata: {"message":"Model down"}\n\n'], 400));
    const { calls, handlers } = recorder();
    await streamReply({ url: "/s/", body: new URLSearchParams(), csrfToken: "", fetchImpl }, handlers);
    expect(calls).toEqual(["error:Model down"]);
  });

  it("reports a non-stream answer (e.g. a 403 page) and a stream cut short", async () => {
    const { calls, handlers } = recorder();
    const page = vi.fn(async () => new Response("<html>", { status: 403, headers: { "content-type": "text/html" } }));
    await streamReply({ url: "/s/", body: new URLSearchParams(), csrfToken: "", fetchImpl: page }, handlers);
    const cut = vi.fn(async () => sseResponse(['event: token\ndata: {"text":"Hi"}\n\n']));
    await streamReply({ url: "/s/", body: new URLSearchParams(), csrfToken: "", fetchImpl: cut }, handlers);
    expect(calls[0]).toContain("status 403");
    expect(calls.slice(1, 2)).toEqual(["token:Hi"]);
    expect(calls[2]).toContain("closed before the reply was complete");
  });
});

// ---------------------------------------------------------------- the chat box
const CHAT_HTML = `
  <section data-chat data-stream-url="/stream/" data-csrf-token="tok" data-trace-url="/a/t/traces/0/">
    <div data-chat-messages>
      <div class="chat chat-start" data-role="ai"><div class="chat-bubble" data-markdown>**Welcome** &lt;b&gt;</div></div>
    </div>
    <div data-chat-error hidden><span data-chat-error-text></span><button type="button" data-chat-retry>Retry</button></div>
    <div data-chat-ended hidden></div>
    <form data-chat-form><textarea name="message"></textarea><button data-chat-send>Send</button>
      <button type="button" data-chat-stop hidden>Stop</button></form>
  </section>`;

function mount(fetchImpl: typeof fetch, html = CHAT_HTML) {
  document.body.innerHTML = html;
  const root = document.querySelector<HTMLElement>("[data-chat]")!;
  const box = initChat(root, fetchImpl);
  const input = root.querySelector<HTMLTextAreaElement>("textarea")!;
  return { root, box, input };
}

const bodyOf = (fetchImpl: ReturnType<typeof vi.fn>, call: number) =>
  new URLSearchParams(String((fetchImpl.mock.calls[call] as unknown as [string, RequestInit])[1].body));

describe("ChatBox", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });

  it("renders history as markdown, then streams a reply with its trace link", async () => {
    const fetchImpl = vi.fn(async () => sseResponse(['event: token\ndata: {"text":"**Hi**"}\n\n', done("**Hi** there")]));
    const { root, box, input } = mount(fetchImpl as unknown as typeof fetch);
    expect(root.querySelector("[data-markdown]")!.innerHTML).toBe("<p><strong>Welcome</strong> &lt;b&gt;</p>");
    input.value = "Hello <you>";
    await box.submit();
    const rows = root.querySelectorAll<HTMLElement>("[data-chat-messages] > .chat");
    expect(rows[1]!.textContent).toBe("Hello <you>");
    expect(rows[2]!.querySelector(".chat-bubble")!.innerHTML).toBe("<p><strong>Hi</strong> there</p>");
    expect(rows[2]!.querySelector<HTMLAnchorElement>("[data-trace-link]")!.getAttribute("href")).toBe("/a/t/traces/3/");
    expect(bodyOf(fetchImpl, 0).get("message")).toBe("Hello <you>");
    expect(box.busy).toBe(false);
  });

  it("shows an error with Retry, which resends the same message id", async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(sseResponse(['event: error\ndata: {"message":"The model is unavailable"}\n\n']))
      .mockResolvedValueOnce(sseResponse([done("Back")]));
    const { root, box, input } = mount(fetchImpl as unknown as typeof fetch);
    input.value = "Hi";
    await box.submit();
    const error = root.querySelector<HTMLElement>("[data-chat-error]")!;
    expect(error.hidden).toBe(false);
    expect(error.textContent).toContain("The model is unavailable");
    expect(root.querySelectorAll("[data-role=ai]")).toHaveLength(1); // the failed reply bubble is gone
    await box.retry();
    expect(error.hidden).toBe(true);
    expect(bodyOf(fetchImpl, 1).get("message_id")).toBe(bodyOf(fetchImpl, 0).get("message_id"));
    expect(bodyOf(fetchImpl, 1).get("message")).toBe("Hi");
    expect(root.querySelectorAll("[data-role=human]")).toHaveLength(1);
    expect(root.querySelectorAll("[data-role=ai] .chat-bubble")[1]!.textContent).toBe("Back");
  });

  it("Stop aborts the request and keeps the reply so far", async () => {
    const fetchImpl = vi.fn(async (_url: string, init: RequestInit) => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('event: token\ndata: {"text":"Partial"}\n\n'));
          init.signal!.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    });
    const { root, box, input } = mount(fetchImpl as unknown as typeof fetch);
    input.value = "Long answer please";
    const sending = box.submit();
    await vi.waitFor(() => expect(root.querySelectorAll("[data-role=ai]")[1]?.textContent).toBe("Partial"));
    const stop = root.querySelector<HTMLButtonElement>("[data-chat-stop]")!;
    expect(stop.hidden).toBe(false);
    stop.click();
    await sending;
    const reply = root.querySelectorAll<HTMLElement>("[data-role=ai]")[1]!;
    expect(reply.textContent).toBe("Partial");
    expect(reply.dataset.stopped).toBe("true");
    expect(stop.hidden).toBe(true);
    expect(root.querySelector<HTMLElement>("[data-chat-error]")!.hidden).toBe(true);
  });

  it("closes the box when the bot ends the session", async () => {
    const fetchImpl = vi.fn(async () => sseResponse([done("Bye", { session_ended: true })]));
    const { root, box, input } = mount(fetchImpl as unknown as typeof fetch);
    input.value = "bye";
    await box.submit();
    expect(input.disabled).toBe(true);
    expect(root.querySelector<HTMLElement>("[data-chat-ended]")!.hidden).toBe(false);
  });

  it("asks for the reply to the seed message when a conversation opens", async () => {
    const fetchImpl = vi.fn(async () => sseResponse([done("Hello, I am the clinic bot.")]));
    const { root, box } = mount(fetchImpl as unknown as typeof fetch, CHAT_HTML.replace("data-chat ", 'data-chat data-seed="true" '));
    await box.ready;
    expect(bodyOf(fetchImpl, 0).get("seed")).toBe("true");
    expect(root.querySelectorAll("[data-role=human]")).toHaveLength(0);
    expect(root.querySelectorAll("[data-role=ai] .chat-bubble")[1]!.textContent).toBe("Hello, I am the clinic bot.");
  });
});

// ---------------------------------------------------------------- attachments
describe("uploadErrorMessage", () => {
  it("reads field errors, details and widget errors, else says what happened", () => {
    expect(uploadErrorMessage(400, { files: ["x.exe: this kind of file cannot be uploaded."] })).toBe(
      "x.exe: this kind of file cannot be uploaded.",
    );
    expect(uploadErrorMessage(413, { detail: "The files together are larger than 50 MB" })).toBe(
      "The files together are larger than 50 MB",
    );
    expect(uploadErrorMessage(403, { error: "Nope", code: "chat_access_denied" })).toBe("Nope");
    expect(uploadErrorMessage(413, null)).toBe("The files are too large.");
    expect(uploadErrorMessage(500, "<html>")).toContain("status 500");
  });
});

const UPLOAD_HTML = CHAT_HTML.replace("data-chat ", 'data-chat data-upload-url="/upload/" ')
  .replace("<div data-chat-ended hidden></div>", "<div data-chat-ended hidden></div><div data-chat-files hidden></div>")
  .replace(
    "<form data-chat-form>",
    '<form data-chat-form><input type="file" multiple hidden data-chat-file-input><button type="button" data-chat-attach>Attach</button>',
  );

const jsonResponse = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("ChatBox attachments", () => {
  const notes = () => new File(["hello"], "notes.txt", { type: "text/plain" });
  const scan = () => new File(["%PDF-1.4"], "scan.pdf", { type: "application/pdf" });

  it("uploads the chosen files first, then sends the message with their ids", async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(
        jsonResponse(
          {
            files: [
              { id: 5, name: "notes.txt", size: 5, content_type: "text/plain" },
              { id: 6, name: "scan.pdf", size: 8, content_type: "application/pdf" },
            ],
          },
          201,
        ),
      )
      .mockResolvedValueOnce(sseResponse([done("Read them")]));
    const { root, box, input } = mount(fetchImpl as unknown as typeof fetch, UPLOAD_HTML);
    box.choose([notes(), scan()]);
    const chips = root.querySelector<HTMLElement>("[data-chat-files]")!;
    expect(chips.hidden).toBe(false);
    expect(chips.querySelectorAll("[data-attachment]")).toHaveLength(2);
    input.value = "Please read";
    await box.submit();

    const [uploadUrl, uploadInit] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(uploadUrl).toBe("/upload/");
    expect((uploadInit.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok");
    const sent = uploadInit.body as FormData;
    expect(sent.getAll("files").map((file) => (file as File).name)).toEqual(["notes.txt", "scan.pdf"]);
    expect(bodyOf(fetchImpl, 1).get("attachment_ids")).toBe("5,6");
    expect(bodyOf(fetchImpl, 1).get("message")).toBe("Please read");
    const human = root.querySelector<HTMLElement>("[data-role=human]")!;
    expect([...human.querySelectorAll("[data-attachment]")].map((chip) => chip.textContent)).toEqual([
      "📎 notes.txt",
      "📎 scan.pdf",
    ]);
    expect(chips.hidden).toBe(true);
    expect(box.chosenFiles).toHaveLength(0);
  });

  it("a chip's remove button drops the file", () => {
    const { root, box } = mount(vi.fn() as unknown as typeof fetch, UPLOAD_HTML);
    box.choose([notes(), scan()]);
    root.querySelector<HTMLButtonElement>("[data-chat-remove-file='0']")!.click();
    expect(box.chosenFiles.map((file) => file.name)).toEqual(["scan.pdf"]);
  });

  it("a refused upload keeps the text and the files and sends nothing", async () => {
    const fetchImpl = vi.fn().mockResolvedValueOnce(jsonResponse({ detail: "The files together are larger than 1 MB" }, 413));
    const { root, box, input } = mount(fetchImpl as unknown as typeof fetch, UPLOAD_HTML);
    box.choose([notes()]);
    input.value = "Here";
    await box.submit();
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    const error = root.querySelector<HTMLElement>("[data-chat-error]")!;
    expect(error.hidden).toBe(false);
    expect(error.textContent).toContain("larger than 1 MB");
    expect(root.querySelector<HTMLElement>("[data-chat-retry]")!.hidden).toBe(true);
    expect(input.value).toBe("Here");
    expect(box.chosenFiles).toHaveLength(1);
    expect(root.querySelectorAll("[data-role=human]")).toHaveLength(0);
    expect(box.busy).toBe(false);
  });

  it("has no attach behaviour without an upload URL", () => {
    const { box } = mount(vi.fn() as unknown as typeof fetch);
    box.choose([notes()]);
    expect(box.chosenFiles).toHaveLength(0);
  });
});
