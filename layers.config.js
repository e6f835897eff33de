// @ts-check
// The layer table of src/ (ADR 0021): the one place the import rules are written, and where SQL
// may be (SQL_PLACES). eslint.config.js turns every row into an `import-x/no-restricted-paths`
// zone, so `npm run check` fails on an import that breaks a row, with the row's reason, and uses
// `sqlBoundary()` to refuse SQL anywhere else; docs/ARCHITECTURE.md shows the same table (a test
// checks they agree and that both rules bite: test/architecture/layers.test.ts).
//
//   core (pure) <- app (use cases and their ports) <- http, worker, notify, inbound, payouts, storage (adapters)
//                                                   <- service, cli (wiring)
//   db (persistence) serves app and the adapters; policy-file reads the policy from disk.
//
// Each row: the folder of src/ it constrains, the folders (or files) of src/ it must not import,
// exceptions (files of a forbidden folder it may import), and why.

/** @typedef {{ layer: string, mayNotImport: string[], except?: string[], why: string }} LayerRule */

/** Every folder (or top-level file) of src/. */
export const LAYERS = [
  "core",
  "app",
  "db",
  "http",
  "worker",
  "notify",
  "inbound",
  "payouts",
  "storage",
  "service",
  "cli",
  "policy-file",
  "package-root.ts",
];

/** @type {LayerRule[]} */
export const LAYER_RULES = [
  {
    layer: "core",
    mayNotImport: LAYERS.filter((l) => l !== "core"),
    why: "core is pure (rules, money, time): it imports nothing of the project outside core, so it is tested without a database, a clock or a network",
  },
  {
    layer: "app",
    mayNotImport: ["http", "cli", "payouts", "notify", "inbound", "worker", "service", "storage"],
    why: "app holds the use cases and owns the ports they need (app/payouts/ports.ts, app/auth/auth-info.ts); adapters implement them and the wiring hands them in, so a use case runs the same behind HTTP, the CLI or the worker",
  },
  {
    layer: "db",
    mayNotImport: [
      "app",
      "http",
      "notify",
      "inbound",
      "payouts",
      "worker",
      "service",
      "cli",
      "storage",
    ],
    why: "db is persistence (connection, migrations, audit chain, outbox, ledger facts, codecs): it knows the schema and the core's types, never a use case or an adapter",
  },
  {
    layer: "http",
    mayNotImport: ["cli", "payouts", "notify", "worker", "service", "db", "storage"],
    except: ["db/idempotency.ts"],
    why: "a route is schema -> permission -> one use case -> present; it reaches db only for its Idempotency-Key store (db/idempotency.ts) and never calls a provider, the notifier or the CLI itself",
  },
  {
    layer: "notify",
    mayNotImport: ["app", "http", "cli", "service", "worker", "payouts", "inbound", "storage"],
    why: "notify delivers e-mails and webhooks from the outbox; what to send is decided by use cases, so delivery never calls back into them or into HTTP",
  },
  {
    layer: "inbound",
    mayNotImport: ["http", "cli", "service", "worker", "payouts", "notify", "db"],
    why: "inbound receives e-mail (the SMTP listener) and hands each message to app/inbound's storeInboundMail; what a message becomes is decided by the use case the worker runs, never by the listener",
  },
  {
    layer: "payouts",
    mayNotImport: ["http", "cli", "service", "worker", "notify", "storage"],
    why: "payouts is the card-provider adapter: it implements app/payouts/ports.ts and is wired in by service and cli, never the other way round",
  },
  {
    layer: "storage",
    mayNotImport: ["http", "cli", "service", "worker", "notify", "payouts"],
    why: "storage holds the attachment-store adapters (local disk, database chunks, S3): they implement app/attachments/store.ts and are wired in by service and cli, never the other way round",
  },
  {
    layer: "worker",
    mayNotImport: ["http", "cli", "service"],
    why: "the worker is an adapter driven by time; it is started by service or cli and never imports them or the HTTP shell",
  },
  {
    layer: "policy-file",
    mayNotImport: ["app", "http", "notify", "payouts", "worker", "service", "cli", "storage"],
    why: "policy-file reads the policy from disk for the wiring; it knows only core (and db's neighbours below it)",
  },
];

/**
 * The table as `import-x/no-restricted-paths` zones (paths relative to the repository root): one
 * per forbidden folder of each layer, with the row's reason in the message.
 */
export function layerZones() {
  return LAYER_RULES.flatMap((rule) =>
    rule.mayNotImport.map((forbidden) => ({
      target: `./src/${rule.layer}`,
      from: `./src/${forbidden}`,
      except: (rule.except ?? [])
        .filter((e) => e.startsWith(`${forbidden}/`))
        .map((e) => `./${e.slice(forbidden.length + 1)}`),
      message: `Layer rule (layers.config.js, ADR 0021): src/${rule.layer} must not import src/${forbidden}. Why: ${rule.why}.`,
    })),
  );
}

/**
 * Where SQL may be written: src/db (cross-cutting persistence: connection, migrations, audit
 * chain, outbox, ledger facts, keyset pages), and a module's `repository.ts` (its queries and the
 * row <-> domain codecs) or `queries.ts` (read models for the API). Everywhere else in src/, a use
 * case, an adapter or the wiring calls those by name (ADR 0021).
 */
export const SQL_PLACES = ["src/db/**", "src/**/repository.ts", "src/**/queries.ts"];

/** Kysely's query builders: a call of one of these starts a statement. */
const SQL_BUILDERS = [
  "selectFrom",
  "insertInto",
  "updateTable",
  "deleteFrom",
  "replaceInto",
  "mergeInto",
];

const SQL_MESSAGE =
  "belongs in src/db or in a module's repository.ts / queries.ts (layers.config.js SQL_PLACES, ADR 0021)";

/**
 * The ESLint config block that refuses SQL outside SQL_PLACES (tests excluded: they build worlds
 * with any query): a Kysely query builder, a `sql` template, or one of `sql`'s helpers
 * (`sql.raw`, `sql.ref`, `sql.join`, ...). eslint.config.js uses it as it is, and
 * test/architecture/layers.test.ts proves it refuses SQL in a new file.
 */
export function sqlBoundary() {
  return {
    files: ["src/**/*.ts"],
    ignores: ["src/**/*.test.ts", ...SQL_PLACES],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...SQL_BUILDERS.map((name) => ({
          selector: `CallExpression[callee.property.name="${name}"]`,
          message: `SQL (${name}) ${SQL_MESSAGE}.`,
        })),
        {
          selector: 'TaggedTemplateExpression[tag.name="sql"]',
          message: `SQL (a sql template) ${SQL_MESSAGE}.`,
        },
        {
          selector: 'CallExpression[callee.type="MemberExpression"][callee.object.name="sql"]',
          message: `SQL (a sql helper) ${SQL_MESSAGE}.`,
        },
      ],
    },
  };
}
