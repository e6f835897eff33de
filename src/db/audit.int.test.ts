import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sql, type Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { appendAudit, auditHash, verifyAudit, type AuditInput } from "./audit.js";
import type { Database } from "./schema.js";

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const T0 = Date.parse("2026-02-16T09:30:00Z");

function event(i: number, actor = "usr_1"): AuditInput {
  return {
    actor,
    action: i % 2 === 0 ? "request.submitted" : "request.decided",
    entityType: "refund_request",
    entityId: `req_${i}`,
    summary: { to: "in_review", amount: { amount: "4800.00", currency: "USD" }, n: i, ok: true },
    ip: i % 3 === 0 ? null : "203.0.113.7",
    at: T0 + i * 1000,
  };
}

async function appendMany(db: Kysely<Database>, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await db.transaction().execute((trx) => appendAudit(trx, event(i)));
  }
}

/** Runs `tamper` with the append-only triggers off, as an attacker with DDL rights could. */
async function withoutGuards(test: TestDatabase, tamper: () => Promise<void>): Promise<void> {
  const db = test.db;
  if (test.dialect === "postgres") {
    await sql`alter table audit_events disable trigger user`.execute(db);
    try {
      await tamper();
    } finally {
      await sql`alter table audit_events enable trigger user`.execute(db);
    }
    return;
  }
  const triggers = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'audit_events'`.execute(
    db,
  );
  expect(triggers.rows).toHaveLength(2);
  for (const tr of triggers.rows) await sql`drop trigger ${sql.id(tr.name)}`.execute(db);
  try {
    await tamper();
  } finally {
    for (const tr of triggers.rows) await sql.raw(tr.sql).execute(db);
  }
}

describe("audit chain", () => {
  it("verifies 100 appended entries, numbered 1..100 and linked", async () => {
    t = await freshDatabase();
    expect(await verifyAudit(t.db)).toEqual({
      ok: true,
      count: 0,
      headHash: "0".repeat(64),
      erased: 0,
    });
    await appendMany(t.db, 100);
    const result = await verifyAudit(t.db);
    expect(result).toMatchObject({ ok: true, count: 100 });
    const rows = await t.db.selectFrom("audit_events").selectAll().orderBy("seq").execute();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(rows[0]?.prev_hash).toBe("0".repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
    expect(result.ok && result.headHash).toBe(rows[99]?.hash);
    // The summary is stored as canonical JSON: sorted keys, no whitespace.
    expect(rows[0]?.summary).toBe(
      '{"amount":{"amount":"4800.00","currency":"USD"},"n":1,"ok":true,"to":"in_review"}',
    );
    expect(rows[0]?.at).toBe("2026-02-16T09:30:01.000Z");
  });

  it("an append rolled back with its transaction leaves no trace and no gap", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 3);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await appendAudit(trx, event(4));
        throw new Error("use case failed");
      }),
    ).rejects.toThrow("use case failed");
    await t.db.transaction().execute((trx) => appendAudit(trx, event(5)));
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, count: 4 });
  });

  it("names the entry whose summary was changed", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 100);
    await withoutGuards(t, async () => {
      await t!.db
        .updateTable("audit_events")
        .set({ summary: '{"amount":{"amount":"48000.00","currency":"USD"}}' })
        .where("seq", "=", 37)
        .execute();
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 37, problem: "hash" });
  });

  it("names the entry whose hash was recomputed after a change (its successor no longer links)", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 100);
    await withoutGuards(t, async () => {
      await t!.db
        .updateTable("audit_events")
        .set({ actor: "someone_else" })
        .where("seq", "=", 37)
        .execute();
      const row = await t!.db
        .selectFrom("audit_events")
        .selectAll()
        .where("seq", "=", 37)
        .executeTakeFirstOrThrow();
      await t!.db
        .updateTable("audit_events")
        .set({ hash: auditHash(row) })
        .where("seq", "=", 37)
        .execute();
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 38, problem: "link" });
  });

  it("chain 2 (ADR 0028): changed personal fields, or fields removed without an erasure, are named", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 10);
    const row = await t.db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", "=", 4)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ chain: 2, ip: null, erased_by: null });
    expect(JSON.parse(row.personal!)).toMatchObject({ ip: "203.0.113.7" });
    await withoutGuards(t, async () => {
      await t!.db
        .updateTable("audit_events")
        .set({ personal: row.personal!.replace("203.0.113.7", "203.0.113.8") })
        .where("seq", "=", 4)
        .execute();
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 4, problem: "hash" });
    await withoutGuards(t, async () => {
      await t!.db
        .updateTable("audit_events")
        .set({ personal: null })
        .where("seq", "=", 4)
        .execute();
    });
    expect(await verifyAudit(t.db)).toMatchObject({
      ok: false,
      seq: 4,
      reason: "the personal fields were removed without an erasure",
    });
    // Marked erased by an entry that is no erasure: named too.
    await withoutGuards(t, async () => {
      await t!.db.updateTable("audit_events").set({ erased_by: 9 }).where("seq", "=", 4).execute();
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 4, problem: "hash" });
  });

  it("names a deleted entry", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 100);
    await withoutGuards(t, async () => {
      await t!.db.deleteFrom("audit_events").where("seq", "=", 50).execute();
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 50, problem: "missing" });
  });

  it("names the deleted entry's place even when the later ones were renumbered", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 100);
    await withoutGuards(t, async () => {
      await t!.db.deleteFrom("audit_events").where("seq", "=", 50).execute();
      for (let s = 51; s <= 100; s++) {
        await t!.db
          .updateTable("audit_events")
          .set({ seq: s - 1 })
          .where("seq", "=", s)
          .execute();
      }
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 50, problem: "link" });
  });

  it("names the first entry deleted from the start of the log", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 5);
    await withoutGuards(t, async () => {
      await t!.db.deleteFrom("audit_events").where("seq", "=", 1).execute();
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 1, problem: "missing" });
  });

  it.each([
    ["two distant entries", 20, 60],
    ["two neighbours", 20, 21],
  ])("names the first of %s whose whole rows were swapped", async (_name, a, b) => {
    t = await freshDatabase();
    await appendMany(t.db, 100);
    await swap(t, a, b, true);
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: a, problem: "link" });
  });

  it("names the first of two entries whose content (not hashes) was swapped", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 100);
    await swap(t, 20, 60, false);
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, seq: 20, problem: "hash" });
  });

  it("the database refuses UPDATE and DELETE on audit rows through the normal connection", async () => {
    t = await freshDatabase();
    await appendMany(t.db, 3);
    await expect(
      t.db.updateTable("audit_events").set({ actor: "x" }).where("seq", "=", 2).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom("audit_events").where("seq", "=", 3).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(t.db.deleteFrom("audit_events").execute()).rejects.toThrow(/append-only/);
    if (t.dialect === "postgres") {
      await expect(sql`truncate audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
    }
    // Also inside a transaction that did other work: the whole transaction fails.
    await expect(
      t.db.transaction().execute(async (trx) => {
        await appendAudit(trx, event(4));
        await trx.deleteFrom("audit_events").where("seq", "=", 1).execute();
      }),
    ).rejects.toThrow(/append-only/);
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, count: 3 });
  });

  it("concurrent appends on one handle keep the chain valid", async () => {
    t = await freshDatabase();
    const db = t.db;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction().execute((trx) => appendAudit(trx, event(i))),
      ),
    );
    expect(await verifyAudit(db)).toMatchObject({ ok: true, count: 40 });
  });

  it.runIf(process.env["DATABASE_URL"])(
    "concurrent appends from two pools keep the chain valid (advisory lock)",
    async () => {
      t = await freshDatabase();
      const other = await t.reopen();
      const appendFrom = (db: Kysely<Database>, actor: string) =>
        Array.from({ length: 40 }, (_, i) =>
          db.transaction().execute(async (trx) => {
            // Some work before the append, so transactions overlap for real.
            await trx.selectFrom("audit_events").select("seq").limit(1).execute();
            return appendAudit(trx, event(i, actor));
          }),
        );
      await Promise.all([...appendFrom(t.db, "a"), ...appendFrom(other.db, "b")]);
      expect(await verifyAudit(t.db)).toMatchObject({ ok: true, count: 80 });
    },
  );

  it("concurrent appends from separate processes keep the chain valid", async () => {
    t = await freshDatabase();
    const processes = 3;
    const each = 20;
    await Promise.all(
      Array.from({ length: processes }, (_, p) =>
        runChild(JSON.stringify(t!.options), `proc${p}`, each),
      ),
    );
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, count: processes * each });
    const byActor = await t.db
      .selectFrom("audit_events")
      .select(["actor", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("actor")
      .orderBy("actor")
      .execute();
    expect(byActor.map((r) => [r.actor, Number(r.n)])).toEqual([
      ["proc0", each],
      ["proc1", each],
      ["proc2", each],
    ]);
  }, 60_000);
});

/** Swaps two rows' columns (all but seq, or all but seq and the hashes). */
async function swap(test: TestDatabase, a: number, b: number, withHashes: boolean): Promise<void> {
  const db = test.db;
  const rows = await db.selectFrom("audit_events").selectAll().where("seq", "in", [a, b]).execute();
  const ra = rows.find((r) => r.seq === a);
  const rb = rows.find((r) => r.seq === b);
  if (ra === undefined || rb === undefined) throw new Error("rows to swap not found");
  const content = (r: typeof ra) => {
    const moved = Object.entries(r).filter(([column]) => column !== "seq");
    const fields = withHashes
      ? moved.map(([c, v]) => [c, c === "hash" ? `tmp-${String(v)}` : v])
      : moved.filter(([c]) => c !== "prev_hash" && c !== "hash");
    return Object.fromEntries(fields) as Partial<typeof ra>;
  };
  await withoutGuards(test, async () => {
    // Via a temporary hash first: `hash` is unique.
    await db.updateTable("audit_events").set(content(rb)).where("seq", "=", a).execute();
    await db.updateTable("audit_events").set(content(ra)).where("seq", "=", b).execute();
    if (withHashes) {
      await db.updateTable("audit_events").set({ hash: rb.hash }).where("seq", "=", a).execute();
      await db.updateTable("audit_events").set({ hash: ra.hash }).where("seq", "=", b).execute();
    }
  });
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function runChild(options: string, actor: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "./test/support/register-ts.js",
        "test/support/audit-append-child.ts",
        options,
        actor,
        String(count),
      ],
      { cwd: ROOT, stdio: ["ignore", "inherit", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${actor} exited ${code}: ${stderr}`)),
    );
  });
}
