// Commands that work on the service's database: `serve`, `db migrate`, `audit verify`.
// The database comes from the environment: DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, ./data).

// Database modules are imported when a command runs, so `evaluate` starts without them.

import type { Command } from "commander";
import type { OpenDatabaseOptions } from "../db/connection.js";
import { CliError, EXIT_INTERNAL, EXIT_OK, oneLine, stderrLogger, type CliIo } from "./io.js";

/** Where the database is, from DATABASE_URL or DATA_DIR. */
export function databaseFromEnv(env: NodeJS.ProcessEnv = process.env): OpenDatabaseOptions {
  const url = env["DATABASE_URL"]?.trim();
  const schema = env["DATABASE_SCHEMA"]?.trim() || undefined;
  return url
    ? { databaseUrl: url, ...(schema === undefined ? {} : { schema }) }
    : { dataDir: env["DATA_DIR"]?.trim() || "./data" };
}

/** Runs `fn`; a database that cannot be reached is a one-line failure (exit 1), never a stack. */
async function withDatabaseErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliError) throw e;
    // The message only: a connection error's stack may carry the URL (and its password).
    throw new CliError(`database: ${oneLine(e)}`, EXIT_INTERNAL);
  }
}

/** Adds the service and database commands to the program. */
export function addServiceCommands(program: Command, io: CliIo, setCode: (code: number) => void) {
  program
    .command("serve")
    .description("run the Refund Desk server (API, docs) on the embedded database or DATABASE_URL")
    .addHelpText(
      "after",
      `
Settings come from the environment:
  PORT (3000), HOST (127.0.0.1), DATA_DIR (./data, the embedded SQLite database and attachments),
  DATABASE_URL (PostgreSQL instead of SQLite), DATABASE_SCHEMA (a PostgreSQL schema to use),
  POLICY_FILE (the policy in force),
  NODE_ENV=production (no demo data), SECURE_COOKIES=1 (behind TLS), LOG_LEVEL (info),
  SMTP_URL (smtp://host:port; unset: e-mails are written as .eml files under DATA_DIR/mail),
  MAIL_FROM (Refund Desk <no-reply@localhost>), PUBLIC_URL (http://localhost:3000, for links),
  WORKER=off (no worker in this process), STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_TIMEOUT_MS,
  STRIPE_WEBHOOK_SECRET (card refunds; without a key outside production, a local Stripe stand-in).
On an empty database outside production it loads a demo company and prints its sign-ins.

Examples:
  $ refund-desk serve
  $ PORT=8080 DATABASE_URL=postgresql://app@db.internal/refunds NODE_ENV=production refund-desk serve`,
    )
    .action(async () => {
      const { serviceOptionsFromEnv, startService } = await import("../service/start.js");
      let options;
      try {
        options = serviceOptionsFromEnv();
      } catch (e) {
        throw new CliError(oneLine(e));
      }
      const service = await withDatabaseErrors(() => startService(options));
      io.stdout.write(`Refund Desk is running on ${service.url} (${service.dialect})\n`);
      io.stdout.write(`  API docs: ${service.url}/docs   OpenAPI: ${service.url}/openapi.json\n`);
      io.stdout.write(`  Mail: ${service.notify.mail.description}\n`);
      io.stdout.write(`  Card payouts: ${service.cardProvider}\n`);
      io.stdout.write(
        service.worker === null
          ? "  Worker: off (WORKER=off); run `refund-desk worker` beside it\n"
          : `  Worker: ${service.worker.id}, in this process\n`,
      );
      if (service.demoAccounts.length > 0) {
        io.stdout.write("Demo sign-ins (POST /api/v1/session with email and password):\n");
        for (const a of service.demoAccounts) {
          io.stdout.write(`  ${a.role.padEnd(8)} ${a.email.padEnd(26)} ${a.password}   ${a.who}\n`);
        }
      }
      const shutdown = () => {
        void service.stop().then(() => process.exit(0));
      };
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
      setCode(EXIT_OK);
    });

  program
    .command("worker")
    .description(
      "run a worker alone: card payouts, e-mails, outbound webhooks and overdue alerts (no HTTP)",
    )
    .addHelpText(
      "after",
      `
\`serve\` runs a worker in its own process unless WORKER=off; run more workers with this command
to scale out (PostgreSQL: they share the work through leases and SKIP LOCKED).
Settings come from the environment: DATABASE_URL or DATA_DIR, POLICY_FILE, SMTP_URL, MAIL_FROM,
PUBLIC_URL, STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_TIMEOUT_MS, NODE_ENV.

Examples:
  $ DATABASE_URL=postgresql://app@db.internal/refunds STRIPE_SECRET_KEY=sk_live_... refund-desk worker`,
    )
    .action(async () => {
      const { startWorkerService } = await import("../service/start.js");
      const { notifyConfigFromEnv } = await import("../notify/index.js");
      const { stripeConfigFromEnv } = await import("../payouts/stripe/index.js");
      let options;
      try {
        options = {
          database: databaseFromEnv(),
          policyFile: process.env["POLICY_FILE"]?.trim() || undefined,
          notify: notifyConfigFromEnv(process.env),
          stripe: stripeConfigFromEnv(process.env),
          log: (error: unknown) => io.stderr.write(`worker: ${oneLine(error)}\n`),
          logger: stderrLogger(io.stderr),
        };
      } catch (e) {
        throw new CliError(oneLine(e));
      }
      const running = await withDatabaseErrors(() => startWorkerService(options));
      io.stdout.write(
        `Refund Desk worker ${running.worker.id} is running (${running.dialect}); ` +
          `card provider: ${running.cardProvider}; mail: ${running.mail}\n`,
      );
      const shutdown = () => {
        void running.stop().then(() => process.exit(0));
      };
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
      setCode(EXIT_OK);
    });

  const db = program.command("db").description("manage the service's database");
  db.command("migrate")
    .description("apply pending migrations (DATABASE_URL, or the SQLite file under DATA_DIR)")
    .addHelpText(
      "after",
      `
Examples:
  $ refund-desk db migrate
  $ DATABASE_URL=postgresql://app@db.internal/refunds refund-desk db migrate`,
    )
    .action(async () => {
      const { dialect, applied } = await withDatabaseErrors(async () => {
        const { migrateDatabase } = await import("../db/migrations/index.js");
        return migrateDatabase(databaseFromEnv());
      });
      io.stdout.write(
        applied.length === 0
          ? `${dialect}: up to date\n`
          : `${dialect}: applied ${applied.join(", ")}\n`,
      );
      setCode(EXIT_OK);
    });

  const audit = program.command("audit").description("inspect the audit trail");
  audit
    .command("verify")
    .description("recompute the audit trail's hash chain and name the first broken entry")
    .addHelpText(
      "after",
      `
Exit codes: 0 the chain is intact; 3 an entry was altered, deleted or moved (it is named);
1 the database could not be read.

Example:
  $ refund-desk audit verify
  audit trail intact: 1532 entries, head 9f2c...`,
    )
    .action(async () => {
      const result = await withDatabaseErrors(async () => {
        const { openDatabase } = await import("../db/connection.js");
        const { verifyAudit } = await import("../db/audit.js");
        const opened = await openDatabase(databaseFromEnv());
        try {
          return await verifyAudit(opened.db);
        } finally {
          await opened.close();
        }
      });
      if (result.ok) {
        io.stdout.write(`audit trail intact: ${result.count} entries, head ${result.headHash}\n`);
        setCode(EXIT_OK);
      } else {
        io.stderr.write(
          `refund-desk: audit trail broken at entry ${result.seq} (${result.problem}): ${result.reason}\n`,
        );
        setCode(EXIT_AUDIT_BROKEN);
      }
    });
}

/** `audit verify` found a broken chain. */
export const EXIT_AUDIT_BROKEN = 3;
