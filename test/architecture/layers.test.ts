// The layer rules are enforced, not just written down: ESLint, with the repository's own layer
// table (layers.config.js) and the same import-x rules as eslint.config.js, refuses an import that
// breaks a row (with the row's reason) and an import cycle; it accepts the one exception (http may
// use db/idempotency.ts). SQL has its places too: the same block eslint.config.js uses
// (`sqlBoundary()`) refuses a query written anywhere else, and no file of src/ has one today.
// And docs/ARCHITECTURE.md shows the same table.

import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { ESLint } from "eslint";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { LAYER_RULES, layerZones, SQL_PLACES, sqlBoundary } from "../../layers.config.js";

const ROOT = join(import.meta.dirname, "..", "..");

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ["**/*.ts"],
      languageOptions: { parser: tseslint.parser },
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
  ],
});

/** Lints `code` as if it were the file at `filePath` (relative to the repository root). */
async function lint(code: string, filePath: string) {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, message: m.message }));
}

describe("the layer table is enforced", () => {
  it.each([
    ["src/core/breach.ts", 'import { buildServer } from "../http/server.js";', "core", "http"],
    ["src/core/breach.ts", 'import { openDatabase } from "../db/connection.js";', "core", "db"],
    ["src/app/breach.ts", 'import type { RoutePlugin } from "../http/server.js";', "app", "http"],
    [
      "src/app/breach.ts",
      'import { startStripeStandIn } from "../payouts/stripe/index.js";',
      "app",
      "payouts",
    ],
    ["src/db/breach.ts", 'import { AppError } from "../app/errors.js";', "db", "app"],
    ["src/http/breach.ts", 'import { appendAudit } from "../db/audit.js";', "http", "db"],
    ["src/http/breach.ts", 'import { showPolicy } from "../cli/policy-show.js";', "http", "cli"],
    ["src/notify/breach.ts", 'import { AppError } from "../app/errors.js";', "notify", "app"],
  ])("%s: %s", async (file, code, layer, forbidden) => {
    const messages = await lint(`${code}\nexport {};\n`, file);
    const breach = messages.find((m) => m.rule === "import-x/no-restricted-paths");
    expect(breach, JSON.stringify(messages)).toBeDefined();
    expect(breach!.message).toContain(`src/${layer} must not import src/${forbidden}`);
    // The reason of the row is in the message.
    const why = LAYER_RULES.find((r) => r.layer === layer)!.why;
    expect(breach!.message).toContain(why);
  });

  it("lets http use its Idempotency-Key store, and app use db and core", async () => {
    expect(
      await lint(
        'import { beginIdempotent } from "../db/idempotency.js";\nexport {};\n',
        "src/http/ok.ts",
      ),
    ).toEqual([]);
    expect(
      await lint(
        'import { appendAudit } from "../db/audit.js";\nimport { money } from "../core/money/money.js";\nexport {};\n',
        "src/app/ok.ts",
      ),
    ).toEqual([]);
  });

  it("refuses an import cycle between two files", async () => {
    // money.ts imports currencies.ts; currencies.ts importing money.ts back closes a cycle.
    const messages = await lint(
      'import { money } from "./money.js";\nexport const X = money;\n',
      "src/core/money/currencies.ts",
    );
    expect(messages.map((m) => m.rule)).toContain("import-x/no-cycle");
  });
});

/** ESLint with eslint.config.js's SQL block, on TypeScript without type information. */
const sqlLint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } },
    sqlBoundary(),
  ],
});

async function sqlMessages(code: string, filePath: string) {
  const [result] = await sqlLint.lintText(code, { filePath: join(ROOT, filePath) });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, message: m.message }));
}

const SELECT = 'export const q = (db: any) => db.selectFrom("orders").selectAll();\n';

describe("SQL is written only in src/db, repository.ts and queries.ts", () => {
  it.each([
    ["src/app/orders/create-order.ts", SELECT, "selectFrom"],
    ["src/app/breach.ts", 'export const q = (db: any) => db.insertInto("orders");\n', "insertInto"],
    [
      "src/http/breach.ts",
      'export const q = (db: any) => db.updateTable("orders");\n',
      "updateTable",
    ],
    [
      "src/notify/breach.ts",
      'export const q = (db: any) => db.deleteFrom("outbox");\n',
      "deleteFrom",
    ],
    [
      "src/worker/breach.ts",
      'import { sql } from "kysely";\nexport const q = sql`select 1`;\n',
      "a sql template",
    ],
    [
      "src/service/breach.ts",
      'import { sql } from "kysely";\nexport const q = sql.raw("select 1");\n',
      "a sql helper",
    ],
  ])("%s is refused", async (file, code, what) => {
    const messages = await sqlMessages(code, file);
    const breach = messages.find((m) => m.rule === "no-restricted-syntax");
    expect(breach, JSON.stringify(messages)).toBeDefined();
    expect(breach!.message).toContain(`SQL (${what})`);
    expect(breach!.message).toContain("SQL_PLACES");
  });

  it.each([
    "src/app/orders/repository.ts",
    "src/app/requests/queries.ts",
    "src/db/breach.ts",
    "src/app/orders/breach.test.ts",
  ])("%s may hold SQL", async (file) => {
    expect(await sqlMessages(SELECT, file)).toEqual([]);
  });

  it("holds for every file of src/ today: nothing is waiting to move", async () => {
    expect(SQL_PLACES).toEqual(["src/db/**", "src/**/repository.ts", "src/**/queries.ts"]);
    const results = await sqlLint.lintFiles(["src/**/*.ts"]);
    const breaches = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === "no-restricted-syntax")
        .map((m) => `${relative(ROOT, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(results.length).toBeGreaterThan(100);
    expect(breaches).toEqual([]);
    // Parsing every file of src/ takes seconds on a quiet machine and more than the default 30 s
    // when the machine is busy (seen in CI runs sharing two cores).
  }, 180_000);
});

describe("docs/ARCHITECTURE.md shows the same table", () => {
  it("has one row per rule of layers.config.js, with the same forbidden folders", () => {
    const all = readFileSync(join(ROOT, "docs", "ARCHITECTURE.md"), "utf8");
    const start = all.indexOf("## Layers");
    expect(start).toBeGreaterThan(-1);
    const doc = all.slice(start, all.indexOf("\n#", start + 3));
    const rows = new Map<string, string[]>();
    for (const line of doc.split("\n")) {
      const m = /^\|\s*`([a-z-]+)`\s*\|([^|]+)\|/.exec(line);
      if (m === null) continue;
      const cell = m[2]!.replace(/\(except[^)]*\)/, "");
      const forbidden = [...cell.matchAll(/`([a-z./-]+)`/g)].map((x) => x[1]!);
      rows.set(m[1]!, forbidden.sort());
    }
    for (const rule of LAYER_RULES) {
      expect(rows.get(rule.layer), rule.layer).toEqual([...rule.mayNotImport].sort());
    }
    expect([...rows.keys()].sort()).toEqual(LAYER_RULES.map((r) => r.layer).sort());
  });
});
