// Follow DaisyUI's theme (data-theme on <html>) for React Flow's colour mode.
import { useSyncExternalStore } from "react";

function subscribe(callback: () => void): () => void {
  const observer = new MutationObserver(callback);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  const media = window.matchMedia?.("(prefers-color-scheme: dark)");
  media?.addEventListener?.("change", callback);
  return () => {
    observer.disconnect();
    media?.removeEventListener?.("change", callback);
  };
}

export function currentColorMode(): "light" | "dark" {
  const theme = document.documentElement.getAttribute("data-theme");
  if (theme === "dark" || theme === "light") return theme;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function useColorMode(): "light" | "dark" {
  return useSyncExternalStore(subscribe, currentColorMode, () => "light");
}
