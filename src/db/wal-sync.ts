// Durable commits without blocking the event loop (ADR 0016).
//
// With synchronous=FULL, SQLite fsyncs the WAL inside every COMMIT, on the thread that commits:
// with better-sqlite3 that is the event loop, which then waits for the disk and serves nobody.
// Instead the writer runs synchronous=NORMAL (in WAL mode: no sync at COMMIT, the WAL is still
// synced before every checkpoint) and this class syncs the WAL file itself, in libuv's thread
// pool, before any commit is reported to its caller. The WAL is append-only between checkpoints,
// so one fdatasync covers every commit written before it started: commits are numbered, and a
// commit is durable once a sync that started after it has finished. While one sync runs, the
// commits made meanwhile wait for the next, which starts as soon as the first ends (group commit
// at the disk, on top of the driver's group commit in SQLite).
//
// A failed sync is fatal for the connection, as in PostgreSQL: after an fsync error the kernel may
// have dropped the dirty pages, so a later successful sync proves nothing. Every commit waiting
// and every later one is refused with the error; the process must be restarted.

import { closeSync, fdatasync, fsyncSync, openSync } from "node:fs";
import { dirname } from "node:path";

/** Syncs a file descriptor's data, calling back once done (`fs.fdatasync` by default). */
export type SyncFile = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

interface Waiter {
  readonly seq: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class WalSync {
  #fd: number | null = null;
  /** Commits made so far (the sequence number of the last one). */
  #committed = 0;
  /** Commits covered by a finished sync. */
  #durable = 0;
  #syncing = false;
  #waiters: Waiter[] = [];
  #fatal: Error | null = null;

  constructor(
    /** The database's WAL file (`<database>-wal`). */
    readonly walFile: string,
    private readonly syncFile: SyncFile = fdatasync,
  ) {}

  /** Records one commit (call right after SQLite's COMMIT returned); returns its number. */
  committed(): number {
    return ++this.#committed;
  }

  /** True while some commit is not yet covered by a finished sync. */
  get pending(): boolean {
    return this.#durable < this.#committed;
  }

  /** The error that made the connection unusable, if a sync failed. */
  get fatal(): Error | null {
    return this.#fatal;
  }

  /** Resolves once commit `seq` (default: every commit so far) is on disk. */
  whenDurable(seq: number = this.#committed): Promise<void> {
    if (this.#fatal !== null) return Promise.reject(this.#fatal);
    if (seq <= this.#durable) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq, resolve, reject });
      this.#start();
    });
  }

  #start(): void {
    if (this.#syncing || this.#fatal !== null) return;
    let fd: number;
    try {
      fd = this.#open();
    } catch (err) {
      this.#fail(err);
      return;
    }
    this.#syncing = true;
    const target = this.#committed;
    this.syncFile(fd, (err) => {
      this.#syncing = false;
      if (err) {
        this.#fail(err);
        return;
      }
      this.#durable = target;
      const waiting = this.#waiters;
      this.#waiters = [];
      for (const w of waiting) {
        if (w.seq <= target) w.resolve();
        else this.#waiters.push(w);
      }
      if (this.#waiters.length > 0) this.#start();
    });
  }

  /** The WAL's descriptor, opened on first use; the directory entry is synced once then. */
  #open(): number {
    if (this.#fd !== null) return this.#fd;
    // SQLite created the file when the writer switched to WAL; "r+" never creates it.
    const fd = openSync(this.walFile, "r+");
    try {
      syncDirectory(dirname(this.walFile));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.#fd = fd;
    return fd;
  }

  #fail(err: unknown): void {
    const cause = err instanceof Error ? err : new Error(String(err));
    this.#fatal = new Error(
      `syncing the SQLite WAL failed; restart the process: ${cause.message}`,
      {
        cause,
      },
    );
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) w.reject(this.#fatal);
  }

  /** Waits for every commit so far, then closes the descriptor. */
  async close(): Promise<void> {
    try {
      if (this.pending) await this.whenDurable();
    } finally {
      if (this.#fd !== null) closeSync(this.#fd);
      this.#fd = null;
    }
  }
}

/** Makes a new file's directory entry durable (Linux and macOS; Windows cannot open a directory). */
function syncDirectory(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
