import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

// Placeholder entry: the builder app mounts here (see docs/builder-api.md).
const root = document.getElementById("pipeline-builder");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <p>Loading the builder…</p>
    </StrictMode>,
  );
}
