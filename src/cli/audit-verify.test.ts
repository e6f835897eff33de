import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendAudit } from "../db/audit.js";
import { openDatabase, type OpenedDatabase } from "../db/connection.js";
import { migrateToLatest } from "../db/migrations/index.js";
import { runCli } from "./program.js";

// `refund-desk audit verify` on the embedded database named by DATA_DIR: it names the first entry
// that was altered, deleted or moved. (The chain itself is tested on both databases in src/db.)

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await runCli(argv, { stdin: new PassThrough(), stdout, stderr, exit: () => {} });
  return { code, out, err };
}

let dir = "";
let opened: OpenedDatabase;
const saved = { dataDir: process.env["DATA_DIR"], url: process.env["DATABASE_URL"] };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rd-audit-cli-"));
  process.env["DATA_DIR"] = dir;
  delete process.env["DATABASE_URL"];
  opened = await openDatabase({ dataDir: dir });
  await migrateToLatest(opened.db);
  for (let i = 1; i <= 10; i++) {
    await opened.db.transaction().execute((trx) =>
      appendAudit(trx, {
        actor: "user:usr_1",
        action: "request.approve",
        entityType: "refund_request",
        entityId: `req_${i}`,
        summary: { from: "in_review", to: "approved", n: i },
        ip: "203.0.113.7",
        at: Date.parse("2026-03-01T00:00:00Z") + i * 1000,
      }),
    );
  }
  await opened.close();
});

afterEach(async () => {
  if (saved.dataDir === undefined) delete process.env["DATA_DIR"];
  else process.env["DATA_DIR"] = saved.dataDir;
  if (saved.url !== undefined) process.env["DATABASE_URL"] = saved.url;
  await rm(dir, { recursive: true, force: true });
});

/** Changes the rows as someone with direct database access could (triggers dropped). */
async function tamper(change: (db: OpenedDatabase["db"]) => Promise<void>): Promise<void> {
  const o = await openDatabase({ dataDir: dir });
  await sql`drop trigger if exists audit_events_no_update`.execute(o.db);
  await sql`drop trigger if exists audit_events_no_delete`.execute(o.db);
  const left = await sql<{ name: string }>`
    select name from sqlite_master where type = 'trigger' and tbl_name = 'audit_events'`.execute(
    o.db,
  );
  for (const t of left.rows) await sql`drop trigger ${sql.id(t.name)}`.execute(o.db);
  await change(o.db);
  await o.close();
}

describe("refund-desk audit verify", () => {
  it("reports an intact chain with exit 0", async () => {
    const r = await run(["audit", "verify"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^audit trail intact: 10 entries, head [0-9a-f]{64}\n$/);
  });

  it("names a tampered entry", async () => {
    await tamper(async (db) => {
      await db
        .updateTable("audit_events")
        .set({ summary: '{"from":"in_review","n":4,"to":"denied"}' })
        .where("seq", "=", 4)
        .execute();
    });
    const r = await run(["audit", "verify"]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/broken at entry 4 /);
  });

  it("names the entry after a deleted one", async () => {
    await tamper(async (db) => {
      await db.deleteFrom("audit_events").where("seq", "=", 6).execute();
    });
    const r = await run(["audit", "verify"]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/broken at entry (6|7) /);
  });

  it("names the first of two reordered entries", async () => {
    await tamper(async (db) => {
      // Entries 2 and 3 trade places.
      await db.updateTable("audit_events").set({ seq: 1000 }).where("seq", "=", 2).execute();
      await db.updateTable("audit_events").set({ seq: 2 }).where("seq", "=", 3).execute();
      await db.updateTable("audit_events").set({ seq: 3 }).where("seq", "=", 1000).execute();
    });
    const r = await run(["audit", "verify"]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/broken at entry 2 /);
  });

  it("fails with one line, no stack, when the database cannot be opened", async () => {
    process.env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none";
    const r = await run(["audit", "verify"]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
