// Migration 0021 (the audit hash loses its UNIQUE constraint) on a database holding an audit
// trail: every entry comes through unchanged and the chain still verifies; the trail stays
// append-only (UPDATE and DELETE refused, an erasure allowed); appends continue the chain; no
// index covers `hash` any more. On SQLite the table is rebuilt. SQLite, and PostgreSQL with
// DATABASE_URL.

import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, verifyAudit } from "../../src/db/audit.js";
import { migrateToLatest, migrator } from "../../src/db/migrations/index.js";
import type { Database } from "../../src/db/schema.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

let t: TestDatabase;
let db: Kysely<Database>;
let entriesBefore: unknown[] = [];

const entries = () => db.selectFrom("audit_events").selectAll().orderBy("seq").execute();

async function indexes(): Promise<{ name: string; def: string }[]> {
  const rows =
    t.dialect === "postgres"
      ? await sql<{ name: string; def: string }>`select indexname as name, indexdef as def
          from pg_indexes where schemaname = current_schema() and tablename = 'audit_events'`.execute(
          db,
        )
      : await sql<{ name: string; def: string }>`select name, coalesce(sql, '') as def
          from sqlite_master where type = 'index' and tbl_name = 'audit_events'`.execute(db);
  return rows.rows.sort((a, b) => a.name.localeCompare(b.name));
}

const append = (action: string, ip: string | null) =>
  db.transaction().execute((trx) =>
    appendAudit(trx, {
      actor: "usr_ann",
      action,
      entityType: "user",
      entityId: "usr_ann",
      summary: { step: action },
      ip,
      at: Date.parse("2026-03-02T10:00:00.000Z"),
      personal: { email: "ann@example.test" },
    }),
  );

beforeAll(async () => {
  t = await freshDatabase({ migrate: false });
  db = t.db;
  const before = await (await migrator(db)).migrateTo("0020-request-triage");
  expect(before.error).toBeUndefined();
  for (let i = 0; i < 5; i++) await append(`test.step${i}`, i % 2 === 0 ? "203.0.113.7" : null);
  entriesBefore = await entries();
  expect((await indexes()).some((i) => /\bunique\b/i.test(i.def) || i.def === "")).toBe(true);
  await migrateToLatest(db);
});
afterAll(() => t.close());

describe(`migration 0021, audit hash not unique (${process.env["DATABASE_URL"] ? "postgres" : "sqlite"})`, () => {
  it("keeps every entry, and the chain verifies", async () => {
    expect(entriesBefore).toHaveLength(5);
    expect(await entries()).toEqual(entriesBefore);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, count: 5 });
  });

  it("leaves no index on hash, and the other indexes as they were", async () => {
    const after = await indexes();
    // No index names the column; on SQLite no automatic (UNIQUE) index is left either.
    expect(after.filter((i) => /\bhash\b/i.test(i.def) || i.def === "")).toEqual([]);
    expect(after.map((i) => i.name)).toEqual(
      expect.arrayContaining(["audit_events_entity_idx", "audit_events_actor_idx"]),
    );
  });

  it("stays append-only: UPDATE and DELETE refused, an erasure of personal data allowed", async () => {
    await expect(
      db.updateTable("audit_events").set({ action: "forged" }).where("seq", "=", 2).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom("audit_events").where("seq", "=", 1).execute()).rejects.toThrow(
      /append-only/,
    );
    // An erasure names the later `privacy.erased` entry that records it (ADR 0028).
    const erasure = await append("privacy.erased", null);
    expect(erasure.seq).toBe(6);
    await db
      .updateTable("audit_events")
      .set({ personal: null, erased_by: erasure.seq })
      .where("seq", "=", 1)
      .execute();
    expect(await verifyAudit(db)).toMatchObject({ ok: true, count: 6, erased: 1 });
  });

  it("appends continue the chain", async () => {
    const next = await append("test.after", null);
    expect(next.seq).toBe(7);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, count: 7 });
  });
});
