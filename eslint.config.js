// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import jsxA11y from "eslint-plugin-jsx-a11y";
import globals from "globals";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { layerZones, sqlBoundary } from "./layers.config.js";

export default tseslint.config(
  {
    ignores: ["dist/**", "node_modules/**", "data/**", "openapi/**", "e2e/artifacts/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  // The layer table and no import cycle between two files of src/ (tests excluded: they may reach
  // any layer to set up a world).
  {
    files: ["src/**/*.ts"],
    ignores: ["src/**/*.test.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/extensions": [".ts", ".js"],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: layerZones() }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  // SQL lives in src/db and in modules' repository.ts / queries.ts (layers.config.js, ADR 0021).
  sqlBoundary(),
  {
    // The core is pure: it may import only other core modules and the pure date libraries.
    files: ["src/core/**/*.ts"],
    ignores: ["src/core/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!\\./|\\.\\./[^.]|luxon$|date-holidays$)",
              message:
                "src/core is pure: import only from src/core (no I/O, node:, database or HTTP modules).",
            },
          ],
        },
      ],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  // The web app: React hooks rules and accessibility lint on every component.
  {
    files: ["web/src/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat["recommended-latest"],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["web/src/**/*.tsx"],
    ...jsxA11y.flatConfigs.recommended,
  },
  // One-way imports in the web app: shared <- features/<name> <- app. A feature never imports
  // another feature (what two need moves to shared), and shared never imports features or app.
  {
    files: ["web/src/features/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./(?!\\.\\./shared/)",
              message:
                "A feature imports only its own files and web/src/shared (never another feature or app).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["web/src/shared/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)(features|app)(/|$)",
              message: "web/src/shared imports nothing from features or app.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
