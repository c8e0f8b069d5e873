// A small, safe markdown renderer for chat replies.
//
// Safety comes from the order of work: the whole text is HTML-escaped first, and only then are the
// few markdown constructs below turned into tags we write ourselves. Nothing the model writes can
// become a tag or an attribute; link targets must be http(s) or mailto.
//
// Supported: paragraphs and line breaks, # headings, - / * / + and 1. lists, > quotes, ``` fenced
// code, `inline code`, **bold**, *italic* / _italic_, ~~strikethrough~~, [links](https://…) and
// bare https:// links. It renders partial text too (a reply that is still streaming): an unclosed
// code fence runs to the end.

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const SAFE_URL = /^(https?:\/\/|mailto:)/i;
const PLACEHOLDER = /\uE000(\d+)\uE000/g;
const HAS_PLACEHOLDER = /\uE000\d+\uE000/;
// Up to whitespace, a tag or an escaped quote or bracket (the text is escaped already).
const BARE_URL = /\bhttps?:\/\/(?:(?!&quot;|&#39;|&lt;|&gt;)[^\s<])+/g;

/** Inline markdown on one escaped line of text. */
export function renderInline(escaped: string): string {
  // Code spans and links are set aside first, so emphasis never applies inside them.
  const kept: string[] = [];
  const keep = (html: string): string => `\uE000${kept.push(html) - 1}\uE000`;
  let text = escaped.replace(/`([^`]+)`/g, (_, code: string) => keep(`<code>${code}</code>`));
  text = text.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole: string, label: string, url: string) =>
    SAFE_URL.test(url) ? keep(link(url, label)) : whole,
  );
  text = text.replace(BARE_URL, (match: string) => {
    const url = match.replace(/[.,;:!?)\]]+$/, "");
    return keep(link(url, url)) + match.slice(url.length);
  });
  text = text
    .replace(/\*\*(?=\S)(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/__(?=\S)(.+?)__/g, "<strong>$1</strong>")
    .replace(/~~(?=\S)(.+?)~~/g, "<del>$1</del>")
    .replace(/(^|[^*\w])\*(?=\S)([^*]+?)\*(?![*\w])/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_(?=\S)([^_]+?)_(?![_\w])/g, "$1<em>$2</em>");
  // Restore repeatedly: a link label may itself hold a code span.
  for (let depth = 0; depth < 3 && HAS_PLACEHOLDER.test(text); depth++) {
    text = text.replace(PLACEHOLDER, (_, index: string) => kept[Number(index)] ?? "");
  }
  return text;
}

function link(url: string, label: string): string {
  return `<a href="${url}" target="_blank" rel="noopener noreferrer nofollow">${label}</a>`;
}

type Block =
  | { kind: "paragraph"; lines: string[] }
  | { kind: "heading"; level: number; text: string }
  | { kind: "list"; ordered: boolean; items: string[] }
  | { kind: "quote"; lines: string[] }
  | { kind: "code"; lines: string[] };

const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const QUOTE = /^&gt;\s?(.*)$/;
const FENCE = /^\s*```/;

function parseBlocks(escaped: string): Block[] {
  const blocks: Block[] = [];
  const lines = escaped.split("\n");
  // The block being built; `open.block` rather than a local so TypeScript does not narrow it away.
  const open: { block: Block | null } = { block: null };
  const close = () => {
    if (open.block) blocks.push(open.block);
    open.block = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (FENCE.test(line)) {
      close();
      const code: string[] = [];
      while (++i < lines.length && !FENCE.test(lines[i] ?? "")) code.push(lines[i] ?? "");
      blocks.push({ kind: "code", lines: code });
      continue;
    }
    if (!line.trim()) {
      close();
      continue;
    }
    const block = open.block;
    const heading = HEADING.exec(line);
    const item = BULLET.exec(line) ?? NUMBERED.exec(line);
    const quote = QUOTE.exec(line);
    if (heading) {
      close();
      blocks.push({ kind: "heading", level: heading[1]?.length ?? 1, text: heading[2] ?? "" });
    } else if (item) {
      const ordered = !BULLET.test(line);
      if (block?.kind === "list" && block.ordered === ordered) {
        block.items.push(item[1] ?? "");
      } else {
        close();
        open.block = { kind: "list", ordered, items: [item[1] ?? ""] };
      }
    } else if (quote) {
      if (block?.kind === "quote") {
        block.lines.push(quote[1] ?? "");
      } else {
        close();
        open.block = { kind: "quote", lines: [quote[1] ?? ""] };
      }
    } else if (block?.kind === "paragraph") {
      block.lines.push(line);
    } else if (block?.kind === "list") {
      // A line under a list item continues that item.
      const last = block.items.length - 1;
      block.items[last] = `${block.items[last] ?? ""}\n${line.trim()}`;
    } else {
      close();
      open.block = { kind: "paragraph", lines: [line] };
    }
  }
  close();
  return blocks;
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "code":
      return `<pre><code>${block.lines.join("\n")}</code></pre>`;
    case "heading": {
      // Chat bubbles are small: # to ### map to h3 to h5.
      const level = Math.min(block.level + 2, 6);
      return `<h${level}>${renderInline(block.text)}</h${level}>`;
    }
    case "list": {
      const tag = block.ordered ? "ol" : "ul";
      const items = block.items.map((item) => `<li>${item.split("\n").map(renderInline).join("<br>")}</li>`);
      return `<${tag}>${items.join("")}</${tag}>`;
    }
    case "quote":
      return `<blockquote>${block.lines.map(renderInline).join("<br>")}</blockquote>`;
    case "paragraph":
      return `<p>${block.lines.map(renderInline).join("<br>")}</p>`;
  }
}

/** Markdown to HTML that is safe to assign to innerHTML. */
export function renderMarkdown(text: string): string {
  // U+E000 (private use) marks placeholders; strip it from the text so it cannot forge one.
  const escaped = escapeHtml(text.replace(/\r\n?/g, "\n").replace(/\uE000/g, ""));
  return parseBlocks(escaped).map(renderBlock).join("");
}
