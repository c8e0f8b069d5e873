import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { applyTheme, initTheme, resolveTheme, storedTheme, THEME_STORAGE_KEY } from "./theme";

/** A minimal window with a controllable prefers-color-scheme media query. */
function fakeWindow(dark: boolean) {
  const listeners = new Set<() => void>();
  const media = {
    matches: dark,
    addEventListener: (_: string, cb: () => void) => listeners.add(cb),
    removeEventListener: (_: string, cb: () => void) => listeners.delete(cb),
  };
  const win = {
    localStorage: window.localStorage,
    matchMedia: vi.fn(() => media),
  } as unknown as Window;
  const setDark = (value: boolean) => {
    media.matches = value;
    listeners.forEach((cb) => cb());
  };
  return { win, setDark, listeners };
}

const html = () => document.documentElement.getAttribute("data-theme");

beforeEach(() => {
  window.localStorage.clear();
  document.documentElement.removeAttribute("data-theme");
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("storedTheme", () => {
  it("returns valid stored values", () => {
    for (const theme of ["light", "dark", "system"] as const) {
      window.localStorage.setItem(THEME_STORAGE_KEY, theme);
      expect(storedTheme(window.localStorage)).toBe(theme);
    }
  });

  it("falls back to system for missing or invalid values", () => {
    expect(storedTheme(window.localStorage)).toBe("system");
    window.localStorage.setItem(THEME_STORAGE_KEY, "purple");
    expect(storedTheme(window.localStorage)).toBe("system");
    window.localStorage.setItem(THEME_STORAGE_KEY, "");
    expect(storedTheme(window.localStorage)).toBe("system");
  });

  it("falls back to system when storage is unavailable or throws", () => {
    expect(storedTheme(null)).toBe("system");
    const broken = {
      getItem: () => {
        throw new Error("SecurityError");
      },
    };
    expect(storedTheme(broken)).toBe("system");
  });
});

describe("resolveTheme", () => {
  it("keeps explicit choices regardless of system preference", () => {
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("light", false)).toBe("light");
    expect(resolveTheme("dark", true)).toBe("dark");
    expect(resolveTheme("dark", false)).toBe("dark");
  });

  it("follows the system preference for 'system'", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
  });
});

describe("applyTheme", () => {
  it("sets data-theme and stores an explicit choice", () => {
    const { win } = fakeWindow(false);
    expect(applyTheme("dark", document, win)).toBe("dark");
    expect(html()).toBe("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("dark");
  });

  it("resolves 'system' via matchMedia but stores 'system'", () => {
    const { win } = fakeWindow(true);
    applyTheme("system", document, win);
    expect(html()).toBe("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("system");
  });

  it("works when matchMedia is unavailable (treated as light)", () => {
    const win = { localStorage: window.localStorage } as unknown as Window;
    applyTheme("system", document, win);
    expect(html()).toBe("light");
  });
});

describe("initTheme", () => {
  it("applies the stored theme and follows system changes only while on 'system'", () => {
    const { win, setDark, listeners } = fakeWindow(false);
    window.localStorage.setItem(THEME_STORAGE_KEY, "system");

    const stop = initTheme(document, win);
    expect(html()).toBe("light");

    setDark(true);
    expect(html()).toBe("dark");

    applyTheme("light", document, win);
    setDark(false);
    setDark(true);
    expect(html()).toBe("light");

    stop();
    expect(listeners.size).toBe(0);
  });

  it("applies an explicit stored theme at load", () => {
    const { win } = fakeWindow(false);
    window.localStorage.setItem(THEME_STORAGE_KEY, "dark");
    initTheme(document, win);
    expect(html()).toBe("dark");
  });
});
