// Markdown on server-rendered pages (the chat box renders its own, in chat.ts):
// - <div data-render-markdown>text</div>: the element's text is replaced by its rendered markdown,
//   once (transcripts);
// - <div data-markdown-preview="id_field"></div>: a live preview of a textarea's markdown
//   (the consent form editor).
import { renderMarkdown } from "./markdown";

export function renderMarkdownIn(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>("[data-render-markdown]").forEach((element) => {
    if (element.dataset.markdownRendered) return;
    element.dataset.markdownRendered = "true";
    element.innerHTML = renderMarkdown(element.textContent ?? "");
  });
}

export function bindMarkdownPreviews(root: ParentNode, doc: Document = document): void {
  root.querySelectorAll<HTMLElement>("[data-markdown-preview]").forEach((preview) => {
    const source = doc.getElementById(preview.dataset.markdownPreview ?? "");
    if (!(source instanceof HTMLTextAreaElement) || preview.dataset.markdownBound) return;
    preview.dataset.markdownBound = "true";
    const update = (): void => {
      preview.innerHTML = renderMarkdown(source.value);
    };
    source.addEventListener("input", update);
    update();
  });
}
