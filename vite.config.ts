/// <reference types="vitest/config" />
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built assets are served by Django (django-vite) from STATIC_URL + "dist/".
// Manifest keys are the source paths below, e.g. "assets/javascript/site.ts".
export default defineConfig({
  base: "/static/dist/",
  plugins: [tailwindcss(), react()],
  build: {
    outDir: "static/dist",
    emptyOutDir: true,
    manifest: "manifest.json",
    // Vite 8 name for the former `rollupOptions` (still accepted as a deprecated alias).
    rolldownOptions: {
      // chat.ts is loaded only on the chat pages, the builder (React) only on the builder page.
      input: [
        "assets/javascript/site.ts",
        "assets/javascript/chat.ts",
        "assets/builder/pipeline-builder.tsx",
        "assets/styles/site.css",
      ],
      // Stable names: a rebuild (`npm run dev`) never invalidates the manifest a running server has
      // loaded. Production gets content hashes from Django's manifest static files storage.
      output: {
        entryFileNames: "[name].js",
        chunkFileNames: "chunks/[name].js",
        assetFileNames: "[name][extname]",
      },
      // htmx uses direct eval() on purpose (hx-vars / js: expressions); don't warn about it.
      onwarn(warning, defaultHandler) {
        if (warning.code === "EVAL" && warning.id?.includes("/node_modules/htmx.org/")) return;
        defaultHandler(warning);
      },
    },
  },
  test: {
    environment: "jsdom",
    include: ["assets/**/*.test.{ts,tsx}"],
  },
});
