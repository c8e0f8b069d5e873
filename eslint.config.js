import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["static/", "node_modules/", ".venv/", "var/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["assets/**/*.{js,ts,tsx}"],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["assets/builder/**/*.{ts,tsx}"],
    extends: [reactHooks.configs.flat["recommended-latest"]],
  },
  {
    // Build configuration, and the Node scripts tests run (apps/**/tests/node/).
    files: ["*.{js,ts}", "apps/**/*.mjs"],
    languageOptions: { globals: globals.node },
  },
);
