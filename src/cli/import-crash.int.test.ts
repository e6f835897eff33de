// `refund-desk import` killed half-way (issue 18): the process is killed with SIGKILL while it
// writes (pass 2, inside its one transaction), and nothing of the file is in the database
// afterwards; the same import run again then writes every row once. "While it writes" is seen
// from outside, without hooks in the product: on SQLite the write-ahead log grows by far more
// than start-up writes (the migrator's lock row) once pass 2's inserts spill out of the page cache; on PostgreSQL the import's connection holds a row-exclusive lock on the orders table.

import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQLITE_FILE } from "../db/connection.js";
import { tempDir, writeTemp } from "../../test/support/cli.js";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { clientRow } from "../../test/support/db-rows.js";
import { ensureDist, ROOT } from "../../test/support/dist.js";

const ROWS = 20_000;
const HEADER =
  "id,clientId,service.name,service.category,service.billing,price.amount,price.currency," +
  "placedAt,promisedStartBy,promisedDeliveryBy,startedAt,deliveredAt," +
  "subscription.periodStart,subscription.periodEnd,subscription.chargeRef";

describe("an import killed while it writes", () => {
  let db: TestDatabase;
  let file: string;

  beforeAll(async () => {
    ensureDist();
    db = await freshDatabase();
    await db.db
      .insertInto("clients")
      .values(clientRow({ id: "CL-K" }))
      .execute();
    const lines = Array.from(
      { length: ROWS },
      (_, i) => `KILL-${i},CL-K,Audit,audit,one_off,10.00,USD,2026-02-01T10:00:00Z,,,,,,,`,
    );
    file = writeTemp(tempDir(), "orders.csv", `${HEADER}\n${lines.join("\n")}\n`);
  }, 120_000);
  afterAll(() => db?.close());

  const env = (): NodeJS.ProcessEnv => {
    const o = db.options;
    return "databaseUrl" in o && o.databaseUrl !== undefined
      ? { ...process.env, DATABASE_URL: o.databaseUrl, DATABASE_SCHEMA: o.schema ?? "" }
      : { ...process.env, DATABASE_URL: "", DATA_DIR: (o as { dataDir: string }).dataDir };
  };

  const startImport = (): ChildProcess =>
    spawn(
      process.execPath,
      [join(ROOT, "dist", "src", "cli", "main.js"), "import", "orders", file],
      {
        cwd: ROOT,
        env: env(),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );

  /** True once the import has begun writing (see the file's comment). */
  const writing = async (walStart: number): Promise<boolean> => {
    const o = db.options;
    if ("dataDir" in o && o.dataDir !== undefined) {
      try {
        return statSync(join(o.dataDir, `${SQLITE_FILE}-wal`)).size > walStart + 256 * 1024;
      } catch {
        return false;
      }
    }
    const schema = (o as { schema?: string }).schema ?? "public";
    const r = await sql<{ n: string }>`
      select count(*) as n from pg_locks l
      join pg_class c on c.oid = l.relation
      join pg_namespace s on s.oid = c.relnamespace
      where c.relname = 'orders' and s.nspname = ${schema} and l.mode = 'RowExclusiveLock'
        and l.pid <> pg_backend_pid()`.execute(db.db);
    return Number(r.rows[0]?.n ?? 0) > 0;
  };

  const orders = async () =>
    Number(
      (
        await db.db
          .selectFrom("orders")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("id", "like", "KILL-%")
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("leaves nothing written, and a second run writes every row once", async () => {
    const o = db.options;
    const walStart =
      "dataDir" in o && o.dataDir !== undefined
        ? (() => {
            try {
              return statSync(join(o.dataDir, `${SQLITE_FILE}-wal`)).size;
            } catch {
              return 0;
            }
          })()
        : 0;
    const child = startImport();
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    let killed = false;
    const deadline = Date.now() + 120_000;
    while (!killed && Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await writing(walStart)) {
        child.kill("SIGKILL");
        killed = true;
      } else {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const end = await exited;
    expect(killed, "the import never began writing (or finished first)").toBe(true);
    expect(end.signal).toBe("SIGKILL");
    expect(await orders()).toBe(0);
    const audit = await db.db
      .selectFrom("audit_events")
      .select("entity_id")
      .where("entity_id", "like", "KILL-%")
      .execute();
    expect(audit).toEqual([]);

    const again = startImport();
    const done = await new Promise<number | null>((resolve) => again.on("exit", resolve));
    expect(done).toBe(0);
    expect(await orders()).toBe(ROWS);
  }, 300_000);
});
