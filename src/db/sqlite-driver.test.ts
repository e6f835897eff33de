// The SQLite group-commit driver (ADR 0011): transactions share one COMMIT, each caller's commit
// returns only after it, a failed member undoes only its own writes, and reads outside a
// transaction never see writes that are not committed yet.

import { fdatasync, fstatSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { sql, type Generated, type Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  openDatabase,
  SQLITE_FILE,
  transactionOfItsOwn,
  type OpenedDatabase,
} from "./connection.js";
import type { Database } from "./schema.js";
import type { SyncFile } from "./wal-sync.js";

let dir: string;
let opened: OpenedDatabase;
// A scratch table outside the app's schema.
let db: Kysely<{ t: { id: Generated<number>; v: string } }>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "refund-desk-driver-"));
  opened = await openDatabase({ dataDir: dir });
  db = opened.db as unknown as Kysely<{ t: { id: Generated<number>; v: string } }>;
  await sql`create table t (id integer primary key, v text not null unique)`.execute(db);
});

afterEach(async () => {
  await opened.close();
  await rm(dir, { recursive: true, force: true });
});

const insert = (v: string) =>
  db.transaction().execute((trx) => trx.insertInto("t").values({ v }).execute());

async function values(): Promise<string[]> {
  const rows = await db.selectFrom("t").select("v").orderBy("id").execute();
  return rows.map((r) => r.v);
}

/**
 * Lets the event loop run `n` full turns (setImmediate): the driver batches commits and read
 * snapshots per turn, so whatever could happen by itself has happened after a few. Counts turns,
 * not milliseconds: a check that something has NOT happened yet does not depend on the machine.
 */
async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe("group commit", () => {
  it("commits concurrent transactions, each exactly once", async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => insert(`v${i}`)));
    expect((await values()).sort()).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`).sort());
  });

  it("answers a commit only once it is durable, and reads see only committed rows", async () => {
    const held = gate();
    const entered = gate();
    let aDone = false;
    const a = insert("a").then(() => (aDone = true));
    // B takes the writer after A released its savepoint, and keeps it: the batch cannot commit.
    const b = db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ v: "b" }).execute();
      entered.open();
      await held.wait;
    });
    await entered.wait;
    await turns();
    expect(aDone).toBe(false); // A's writes are not committed yet, so A is not answered
    expect(await values()).toEqual([]); // and nobody outside the batch sees them
    held.open();
    await Promise.all([a, b]);
    expect(await values()).toEqual(["a", "b"]);
  });

  it("rolls back a failed member only, and keeps the others of its batch", async () => {
    const results = await Promise.allSettled([
      insert("x"),
      db.transaction().execute(async (trx) => {
        await trx.insertInto("t").values({ v: "y" }).execute();
        await trx.insertInto("t").values({ v: "x" }).execute(); // unique violation
      }),
      insert("z"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await values()).toEqual(["x", "z"]);
  });

  it("shares one read snapshot per event-loop turn, and the next turn sees later commits", async () => {
    await insert("a");
    const other = new SqliteDatabase(join(dir, SQLITE_FILE)); // another process, say
    try {
      expect(await values()).toEqual(["a"]); // opens this turn's snapshot
      other.prepare("insert into t (v) values ('b')").run(); // commits within the same turn
      expect(await values()).toEqual(["a"]); // same turn: the same snapshot
      await new Promise((resolve) => setImmediate(resolve));
      expect(await values()).toEqual(["a", "b"]); // a new turn, a new snapshot
    } finally {
      other.close();
    }
  });

  it("builds rows exactly as better-sqlite3 would, across schema changes by another connection", async () => {
    await insert("a");
    const other = new SqliteDatabase(join(dir, SQLITE_FILE));
    try {
      const same = (text: string) => other.prepare(text).all();
      // A later column of the same name wins, as in better-sqlite3's own row objects.
      const dup = "select t.v, t.id, 'x' as v, null as n, 1.5 as f, x'00ff' as b from t";
      expect((await sql.raw(dup).execute(db)).rows).toEqual(same(dup));
      // Names that need quoting in the row builder's object literal come out as they are.
      const odd = `select 1 as "it's", 2 as "a""b", 3 as "x\\y", 4 as "}; throw 1; //", 5 as "0"`;
      const [oddRow] = (await sql.raw(odd).execute(db)).rows as Record<string, unknown>[];
      expect(oddRow).toEqual(same(odd)[0]);
      expect(Object.keys(oddRow ?? {})).toEqual(Object.keys(same(odd)[0] as object));
      const star = "select * from t";
      expect((await sql.raw(star).execute(db)).rows).toEqual([{ id: 1, v: "a" }]);
      // Another process adds a column: the cached `select *` returns it under its name.
      other.exec("alter table t add column extra text default 'e'");
      await new Promise((resolve) => setImmediate(resolve)); // a new read snapshot
      expect((await sql.raw(star).execute(db)).rows).toEqual([{ id: 1, v: "a", extra: "e" }]);
      // Even a column named __proto__ comes out as better-sqlite3 makes it (no own property).
      const proto = `select 1 as "__proto__", 2 as y`;
      const [row] = (await sql.raw(proto).execute(db)).rows as Record<string, unknown>[];
      expect(Object.getOwnPropertyNames(row)).toEqual(Object.getOwnPropertyNames(same(proto)[0]));
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      // Duplicate names keep the first one's place and the last one's value.
      const order = "select 1 as a, 2 as b, 3 as a";
      const [ordered] = (await sql.raw(order).execute(db)).rows as Record<string, unknown>[];
      expect(Object.entries(ordered ?? {})).toEqual(Object.entries(same(order)[0] as object));
    } finally {
      other.close();
    }
  });

  it("commits the open batch before a write outside a transaction", async () => {
    const a = insert("a");
    await sql`insert into t (v) values ('solo')`.execute(db);
    await a;
    expect(await values()).toEqual(["a", "solo"]);
  });

  it("fails every member when the batch's COMMIT fails", async () => {
    // A deferred foreign key is only checked at COMMIT: the whole batch is refused there.
    await sql`create table parent (id integer primary key)`.execute(db);
    await sql`create table child (id integer primary key, parent_id integer references parent (id) deferrable initially deferred)`.execute(
      db,
    );
    const raw = opened.db as unknown as Kysely<Database>;
    const results = await Promise.allSettled([
      insert("p"),
      raw
        .transaction()
        .execute((trx) => sql`insert into child (parent_id) values (42)`.execute(trx)),
      insert("q"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(await values()).toEqual([]);
    // The writer is usable again.
    await insert("after");
    expect(await values()).toEqual(["after"]);
  });
});

describe("background checkpoints", () => {
  it("copies committed pages into the database file from the worker", async () => {
    const other = await mkdtemp(join(tmpdir(), "refund-desk-checkpoint-"));
    let copied = 0;
    let grown: () => void = () => {};
    const bg = await openDatabase({
      dataDir: other,
      backgroundCheckpoints: true,
      onCheckpoint: (pages) => {
        copied += pages;
        grown();
      },
    });
    try {
      const k = bg.db as unknown as Kysely<{ t: { id: Generated<number>; v: string } }>;
      await sql`create table t (id integer primary key, v text not null)`.execute(k);
      const file = join(other, SQLITE_FILE);
      const before = statSync(file).size;
      const big = () => statSync(file).size >= before + 100_000;
      const checkpointed = new Promise<void>((resolve) => {
        grown = () => big() && resolve();
      });
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          k.transaction().execute((trx) =>
            trx
              .insertInto("t")
              .values({ v: `${i}`.repeat(200) })
              .execute(),
          ),
        ),
      );
      // The writer's own checkpoint waits for 10,000 pages: only the worker grows the file now.
      // Wait for the worker to say it checkpointed (if it already has, the size shows it).
      if (!big()) await checkpointed;
      expect(copied).toBeGreaterThan(0);
      expect(statSync(file).size).toBeGreaterThan(before + 100_000);
      const n = await sql<{ n: number }>`select count(*) as n from t`.execute(k);
      expect(n.rows[0]?.n).toBe(500);
    } finally {
      await bg.close();
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe("durable commits off the event loop (ADR 0016)", () => {
  type Done = Parameters<SyncFile>[1];
  interface Held {
    fd: number;
    done: Done;
  }
  let held: Held[];
  let syncAsked: () => void;
  let heldDir: string;
  let heldDb: OpenedDatabase;
  let k: Kysely<{ t: { id: Generated<number>; v: string } }>;

  beforeEach(async () => {
    held = [];
    syncAsked = () => {};
    heldDir = await mkdtemp(join(tmpdir(), "refund-desk-walsync-"));
    // Every sync of the WAL waits until the test lets it finish (or fail).
    heldDb = await openDatabase({
      dataDir: heldDir,
      syncFile: (fd, done) => {
        held.push({ fd, done });
        syncAsked();
      },
    });
    k = heldDb.db as unknown as typeof k;
    const create = sql`create table t (id integer primary key, v text not null unique)`.execute(k);
    await syncsWaiting(1);
    finishSyncs();
    await create;
  });

  afterEach(async () => {
    const closing = heldDb.close();
    finishSyncs();
    await closing.catch(() => undefined);
    await rm(heldDir, { recursive: true, force: true });
  });

  function finishSyncs(err: NodeJS.ErrnoException | null = null): void {
    for (const h of held.splice(0)) h.done(err);
  }

  /** Resolves once `n` syncs are waiting (an event of the injected syncFile, no polling). */
  function syncsWaiting(n = 1): Promise<void> {
    if (held.length >= n) return Promise.resolve();
    return new Promise((resolve) => {
      syncAsked = () => {
        if (held.length >= n) resolve();
      };
    });
  }

  const put = (v: string) =>
    k.transaction().execute((trx) => trx.insertInto("t").values({ v }).execute());
  const rows = async () =>
    (await k.selectFrom("t").select("v").orderBy("id").execute()).map((r) => r.v);

  it("syncs the WAL file itself and answers a commit only after that sync", async () => {
    let done = false;
    const a = put("a").then(() => (done = true));
    await syncsWaiting(1);
    // The descriptor synced is the database's WAL file.
    expect(fstatSync(held[0]!.fd).ino).toBe(statSync(join(heldDir, `${SQLITE_FILE}-wal`)).ino);
    await turns();
    expect(done).toBe(false);
    finishSyncs();
    await a;
    expect(done).toBe(true);
  });

  it("does not let reads see a commit before it is synced", async () => {
    const a = put("a");
    await syncsWaiting(1);
    let seen: string[] | null = null;
    const read = rows().then((r) => (seen = r));
    await turns();
    expect(seen).toBeNull(); // committed in SQLite, not yet on disk: the read waits
    finishSyncs();
    await Promise.all([a, read]);
    expect(seen).toEqual(["a"]);
  });

  it("covers commits made during a sync with the next sync, one sync for many", async () => {
    const a = put("a");
    await syncsWaiting(1);
    const more = Array.from({ length: 20 }, (_, i) => put(`m${i}`));
    await turns();
    expect(held).toHaveLength(1); // the next sync waits for the running one
    let moreDone = false;
    const all = Promise.all(more).then(() => (moreDone = true));
    finishSyncs();
    await a;
    await syncsWaiting(1); // one sync for the twenty commits made meanwhile
    expect(moreDone).toBe(false);
    finishSyncs();
    await all;
    expect(await rows()).toHaveLength(21);
  });

  it("waits for the sync of a write outside a transaction too", async () => {
    let done = false;
    const w = sql`insert into t (v) values ('solo')`.execute(k).then(() => (done = true));
    await syncsWaiting(1);
    await turns();
    expect(done).toBe(false);
    finishSyncs();
    await w;
    expect(await rows()).toEqual(["solo"]);
  });

  it("refuses the commits of a failed sync and everything after it", async () => {
    const a = put("a");
    await syncsWaiting(1);
    const eio = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    finishSyncs(eio);
    await expect(a).rejects.toThrow(/syncing the SQLite WAL failed; restart the process: EIO/);
    await expect(put("b")).rejects.toThrow(/restart the process/);
    await expect(sql`insert into t (v) values ('c')`.execute(k)).rejects.toThrow(/restart/);
    await expect(rows()).rejects.toThrow(/restart the process/);
  });
});

describe("durable commits with the real fdatasync", () => {
  it("syncs the WAL through fs.fdatasync by default", async () => {
    const other = await mkdtemp(join(tmpdir(), "refund-desk-walsync-real-"));
    const synced: number[] = [];
    const real = await openDatabase({
      dataDir: other,
      syncFile: (fd, done) => {
        synced.push(fstatSync(fd).ino);
        fdatasync(fd, done);
      },
    });
    try {
      const k = real.db as unknown as Kysely<{ t: { id: Generated<number>; v: string } }>;
      await sql`create table t (id integer primary key, v text not null)`.execute(k);
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          k.transaction().execute((trx) =>
            trx
              .insertInto("t")
              .values({ v: `${i}` })
              .execute(),
          ),
        ),
      );
      const wal = statSync(join(other, `${SQLITE_FILE}-wal`)).ino;
      expect(synced.length).toBeGreaterThan(0);
      expect(synced.every((ino) => ino === wal)).toBe(true);
      const n = await sql<{ n: number }>`select count(*) as n from t`.execute(k);
      expect(n.rows[0]?.n).toBe(50);
    } finally {
      await real.close();
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe("a transaction of its own (bulk imports, ADR 0030)", () => {
  const solo = (fn: (trx: Kysely<{ t: { id: Generated<number>; v: string } }>) => Promise<void>) =>
    transactionOfItsOwn(opened.db, (trx) => fn(trx as never));

  it("commits the open batch first, holds no savepoint, and others of the process wait for it", async () => {
    const held = gate();
    const entered = gate();
    const a = insert("a");
    const big = solo(async (trx) => {
      // A plain transaction: SQLite refuses RELEASE of the driver's batch savepoint here.
      await expect(sql`release tx`.execute(trx)).rejects.toThrow(/no such savepoint/);
      for (let i = 0; i < 100; i++)
        await trx
          .insertInto("t")
          .values({ v: `s${i}` })
          .execute();
      entered.open();
      await held.wait;
    });
    await a; // committed before the solo transaction began
    await entered.wait;
    let cDone = false;
    const c = insert("c").then(() => (cDone = true));
    await turns();
    expect(cDone).toBe(false); // waits for the writer
    expect(await values()).toEqual(["a"]); // the solo transaction's rows are not committed yet
    held.open();
    await Promise.all([big, c]);
    const all = await values();
    expect(all.length).toBe(102);
    expect(all[0]).toBe("a");
    expect(all.at(-1)).toBe("c");
  });

  it("rolls back all of itself when it fails, and the writer goes on", async () => {
    await expect(
      solo(async (trx) => {
        await trx.insertInto("t").values({ v: "x" }).execute();
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await insert("y");
    expect(await values()).toEqual(["y"]);
  });
});

describe("page cache", () => {
  it("is the driver's 16 MiB by default, and what sqliteCacheKib asks on both connections", async () => {
    const cacheSize = async (k: Kysely<Database>) => {
      const read = await sql<{ cache_size: number }>`pragma cache_size`.execute(k);
      let written: number | undefined;
      await transactionOfItsOwn(k, async (trx) => {
        written = (await sql<{ cache_size: number }>`pragma cache_size`.execute(trx)).rows[0]
          ?.cache_size;
      });
      return [read.rows[0]?.cache_size, written];
    };
    expect(await cacheSize(opened.db)).toEqual([-16000, -16000]);
    const small = await openDatabase({ dataDir: dir, sqliteCacheKib: 4096 });
    try {
      expect(await cacheSize(small.db)).toEqual([-4096, -4096]);
    } finally {
      await small.close();
    }
    await expect(openDatabase({ dataDir: dir, sqliteCacheKib: 0 })).rejects.toThrow(RangeError);
  });
});
