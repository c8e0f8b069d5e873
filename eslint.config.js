import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["static/", "node_modules/", ".venv/", "var/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["assets/**/*.{js,ts}"],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["*.{js,ts}"],
    languageOptions: { globals: globals.node },
  },
);
