// A clean, migrated database per test (or per file): SQLite in a new temporary directory by
// default; with DATABASE_URL set, a new PostgreSQL schema in that database, dropped on close.
// `options` opens further connections to the same database (a second pool, a child process).

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import {
  openDatabase,
  type OpenDatabaseOptions,
  type OpenedDatabase,
} from "../../src/db/connection.js";
import { migrateToLatest } from "../../src/db/migrations/index.js";

export interface TestDatabase extends OpenedDatabase {
  /** What `openDatabase` needs to reach this same database again. */
  readonly options: OpenDatabaseOptions;
  /**
   * Another connection (SQLite) or pool (PostgreSQL) to the same database; closed by `close`.
   * On SQLite, use it for single statements only: two better-sqlite3 connections in one process
   * must not both hold write transactions (the synchronous busy wait blocks the thread the other
   * needs). Cross-process tests spawn processes instead (audit-append-child.ts).
   */
  reopen(): Promise<OpenedDatabase>;
}

/** The PostgreSQL URL the environment selects, or undefined for SQLite. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env["DATABASE_URL"]?.trim();
  return url ? url : undefined;
}

/**
 * Test files share one PostgreSQL database, each in its own schema. Kysely's migrator looks at the
 * tables of every schema (`has_schema_privilege` per schema), so another file dropping its schema
 * at that moment fails the migration with "schema ... does not exist". Migrations hold this
 * advisory lock shared (they run side by side), drops hold it exclusively.
 */
async function withSchemaLock<T>(
  url: string,
  mode: "shared" | "exclusive",
  fn: () => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      mode === "shared" ? "select pg_advisory_lock_shared($1)" : "select pg_advisory_lock($1)",
      [SCHEMA_LOCK],
    );
    return await fn();
  } finally {
    await client.end(); // the session's end releases the lock
  }
}

const SCHEMA_LOCK = 72_405_110;

/** Opens a database no other test uses, migrated unless `migrate: false`. */
export async function freshDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const url = testDatabaseUrl();
  let options: OpenDatabaseOptions;
  let cleanup: (opened: OpenedDatabase) => Promise<void>;
  if (url === undefined) {
    const dataDir = await mkdtemp(join(tmpdir(), "refund-desk-test-"));
    options = { dataDir };
    cleanup = () => rm(dataDir, { recursive: true, force: true });
  } else {
    const schema = `test_${process.pid}_${randomBytes(6).toString("hex")}`;
    options = { databaseUrl: url, schema };
    cleanup = async () => {
      // The test's own pools are closed by now; drop from a connection outside the schema, never
      // while another test file migrates (see withSchemaLock).
      await withSchemaLock(url, "exclusive", async () => {
        const admin = await openDatabase({ databaseUrl: url, poolSize: 1 });
        try {
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
        } finally {
          await admin.close();
        }
      });
    };
  }

  const opened = await openDatabase(options);
  const extra: OpenedDatabase[] = [];
  try {
    if (opts.migrate !== false) {
      const migrate = () => migrateToLatest(opened.db);
      await (url === undefined ? migrate() : withSchemaLock(url, "shared", migrate));
    }
  } catch (err) {
    await opened.close();
    await cleanup(opened);
    throw err;
  }
  let closed = false;
  return {
    db: opened.db,
    dialect: opened.dialect,
    options,
    async reopen() {
      const another = once(await openDatabase(options));
      extra.push(another);
      return another;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const e of extra) await e.close();
      await opened.close();
      await cleanup(opened);
    },
  };
}

/** The same database handle whose close may be called more than once. */
function once(opened: OpenedDatabase): OpenedDatabase {
  let closing: Promise<void> | undefined;
  return {
    db: opened.db,
    dialect: opened.dialect,
    close: () => (closing ??= opened.close()),
  };
}
