// @ts-check
// The layer table of src/ (ADR 0021): the one place the import rules are written. eslint.config.js
// turns every row into an `import-x/no-restricted-paths` zone, so `npm run check` fails on an import
// that breaks a row, with the row's reason; docs/ARCHITECTURE.md shows the same table (a test checks
// they agree: test/architecture/layers.test.ts).
//
//   core (pure) <- app (use cases and their ports) <- http, worker, notify, payouts (adapters)
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
  "payouts",
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
    mayNotImport: ["http", "cli", "payouts", "notify", "worker", "service"],
    why: "app holds the use cases and owns the ports they need (app/payouts/ports.ts, app/auth/auth-info.ts); adapters implement them and the wiring hands them in, so a use case runs the same behind HTTP, the CLI or the worker",
  },
  {
    layer: "db",
    mayNotImport: ["app", "http", "notify", "payouts", "worker", "service", "cli"],
    why: "db is persistence (connection, migrations, audit chain, outbox, ledger facts, codecs): it knows the schema and the core's types, never a use case or an adapter",
  },
  {
    layer: "http",
    mayNotImport: ["cli", "payouts", "notify", "worker", "service", "db"],
    except: ["db/idempotency.ts"],
    why: "a route is schema -> permission -> one use case -> present; it reaches db only for its Idempotency-Key store (db/idempotency.ts) and never calls a provider, the notifier or the CLI itself",
  },
  {
    layer: "notify",
    mayNotImport: ["app", "http", "cli", "service", "worker", "payouts"],
    why: "notify delivers e-mails and webhooks from the outbox; what to send is decided by use cases, so delivery never calls back into them or into HTTP",
  },
  {
    layer: "payouts",
    mayNotImport: ["http", "cli", "service", "worker", "notify"],
    why: "payouts is the card-provider adapter: it implements app/payouts/ports.ts and is wired in by service and cli, never the other way round",
  },
  {
    layer: "worker",
    mayNotImport: ["http", "cli", "service"],
    why: "the worker is an adapter driven by time; it is started by service or cli and never imports them or the HTTP shell",
  },
  {
    layer: "policy-file",
    mayNotImport: ["app", "http", "notify", "payouts", "worker", "service", "cli"],
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
 * Where SQL (Kysely query builders and `sql` templates) may be written: src/db, and a
 * `repository.ts` or `queries.ts` of a module. ESLint refuses it anywhere else (ADR 0021).
 */
export const SQL_PLACES = ["src/db/**", "src/**/repository.ts", "src/**/queries.ts"];

/**
 * Files that still issue SQL of their own, from before the rule: a ratchet, each to be emptied into
 * its module's repository.ts / queries.ts. The list only shrinks; a new file is never added to it.
 * (Exception, recorded in the session 4 note: the files after "merged with SQL in place" were
 * written in parallel with the rule by the payouts and people work and merged before their SQL
 * was moved; moving it is the first open item of issue 10.)
 */
export const SQL_PENDING = [
  "src/app/attachments/get-attachment.ts",
  "src/app/attachments/list-attachments.ts",
  "src/app/attachments/shared.ts",
  "src/app/attachments/upload-attachments.ts",
  "src/app/auth/authenticator.ts",
  "src/app/auth/create-api-token.ts",
  "src/app/auth/create-client.ts",
  "src/app/auth/create-user.ts",
  "src/app/auth/current-session.ts",
  "src/app/auth/get-user.ts",
  "src/app/auth/list-api-tokens.ts",
  "src/app/auth/list-users.ts",
  "src/app/auth/pagination.ts",
  "src/app/auth/revoke-api-token.ts",
  "src/app/auth/sign-in.ts",
  "src/app/auth/sign-out.ts",
  "src/app/auth/throttle.ts",
  "src/app/auth/update-user.ts",
  "src/app/ledger/duplicate-cases.ts",
  "src/app/ledger/scan-ledger.ts",
  "src/app/orders/create-order.ts",
  "src/app/orders/get-payment.ts",
  "src/app/orders/list-orders.ts",
  "src/app/orders/record-payment.ts",
  "src/app/orders/service-events.ts",
  "src/app/orders/shared.ts",
  "src/app/orders/update-order.ts",
  "src/app/payouts/execute.ts",
  "src/app/requests/evaluate-order.ts",
  "src/app/requests/get-request.ts",
  "src/app/requests/list-requests.ts",
  "src/app/requests/submit-request.ts",
  "src/http/server.ts",
  "src/notify/notifier.ts",
  "src/notify/webhooks.ts",
  "src/service/demo-seed.ts",
  "src/service/start.ts",
  "src/worker/outbox-relay.ts",
  // merged with SQL in place (session 4): to move into repository.ts / queries.ts
  "src/app/auth/account-tokens.ts",
  "src/app/auth/lift-sign-in-lock.ts",
  "src/app/auth/own-sessions.ts",
  "src/app/clients/clients.ts",
  "src/app/payouts/query.ts",
  "src/app/payouts/remind-destinations.ts",
  "src/app/requests/assign-request.ts",
  "src/app/requests/post-message.ts",
  "src/app/requests/timeline.ts",
  "src/cli/admin.ts",
  "src/notify/account-mailer.ts",
  "src/service/demo-charges.ts",
];
