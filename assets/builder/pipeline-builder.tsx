// Entry of the pipeline builder page (docs/builder-api.md): reads the page config and mounts the app.
import "@xyflow/react/dist/style.css";
import "./builder.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { createBuilderStore } from "./store";
import type { BuilderConfig } from "./types";

function readConfig(): BuilderConfig | null {
  const element = document.getElementById("builder-config");
  if (!element?.textContent) return null;
  return JSON.parse(element.textContent) as BuilderConfig;
}

const root = document.getElementById("pipeline-builder");
const config = readConfig();
if (root && config) {
  const store = createBuilderStore(config);
  window.addEventListener("beforeunload", (event) => {
    const { dirty, saveState } = store.getState();
    if (dirty || saveState === "saving") {
      void store.getState().saveNow();
      event.preventDefault();
    }
  });
  createRoot(root).render(
    <StrictMode>
      <App store={store} />
    </StrictMode>,
  );
} else if (root) {
  root.textContent = "The builder could not start: its configuration is missing.";
}
