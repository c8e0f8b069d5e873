import type { Alpine as AlpineType } from "alpinejs";
import type htmxType from "htmx.org";

declare global {
  interface Window {
    htmx: typeof htmxType;
    Alpine: AlpineType;
  }
}

export {};
