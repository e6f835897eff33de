// The SQLite driver behind Kysely (ADR 0011): one writer connection with group commit, one
// read-only connection for reads outside transactions, prepared statements reused by SQL text.
//
// Group commit. Every write transaction is a SAVEPOINT inside a shared `BEGIN IMMEDIATE` (the
// batch). When a transaction's callback succeeds its savepoint is released and the writer is
// handed to the next transaction at once; the caller's commit does NOT return yet. Once nothing
// more is queued (setImmediate) or the batch is full, one `COMMIT` ends the batch, and its
// members' commits return only once it is durable: with a `WalSync` (ADR 0016) after the WAL's
// fdatasync in libuv's thread pool, while the event loop goes on with the next batch; without
// one, SQLite fsyncs inside the COMMIT itself (synchronous=FULL). A transaction that fails rolls
// back to its savepoint and leaves the others alone; if the batch's COMMIT fails, or SQLite rolls
// the whole batch back, every member's commit throws. Nobody is answered before the sync that
// covers their writes.
//
// Reads outside a transaction go to a second, read-only connection: in WAL mode it sees only
// committed data, and while a commit is not yet synced a read waits for the sync, so no request
// ever reads another's writes before they are durable. The reads of one event-loop turn share one
// snapshot (ADR 0017). Reads never wait for the writer. Inside a transaction everything runs on
// the writer, which sees the earlier members of its batch: the order in which transactions run is
// the order they commit in, all or nothing.
//
// A transaction of its own (`soloNextTransaction`, for bulk imports; ADR 0030): the open batch is
// committed first, then the transaction runs as a plain `BEGIN IMMEDIATE ... COMMIT` on the
// writer, no savepoint. A savepoint makes SQLite copy every page it changes into the statement
// sub-journal (in memory with temp_store=MEMORY, ADR 0011) until it is released: for a
// transaction of a few rows that is nothing, for an import of a million rows it is hundreds of MB.
// Other transactions of the process wait for the writer meanwhile, as they wait for any member.

import SqliteDatabase from "better-sqlite3";
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from "kysely";
import type { WalSync } from "./wal-sync.js";

/** Transactions in one batch at most (bounds a commit's latency and the WAL append). */
export const MAX_BATCH = 256;
const STATEMENT_CACHE_SIZE = 500;

/** A FIFO mutex: waiters get the lock in the order they asked for it. */
class Mutex {
  #locked = false;
  readonly #queue: (() => void)[] = [];

  lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  unlock(): void {
    const next = this.#queue.shift();
    if (next === undefined) this.#locked = false;
    else next();
  }
}

/**
 * Kysely's SQLite driver prepares every statement anew, which costs more than running it (about
 * 100 µs against 30 µs here). The queries the app sends are a small fixed set of SQL texts, so
 * prepared statements are kept by text (a bounded map, emptied when full). Statements are only run
 * to completion (`all`/`run`), never left half-iterated, so reusing one is safe.
 */
class StatementCache {
  readonly #cache = new Map<string, SqliteDatabase.Statement>();
  constructor(readonly db: SqliteDatabase.Database) {}

  get(sqlText: string): SqliteDatabase.Statement {
    let stmt = this.#cache.get(sqlText);
    if (stmt === undefined) {
      stmt = this.db.prepare(sqlText);
      if (stmt.reader) {
        stmt.raw(true);
        shapes.set(stmt, shapeOf(stmt));
      }
      if (this.#cache.size >= STATEMENT_CACHE_SIZE) this.#cache.clear();
      this.#cache.set(sqlText, stmt);
    }
    return stmt;
  }

  clear(): void {
    this.#cache.clear();
  }
}

/**
 * How the rows of a cached statement are built. The statements that return rows run in raw mode
 * (rows as arrays) and the objects are built here: better-sqlite3 builds each row object property
 * by property from SQLite's column names, about a fifth of a short query's time. Building them in
 * a loop here (`row[name] = value`) is no better: one keyed store site shared by every statement
 * is megamorphic, and an object grown that way past a few properties turns into a dictionary (a
 * request row of 24 columns cost several microseconds). So each statement gets a function of its
 * own whose body is one object literal, `(v) => ({ "id": v[0], "status": v[1], ... })`: V8 gives
 * every row of it the same hidden class, filled in place. The names are SQLite's column names,
 * written as JSON string literals, never spliced in as code. Same result as before: a later column
 * of the same name wins, at the place of the first (as in better-sqlite3's objects).
 */
interface RowShape {
  readonly columns: number;
  readonly build: (values: readonly unknown[]) => Record<string, unknown>;
}

const shapes = new WeakMap<SqliteDatabase.Statement, RowShape>();

function shapeOf(stmt: SqliteDatabase.Statement): RowShape {
  const names = stmt.columns().map((c) => c.name);
  const indexOf = new Map<string, number>();
  names.forEach((name, i) => indexOf.set(name, i));
  // `"__proto__": x` in a literal would set the prototype; assigned, it does what it did when
  // the rows were built by assignment (and what better-sqlite3 does).
  const proto = indexOf.get("__proto__");
  indexOf.delete("__proto__");
  const fields = [...indexOf].map(([name, i]) => `${JSON.stringify(name)}: v[${i}]`);
  const body =
    proto === undefined
      ? `return { ${fields.join(", ")} };`
      : `const row = { ${fields.join(", ")} }; row["__proto__"] = v[${proto}]; return row;`;
  const build = new Function("v", body) as RowShape["build"];
  return { columns: names.length, build };
}

function rowsOf(stmt: SqliteDatabase.Statement, parameters: readonly unknown[]): never[] {
  let shape = shapes.get(stmt);
  if (shape === undefined) return stmt.all(parameters) as never[]; // not one of the cache's
  const values = stmt.all(parameters) as unknown[][];
  const rows = new Array<Record<string, unknown>>(values.length);
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!;
    // SQLite re-prepares a statement after a schema change (another process migrating), and
    // `select *` may then return other columns: take the names again.
    if (v.length !== shape.columns) {
      shape = shapeOf(stmt);
      shapes.set(stmt, shape);
    }
    rows[r] = shape.build(v);
  }
  return rows as never[];
}

function run(stmt: SqliteDatabase.Statement, parameters: readonly unknown[]): QueryResult<never> {
  if (stmt.reader) return { rows: rowsOf(stmt, parameters) };
  const { changes, lastInsertRowid } = stmt.run(parameters);
  return {
    numAffectedRows: BigInt(changes),
    insertId: BigInt(lastInsertRowid),
    rows: [],
  };
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** The writer's open batch: the members whose savepoints are released, waiting for COMMIT. */
interface Batch {
  readonly waiters: Waiter[];
}

export interface GroupCommitOptions {
  /** The writer (WAL, foreign keys on), already configured. */
  readonly writer: SqliteDatabase.Database;
  /** A read-only connection to the same file; closed with the driver. */
  readonly reader: SqliteDatabase.Database;
  /**
   * Syncs the writer's WAL when the writer runs synchronous=NORMAL (ADR 0016); closed with the
   * driver. Absent: the writer must run synchronous=FULL.
   */
  readonly walSync?: WalSync | undefined;
}

/** One user of the driver at a time: Kysely acquires it, runs a query or a transaction, releases. */
class Handle implements DatabaseConnection {
  /** True from beginTransaction until the writer is handed on (commit or rollback). */
  holdsWriter = false;
  /** The next transaction of this handle is one of its own (see the file's head). */
  soloNext = false;
  /** The current transaction is one of its own: BEGIN IMMEDIATE ... COMMIT, no savepoint. */
  solo = false;
  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute(this, compiledQuery) as Promise<QueryResult<R>>;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported on SQLite here");
  }
}

export class GroupCommitSqliteDriver implements Driver {
  readonly #writer: StatementCache;
  readonly #reader: StatementCache;
  readonly #writeLock = new Mutex();
  readonly #free: Handle[] = [];
  readonly #sync: WalSync | null;
  #batch: Batch | null = null;
  #flushScheduled = false;
  /** True while the reader holds the read transaction of this event-loop turn. */
  #readTurnOpen = false;

  constructor(opts: GroupCommitOptions) {
    this.#writer = new StatementCache(opts.writer);
    this.#reader = new StatementCache(opts.reader);
    this.#sync = opts.walSync ?? null;
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    // Handles are reused, so Kysely's per-connection bookkeeping stays bounded by concurrency.
    return Promise.resolve(this.#free.pop() ?? new Handle(this));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    const handle = connection as Handle;
    handle.soloNext = false;
    handle.solo = false;
    if (handle.holdsWriter) {
      // Not expected (Kysely commits or rolls back first); never leave the writer locked.
      handle.holdsWriter = false;
      this.#writeLock.unlock();
    }
    this.#free.push(handle);
    return Promise.resolve();
  }

  /** Runs one statement for a handle: on the writer inside a transaction, else by what it does. */
  execute(handle: Handle, query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (handle.holdsWriter) {
      try {
        return Promise.resolve(run(this.#writer.get(query.sql), query.parameters));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    let stmt: SqliteDatabase.Statement | undefined;
    try {
      stmt = this.#reader.get(query.sql);
    } catch {
      // E.g. a table the reader cannot see yet: the writer prepares it (and reports real errors).
    }
    if (stmt?.readonly === true) {
      if (this.#sync?.pending === true) return this.#readDurable(stmt, query.parameters);
      try {
        return Promise.resolve(this.#read(stmt, query.parameters));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#autocommit(query);
  }

  /**
   * Runs a read on the reader inside the read transaction of the current event-loop turn. Every
   * statement outside a transaction would take and drop SQLite's WAL read lock itself (two
   * `fcntl` calls, about a third of a short query); the reads of one turn share one snapshot
   * instead, ended at `setImmediate`. They see what was committed when the turn's first read ran,
   * as if they had all run then: a caller is answered only after its commit is synced, in a later
   * turn, so read-your-writes holds, and the snapshot never outlives the turn (checkpoints are not
   * held back).
   */
  #read(stmt: SqliteDatabase.Statement, parameters: readonly unknown[]): QueryResult<unknown> {
    if (!this.#readTurnOpen) {
      this.#reader.get("begin").run();
      this.#readTurnOpen = true;
      setImmediate(this.#endReadTurn);
    }
    return run(stmt, parameters);
  }

  readonly #endReadTurn = (): void => {
    if (!this.#readTurnOpen) return;
    this.#readTurnOpen = false;
    try {
      if (this.#reader.db.inTransaction) this.#reader.get("commit").run();
    } catch {
      /* a read-only transaction has nothing to lose; the next turn begins afresh */
    }
  };

  /** A read while some commit is not yet on disk: runs once every commit so far is. */
  async #readDurable(
    stmt: SqliteDatabase.Statement,
    parameters: readonly unknown[],
  ): Promise<QueryResult<unknown>> {
    const sync = this.#sync;
    // Commits made while waiting need their own sync: the read runs only when none is pending.
    while (sync?.pending === true) await sync.whenDurable();
    return this.#read(stmt, parameters);
  }

  /** A write outside a transaction: commits the open batch first, then runs on its own. */
  async #autocommit(query: CompiledQuery): Promise<QueryResult<unknown>> {
    await this.#writeLock.lock();
    let result: QueryResult<unknown>;
    try {
      if (this.#sync?.fatal) throw this.#sync.fatal;
      this.#commitBatch();
      result = run(this.#writer.get(query.sql), query.parameters);
    } finally {
      this.#writeLock.unlock();
    }
    // Even a statement that wrote nothing is waited for: cheap, and never answers early.
    if (this.#sync !== null) await this.#sync.whenDurable(this.#sync.committed());
    return result;
  }

  // Read-only transactions (none in the app today) run on the writer too: the one shared reader
  // cannot hold a snapshot for one caller while others use it.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const handle = connection as Handle;
    await this.#writeLock.lock();
    handle.holdsWriter = true;
    try {
      if (this.#sync?.fatal) throw this.#sync.fatal;
      if (handle.soloNext) {
        handle.soloNext = false;
        // The open batch's members commit now (their commits return once it is durable).
        this.#commitBatch();
        this.#writer.get("begin immediate").run();
        handle.solo = true;
        return;
      }
      if (this.#batch === null) {
        // IMMEDIATE: the write lock is taken now, so a transaction that reads then writes never
        // meets SQLITE_BUSY halfway (another process waits on busy_timeout instead).
        this.#writer.get("begin immediate").run();
        this.#batch = { waiters: [] };
      }
      this.#writer.get("savepoint tx").run();
    } catch (err) {
      this.#handOn(handle);
      throw err;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const handle = connection as Handle;
    if (handle.solo) return this.#commitSolo(handle);
    const batch = this.#batch;
    if (batch === null) throw new Error("commit without a transaction");
    // If the release throws, Kysely rolls back next (the handle still holds the writer).
    this.#writer.get("release tx").run();
    const durable = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (batch.waiters.length >= MAX_BATCH) this.#commitBatch();
    else this.#scheduleFlush();
    this.#handOn(handle);
    await durable;
  }

  /** COMMITs a transaction of its own; returns once it is durable. */
  async #commitSolo(handle: Handle): Promise<void> {
    handle.solo = false;
    try {
      if (this.#sync?.fatal) throw this.#sync.fatal;
      this.#writer.get("commit").run();
    } catch (err) {
      this.#rollbackQuietly();
      throw err;
    } finally {
      // Kysely's rollback after a failed commit then finds nothing to undo.
      this.#handOn(handle);
    }
    if (this.#sync !== null) await this.#sync.whenDurable(this.#sync.committed());
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const handle = connection as Handle;
    // After a failed batch COMMIT the handle no longer holds the writer: nothing to undo here.
    if (!handle.holdsWriter) return;
    if (handle.solo) {
      handle.solo = false;
      this.#rollbackQuietly();
      this.#handOn(handle);
      return;
    }
    try {
      const db = this.#writer.db;
      if (db.inTransaction) {
        this.#writer.get("rollback to tx").run();
        this.#writer.get("release tx").run();
      } else {
        // SQLite rolled back the whole batch itself (e.g. an I/O error): nobody in it committed.
        this.#failBatch(new Error("the transaction batch was rolled back by SQLite"));
      }
    } catch (err) {
      this.#abortBatch(err);
    } finally {
      this.#handOn(handle);
    }
  }

  // Kysely's nested savepoints (`trx.savepoint()`), on the writer inside the transaction.
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(savepointCommand("savepoint", name));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(savepointCommand("rollback to", name));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(savepointCommand("release", name));
  }

  #handOn(handle: Handle): void {
    if (!handle.holdsWriter) return;
    handle.holdsWriter = false;
    this.#writeLock.unlock();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // After the transactions already waiting for the writer (FIFO lock) have joined the batch.
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#writeLock.lock().then(() => {
        try {
          this.#commitBatch();
        } finally {
          this.#writeLock.unlock();
        }
      });
    });
  }

  /** COMMITs the open batch (caller holds the writer): its members' commits return, or throw. */
  #commitBatch(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    try {
      if (this.#sync?.fatal) throw this.#sync.fatal;
      this.#writer.get("commit").run();
    } catch (err) {
      this.#rollbackQuietly();
      for (const w of batch.waiters) w.reject(err);
      return;
    }
    if (this.#sync === null) {
      for (const w of batch.waiters) w.resolve();
      return;
    }
    this.#sync.whenDurable(this.#sync.committed()).then(
      () => {
        for (const w of batch.waiters) w.resolve();
      },
      (err: unknown) => {
        for (const w of batch.waiters) w.reject(err);
      },
    );
  }

  /** The batch is gone (rolled back by SQLite): its members' commits throw. */
  #failBatch(err: unknown): void {
    const batch = this.#batch;
    this.#batch = null;
    if (batch !== null) for (const w of batch.waiters) w.reject(err);
  }

  /** Rolls the whole batch back after an error the savepoint could not undo. */
  #abortBatch(err: unknown): void {
    this.#rollbackQuietly();
    this.#failBatch(err);
  }

  #rollbackQuietly(): void {
    try {
      if (this.#writer.db.inTransaction) this.#writer.get("rollback").run();
    } catch {
      /* the connection is already out of its transaction */
    }
  }

  async destroy(): Promise<void> {
    await this.#writeLock.lock();
    try {
      this.#commitBatch();
    } finally {
      this.#writeLock.unlock();
    }
    this.#endReadTurn();
    try {
      await this.#sync?.close();
    } finally {
      this.#reader.clear();
      this.#writer.clear();
      this.#reader.db.close();
      this.#writer.db.close();
    }
  }
}

/**
 * Makes the next transaction on `connection` one of its own (see the file's head). `connection` is
 * what Kysely's executor provides inside `db.connection().execute(...)`; on another driver
 * (PostgreSQL, where every transaction is its own already) this does nothing.
 */
export function soloNextTransaction(connection: DatabaseConnection): void {
  if (connection instanceof Handle) connection.soloNext = true;
}

function savepointCommand(command: string, name: string): CompiledQuery {
  // "tx" is the batch member's own savepoint.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name === "tx") {
    throw new RangeError(`invalid savepoint name "${name}"`);
  }
  return CompiledQuery.raw(`${command} ${name}`);
}
