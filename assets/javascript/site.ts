// Entry point loaded on every page via {% vite_asset 'assets/javascript/site.ts' %}.
// CSS is a separate entry (assets/styles/site.css).
import Alpine from "alpinejs";
import htmx from "htmx.org";

import { bindMarkdownPreviews, renderMarkdownIn } from "./markdown_dom";
import { applyTheme, initTheme, isTheme, storedTheme, type Theme } from "./theme";

window.htmx = htmx;

// ---------------------------------------------------------------- theme
initTheme();

function readStoredTheme(): Theme {
  try {
    return storedTheme(window.localStorage);
  } catch {
    return "system";
  }
}

// Usage: <div x-data="themeSwitcher"> <button @click="set('dark')" :class="{ 'btn-active': theme === 'dark' }">
Alpine.data("themeSwitcher", () => ({
  theme: readStoredTheme(),
  set(theme: string): void {
    if (!isTheme(theme)) return;
    this.theme = theme;
    applyTheme(theme);
  },
}));

window.Alpine = Alpine;
Alpine.start();

// ---------------------------------------------------------------- toasts
const TOAST_TIMEOUT_MS = 6000;

function scheduleDismiss(el: HTMLElement): void {
  if (el.dataset.dismissScheduled) return;
  el.dataset.dismissScheduled = "true";
  window.setTimeout(() => el.remove(), TOAST_TIMEOUT_MS);
}

function showToast(message: string): void {
  const container = document.getElementById("toasts");
  if (!container) return;
  const toast = document.createElement("div");
  toast.className = "alert alert-error";
  toast.setAttribute("role", "alert");
  toast.textContent = message;
  container.append(toast);
  scheduleDismiss(toast);
}

type HtmxErrorEvent = CustomEvent<{ xhr?: XMLHttpRequest }>;

document.body.addEventListener("htmx:responseError", (event) => {
  const status = (event as HtmxErrorEvent).detail?.xhr?.status ?? 0;
  showToast(`Something went wrong (status ${status}). Please try again.`);
});

document.body.addEventListener("htmx:sendError", () => {
  showToast("Could not reach the server. Please check your connection and try again.");
});

// Server-rendered messages (<div class="alert" data-autodismiss> inside #toasts),
// both on page load and when htmx swaps new content in (e.g. hx-swap-oob).
htmx.onLoad(() => {
  document
    .querySelectorAll<HTMLElement>("#toasts .alert[data-autodismiss]")
    .forEach(scheduleDismiss);
});

// ---------------------------------------------------------------- markdown (transcripts, previews)
htmx.onLoad((element) => {
  const root = element instanceof HTMLElement ? element : document;
  renderMarkdownIn(root);
  bindMarkdownPreviews(root);
});
