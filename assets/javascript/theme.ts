// Pure, testable theme logic. The chosen theme is stored in localStorage under
// "theme"; the resolved theme ("light" | "dark") is set as data-theme on <html>,
// which DaisyUI uses to pick its theme.

export type Theme = "light" | "dark" | "system";
export type ResolvedTheme = "light" | "dark";

export const THEME_STORAGE_KEY = "theme";
export const THEMES: readonly Theme[] = ["light", "dark", "system"];
const DARK_QUERY = "(prefers-color-scheme: dark)";

export function isTheme(value: unknown): value is Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value);
}

/** Read the stored choice; anything missing/invalid/unreadable means "system". */
export function storedTheme(storage: Pick<Storage, "getItem"> | null | undefined): Theme {
  try {
    const value = storage?.getItem(THEME_STORAGE_KEY);
    return isTheme(value) ? value : "system";
  } catch {
    return "system";
  }
}

export function resolveTheme(theme: Theme, prefersDark: boolean): ResolvedTheme {
  if (theme === "system") return prefersDark ? "dark" : "light";
  return theme;
}

function prefersDark(win: Window): boolean {
  return typeof win.matchMedia === "function" && win.matchMedia(DARK_QUERY).matches;
}

function safeStorage(win: Window): Storage | null {
  try {
    return win.localStorage;
  } catch {
    return null;
  }
}

/** Set data-theme on <html> to the resolved theme and remember the choice. */
export function applyTheme(
  theme: Theme,
  doc: Document = document,
  win: Window = window,
): ResolvedTheme {
  const resolved = resolveTheme(theme, prefersDark(win));
  doc.documentElement.setAttribute("data-theme", resolved);
  try {
    safeStorage(win)?.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Storage full or disabled (e.g. private mode): the theme still applies for this page.
  }
  return resolved;
}

/**
 * Apply the stored theme now and keep following the OS colour scheme while
 * the choice is "system". Returns a function that stops listening.
 */
export function initTheme(doc: Document = document, win: Window = window): () => void {
  applyTheme(storedTheme(safeStorage(win)), doc, win);

  if (typeof win.matchMedia !== "function") return () => {};
  const media = win.matchMedia(DARK_QUERY);
  const onChange = (): void => {
    const theme = storedTheme(safeStorage(win));
    if (theme === "system") applyTheme(theme, doc, win);
  };
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
}
