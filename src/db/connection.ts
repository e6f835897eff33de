// Opens the one query layer (Kysely) on either database (ADR 0006): the embedded default is a
// better-sqlite3 file with durable WAL commits; a `databaseUrl` switches to PostgreSQL.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  sql,
  type Driver,
  type Transaction,
} from "kysely";
import pg from "pg";
import { SAFETY_NET_PAGES, startCheckpointer } from "./checkpointer.js";
import type { Database } from "./schema.js";
import {
  GroupCommitSqliteDriver,
  soloNextTransaction,
  type GroupCommitOptions,
} from "./sqlite-driver.js";
import { WalSync, type SyncFile } from "./wal-sync.js";

export type DialectName = "sqlite" | "postgres";

export interface OpenDatabaseOptions {
  /** `postgres://` or `postgresql://` URL; absent or empty: the embedded SQLite file. */
  readonly databaseUrl?: string | undefined;
  /** Directory of the SQLite file (default `./data`), created if missing. */
  readonly dataDir?: string | undefined;
  /** PostgreSQL only: a schema to work in (created if missing), e.g. to isolate a test run. */
  readonly schema?: string | undefined;
  /** PostgreSQL only: pool size (default 10). */
  readonly poolSize?: number | undefined;
  /**
   * SQLite only: checkpoint the WAL in a worker thread instead of inside commits (checkpointer.ts).
   * The service turns it on; short-lived uses (tests, CLI commands) keep SQLite's own.
   */
  readonly backgroundCheckpoints?: boolean | undefined;
  /** With backgroundCheckpoints: told the WAL pages each checkpoint of the worker copied (tests). */
  readonly onCheckpoint?: ((pages: number) => void) | undefined;
  /** SQLite only: how the WAL is synced after commits (default `fs.fdatasync`); tests replace it. */
  readonly syncFile?: SyncFile | undefined;
  /**
   * SQLite only: the page cache of each connection, in KiB (default the driver's, 16 MiB). A bulk
   * import asks for less: its writes append, and its peak memory has a target (ADR 0030).
   */
  readonly sqliteCacheKib?: number | undefined;
}

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  close(): Promise<void>;
}

/** The SQLite file name inside the data directory. */
export const SQLITE_FILE = "refund-desk.sqlite";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the database the options name; the caller runs `migrateToLatest` and later `close`. */
export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const url = opts.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new RangeError("DATABASE_URL must be a postgres:// or postgresql:// URL");
    }
    return openPostgres(url, opts);
  }
  return openSqlite(
    opts.dataDir ?? "./data",
    opts.backgroundCheckpoints === true,
    opts.syncFile,
    opts.onCheckpoint,
    opts.sqliteCacheKib,
  );
}

/** Reads one row of a table (readiness): resolves while the database answers, rejects if not. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await db.selectFrom("clients").select("id").limit(1).execute();
}

/** Which database a Kysely instance (or a transaction of it) talks to. */
export function dialectOf(db: Pick<Kysely<Database>, "getExecutor">): DialectName {
  // Kysely exposes no public dialect name; the adapter class is the stable, documented marker.
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return "postgres";
  if (adapter instanceof SqliteAdapter) return "sqlite";
  throw new Error("unsupported database dialect");
}

/**
 * Runs `fn` in a transaction of its own: on SQLite a plain `BEGIN IMMEDIATE ... COMMIT` on the
 * writer, not a savepoint in a group-commit batch (sqlite-driver.ts), so a long bulk write (an
 * import) does not keep a copy of every page it changes in memory; on PostgreSQL an ordinary
 * transaction. Other transactions of the process wait for it to end, as for any write
 * transaction; another process's writers wait on busy_timeout and then fail with SQLITE_BUSY
 * (ADR 0030).
 */
export async function transactionOfItsOwn<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (dialectOf(db) !== "sqlite") return db.transaction().execute(fn);
  return db.connection().execute(async (conn) => {
    await conn.getExecutor().provideConnection((c) => {
      soloNextTransaction(c);
      return Promise.resolve();
    });
    return conn.transaction().execute(fn);
  });
}

function openSqlite(
  dataDir: string,
  backgroundCheckpoints: boolean,
  syncFile: SyncFile | undefined,
  onCheckpoint: ((pages: number) => void) | undefined,
  cacheKib: number | undefined,
): OpenedDatabase {
  if (cacheKib !== undefined && !(Number.isInteger(cacheKib) && cacheKib > 0)) {
    throw new RangeError(`sqliteCacheKib must be a positive whole number, not ${cacheKib}`);
  }
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SQLITE_FILE);
  const sqlite = new SqliteDatabase(file);
  try {
    const mode: unknown = sqlite.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal")
      throw new Error(`${file}: could not switch to WAL (journal_mode=${String(mode)})`);
    // NORMAL: in WAL mode SQLite then syncs the WAL only before checkpoints, and the driver
    // syncs it after every COMMIT itself, off the event loop, before the commit returns (ADR 0016):
    // as durable as FULL, which would make the event loop wait for the disk inside each COMMIT.
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    // Group commit runs each transaction as a savepoint, whose undo copies (the sub-journal) would
    // otherwise go to a temporary file: in memory they cost half the CPU of an intake (ADR 0011).
    // Durability is the WAL's, not the sub-journal's.
    sqlite.pragma("temp_store = MEMORY");
    if (cacheKib !== undefined) sqlite.pragma(`cache_size = -${cacheKib}`);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  let reader: SqliteDatabase.Database;
  try {
    // Reads outside transactions: in WAL mode this connection sees committed data only.
    reader = new SqliteDatabase(file, { readonly: true });
    reader.pragma("busy_timeout = 5000");
    if (cacheKib !== undefined) reader.pragma(`cache_size = -${cacheKib}`);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const walSync = new WalSync(`${file}-wal`, syncFile);
  const db = new Kysely<Database>({
    dialect: new DurableSqliteDialect({ writer: sqlite, reader, walSync }),
  });
  if (!backgroundCheckpoints) return { db, dialect: "sqlite", close: () => db.destroy() };
  sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  const checkpointer = startCheckpointer(
    file,
    () => {
      try {
        sqlite.pragma("wal_autocheckpoint = 1000"); // SQLite's default again
      } catch {
        /* closed meanwhile */
      }
    },
    undefined,
    onCheckpoint,
  );
  return {
    db,
    dialect: "sqlite",
    close: async () => {
      await db.destroy();
      await checkpointer.stop();
    },
  };
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const schema = opts.schema;
  if (schema !== undefined) {
    if (!SCHEMA_NAME.test(schema)) throw new RangeError(`invalid schema name "${schema}"`);
    await createSchema(url, schema);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types: { getTypeParser: typeParser } as pg.CustomTypesConfig,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db); // fail at start, not on the first request
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect: "postgres", close: () => db.destroy() };
}

async function createSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${schema}"`);
  } catch (err) {
    // Two concurrent `create schema if not exists` can still collide on the catalog's unique index.
    if (!isPgError(err, "23505") && !isPgError(err, "42P06")) throw err;
  } finally {
    await client.end();
  }
}

const INT8_OID = 20;

// int8 (count(*), bigint columns) arrives as a string by default; ours stay far below 2^53, so
// hand them over as numbers like better-sqlite3 does, and refuse rather than round if one is not.
function typeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
  if (oid === INT8_OID && format !== "binary") return parseInt8;
  return pg.types.getTypeParser(oid, format ?? "text") as (value: string) => unknown;
}

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds 2^53`);
  return n;
}

/** True when `err` is a PostgreSQL error with the given SQLSTATE. */
export function isPgError(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * better-sqlite3 through Kysely, with the driver of sqlite-driver.ts (group commit, a read-only
 * connection for reads, reused prepared statements; ADR 0011), and DDL in transactions (SQLite
 * supports it), so the Migrator applies each migration atomically and a second process starting
 * at the same time waits instead of racing.
 *
 * Write transactions start with BEGIN IMMEDIATE, so a transaction that reads and then writes
 * (the audit head, a payment's refunded total) holds the write lock from its first read. With a
 * plain (deferred) BEGIN, two processes could both read, then one would fail with SQLITE_BUSY on
 * its first write; IMMEDIATE makes the second wait (busy_timeout) instead.
 */
class DurableSqliteDialect extends SqliteDialect {
  readonly #options: GroupCommitOptions;

  constructor(options: GroupCommitOptions) {
    super({ database: options.writer });
    this.#options = options;
  }

  override createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.#options);
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
