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

/** DATA_DIR for a backup or restore; PostgreSQL is backed up with its own tools. */
function sqliteDataDir(what: string): string {
  const where = databaseFromEnv();
  if (where.databaseUrl !== undefined) {
    throw new CliError(
      `db ${what} works on the embedded SQLite database; on PostgreSQL use pg_dump / pg_restore ` +
        "and copy DATA_DIR/attachments (see docs/operations.md)",
      EXIT_INTERNAL,
    );
  }
  return where.dataDir ?? "./data";
}

/** Runs a backup or restore; its refusals and failures are one line, exit 1. */
async function backupCommand<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(oneLine(e), EXIT_INTERNAL);
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
  PORT (3000), HOST (127.0.0.1), DATA_DIR (./data, the embedded SQLite database and local files),
  DATABASE_URL (PostgreSQL instead of SQLite), DATABASE_SCHEMA (a PostgreSQL schema to use),
  ATTACHMENT_STORAGE (local | database | s3; default database with DATABASE_URL, else local),
  S3_BUCKET, S3_ENDPOINT, S3_REGION, S3_PREFIX, S3_SSE, S3_SSE_KMS_KEY_ID, S3_PRESIGNED_DOWNLOADS=1
  (S3-compatible storage; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a role),
  POLICY_FILE (the policy in force),
  NODE_ENV=production (no demo data), SECURE_COOKIES=1 (behind TLS), LOG_LEVEL (info),
  SMTP_URL (smtp://host:port; unset: e-mails are written as .eml files under DATA_DIR/mail),
  MAIL_FROM (Refund Desk <no-reply@localhost>), PUBLIC_URL (http://localhost:3000, for links),
  WORKER=off (no worker in this process), METRICS_PORT (/metrics on 127.0.0.1 without a token),
  STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_TIMEOUT_MS,
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
      io.stdout.write(`  Attachments: ${service.attachments}\n`);
      io.stdout.write(
        service.inboundSmtp === null && service.inboundImap === null
          ? "  Inbound e-mail: off (set INBOUND_SMTP_PORT or INBOUND_IMAP_URL to receive support mail)\n"
          : `  Inbound e-mail:${service.inboundSmtp === null ? "" : ` SMTP on ${service.inboundSmtp}`}${service.inboundImap === null ? "" : ` IMAP poll of ${service.inboundImap}`}\n`,
      );
      io.stdout.write(
        `  Metrics: ${service.url}/metrics (metrics:read token)` +
          (service.metricsUrl === null ? "" : `; ${service.metricsUrl} (local, no token)`) +
          "\n",
      );
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
      onShutdownSignal(io, "server", () => service.stop());
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
PUBLIC_URL, STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_TIMEOUT_MS, NODE_ENV, METRICS_PORT,
ATTACHMENT_STORAGE and S3_* (the worker sweeps orphan attachment objects).

Examples:
  $ DATABASE_URL=postgresql://app@db.internal/refunds STRIPE_SECRET_KEY=sk_live_... refund-desk worker`,
    )
    .action(async () => {
      const { startWorkerService } = await import("../service/start.js");
      const { notifyConfigFromEnv } = await import("../notify/index.js");
      const { stripeConfigFromEnv } = await import("../payouts/stripe/index.js");
      const { metricsPortFromEnv } = await import("../service/metrics-server.js");
      const { storageSettingsFromEnv } = await import("../storage/index.js");
      const { sharedNothingCheck } = await import("../service/start.js");
      let options;
      try {
        sharedNothingCheck(process.env);
        options = {
          database: databaseFromEnv(),
          ...(process.env["DATA_DIR"]?.trim() ? { dataDir: process.env["DATA_DIR"].trim() } : {}),
          storage: storageSettingsFromEnv(process.env),
          policyFile: process.env["POLICY_FILE"]?.trim() || undefined,
          notify: notifyConfigFromEnv(process.env),
          stripe: stripeConfigFromEnv(process.env),
          log: (error: unknown) => io.stderr.write(`worker: ${oneLine(error)}\n`),
          logger: stderrLogger(io.stderr),
          metricsPort: metricsPortFromEnv(process.env),
        };
      } catch (e) {
        throw new CliError(oneLine(e));
      }
      const running = await withDatabaseErrors(() => startWorkerService(options));
      io.stdout.write(
        `Refund Desk worker ${running.worker.id} is running (${running.dialect}); ` +
          `card provider: ${running.cardProvider}; mail: ${running.mail}` +
          (running.metricsUrl === null ? "" : `; metrics: ${running.metricsUrl}`) +
          "\n",
      );
      onShutdownSignal(io, "worker", () => running.stop());
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

  db.command("backup")
    .description(
      "copy the SQLite database (while the server runs) and its attachments to FILE, then check the copy",
    )
    .argument(
      "<file>",
      "the backup file to write (must not exist); attachments go to FILE.attachments/",
    )
    .addHelpText(
      "after",
      `
Uses SQLite's online backup API: one consistent snapshot, taken while the server writes. The copy
is checked (integrity_check, every attachment's file, the audit chain) before it gets its name.
On PostgreSQL (DATABASE_URL) use pg_dump, and copy DATA_DIR/attachments yourself (docs/operations.md).

Exit codes: 0 backed up and checked; 1 the backup failed or its check did (nothing is left at FILE).

Example:
  $ DATA_DIR=/var/lib/refund-desk refund-desk db backup /backups/refund-desk-$(date +%F).sqlite`,
    )
    .action(async (file: string) => {
      const check = await backupCommand(() => {
        const where = sqliteDataDir("backup");
        return import("../db/backup.js").then((m) => m.backupSqlite(where, file));
      });
      io.stdout.write(
        `backed up to ${file} (${check.bytes} bytes), ${check.attachments} attachments in ${file}.attachments/; ` +
          `integrity ok; audit trail intact: ${check.audit.count} entries, head ${check.audit.headHash}\n`,
      );
      setCode(EXIT_OK);
    });

  db.command("restore")
    .description("restore a backup made by `db backup` into an empty DATA_DIR")
    .argument("<file>", "the backup file (its attachments are read from FILE.attachments/)")
    .addHelpText(
      "after",
      `
Refuses a DATA_DIR that already holds a database or attachments. The backup is checked first;
the server migrates a restored older database when it starts.

Example:
  $ DATA_DIR=/var/lib/refund-desk refund-desk db restore /backups/refund-desk-2026-12-06.sqlite`,
    )
    .action(async (file: string) => {
      const where = sqliteDataDir("restore");
      const check = await backupCommand(() =>
        import("../db/backup.js").then((m) => m.restoreSqlite(file, where)),
      );
      io.stdout.write(
        `restored ${file} into ${where}: ${check.attachments} attachments; integrity ok; ` +
          `audit trail intact: ${check.audit.count} entries, head ${check.audit.headHash}\n`,
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

/** The whole shutdown, after which the process exits 1 whatever is still running. */
export const SHUTDOWN_DEADLINE_MS = 9_500;

/**
 * SIGTERM or SIGINT stops `what` cleanly and exits 0 (1 if stopping failed or outlasted the
 * deadline). Signals after the first are ignored: Ctrl-C under `npm start` reaches the process
 * twice (the terminal's process group, then npm forwarding it).
 */
function onShutdownSignal(io: CliIo, what: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    io.stdout.write(`${signal}: stopping the ${what}...\n`);
    const deadline = setTimeout(() => {
      io.stderr.write(`refund-desk: the ${what} did not stop within ${SHUTDOWN_DEADLINE_MS} ms\n`);
      process.exit(EXIT_INTERNAL);
    }, SHUTDOWN_DEADLINE_MS);
    stop().then(
      () => {
        clearTimeout(deadline);
        io.stdout.write(`the ${what} stopped\n`);
        process.exit(EXIT_OK);
      },
      (e: unknown) => {
        io.stderr.write(`refund-desk: stopping the ${what} failed: ${oneLine(e)}\n`);
        process.exit(EXIT_INTERNAL);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

/** `audit verify` found a broken chain. */
export const EXIT_AUDIT_BROKEN = 3;
