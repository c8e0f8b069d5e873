import { beforeEach, describe, expect, it } from "vitest";

import { bindMarkdownPreviews, renderMarkdownIn } from "./markdown_dom";

describe("markdown on server-rendered pages", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });

  it("renders marked elements once, escaping HTML", () => {
    document.body.innerHTML = `<div data-render-markdown>**Hi** &lt;b&gt;x&lt;/b&gt;</div><p>**plain**</p>`;
    renderMarkdownIn(document);
    renderMarkdownIn(document);
    const rendered = document.querySelector("[data-render-markdown]");
    expect(rendered?.innerHTML).toBe("<p><strong>Hi</strong> &lt;b&gt;x&lt;/b&gt;</p>");
    expect(document.querySelector("p:not([data-render-markdown] p)")?.textContent).toBe("**plain**");
  });

  it("previews a textarea live", () => {
    document.body.innerHTML = `<textarea id="id_text">- one</textarea><div data-markdown-preview="id_text"></div>`;
    bindMarkdownPreviews(document);
    const preview = document.querySelector("[data-markdown-preview]");
    expect(preview?.innerHTML).toBe("<ul><li>one</li></ul>");
    const textarea = document.querySelector("textarea") as HTMLTextAreaElement;
    textarea.value = "_two_";
    textarea.dispatchEvent(new Event("input"));
    expect(preview?.innerHTML).toBe("<p><em>two</em></p>");
  });

  it("ignores a preview without its textarea", () => {
    document.body.innerHTML = `<div data-markdown-preview="missing">x</div>`;
    bindMarkdownPreviews(document);
    expect(document.querySelector("[data-markdown-preview]")?.innerHTML).toBe("x");
  });
});
