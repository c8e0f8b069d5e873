// What React Flow and CodeMirror need from a browser that jsdom lacks.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}

export function installBrowserStubs(): void {
  globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;
  Range.prototype.getClientRects = () => [] as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect = () => new DOMRect();
  if (!("DOMMatrixReadOnly" in globalThis)) {
    (globalThis as Record<string, unknown>).DOMMatrixReadOnly = class {
      m22 = 1;
      constructor() {}
    };
  }
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    addEventListener() {},
    removeEventListener() {},
  })) as unknown as typeof window.matchMedia;
}
