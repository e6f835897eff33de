// Migration 0020 (requests in triage) on a database holding data: refund_requests.reason becomes
// nullable with CHECKs on status and reason, report_requests.reason nullable, the report trigger
// follows the reason. On SQLite both tables are rebuilt: the rows, the children's foreign keys,
// the named indexes and the report triggers must all come through. SQLite, and PostgreSQL with
// DATABASE_URL.

import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest, migrator } from "../../src/db/migrations/index.js";
import type { Database } from "../../src/db/schema.js";
import { clientRow, orderRow, requestRow, userRow } from "../support/db-rows.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

let t: TestDatabase;
let db: Kysely<Database>;
const order = { id: "ord_1", client_id: "cl_1" };
let requestsBefore: unknown[] = [];
let reportsBefore: unknown[] = [];
let indexesBefore: string[] = [];

async function indexNames(): Promise<string[]> {
  const rows =
    t.dialect === "postgres"
      ? await sql<{ name: string }>`select indexname as name from pg_indexes
          where schemaname = current_schema() and tablename in ('refund_requests', 'report_requests')`.execute(
          db,
        )
      : await sql<{ name: string }>`select name from sqlite_master where type = 'index'
          and tbl_name in ('refund_requests', 'report_requests') and sql is not null`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

const all = (table: "refund_requests" | "report_requests") =>
  db
    .selectFrom(table)
    .selectAll()
    .orderBy(table === "refund_requests" ? "id" : "request_id")
    .execute();

beforeAll(async () => {
  t = await freshDatabase({ migrate: false });
  db = t.db;
  const before = await (await migrator(db)).migrateTo("0019-inbound-mail");
  expect(before.error).toBeUndefined();

  await db
    .insertInto("clients")
    .values(clientRow({ id: "cl_1" }))
    .execute();
  await db
    .insertInto("orders")
    .values(orderRow("cl_1", { id: "ord_1" }))
    .execute();
  await db
    .insertInto("users")
    .values(userRow({ id: "usr_ann" }))
    .execute();
  await db
    .insertInto("refund_requests")
    .values([
      requestRow(order, { id: "req_a", status: "approved", recommendation_id: "rec_a" }),
      requestRow(order, { id: "req_b", reason: "mismatch", status: "info_requested" }),
    ])
    .execute();
  await db
    .insertInto("recommendations")
    .values({
      id: "rec_a",
      request_id: "req_a",
      policy_version: "test",
      outcome: "refund",
      amount_minor: "480000",
      amount_currency: "USD",
      decision_json: "{}",
      created_at: "2026-03-02T10:00:00.000Z",
    })
    .execute();
  // Children that name the requests (foreign keys that the SQLite rebuild must keep whole).
  await db
    .insertInto("messages")
    .values({
      id: "msg_1",
      request_id: "req_b",
      author_user_id: "usr_ann",
      kind: "question",
      body: "Which invoice?",
      created_at: "2026-03-02T11:00:00.000Z",
    })
    .execute();
  requestsBefore = await all("refund_requests");
  reportsBefore = await all("report_requests");
  indexesBefore = await indexNames();

  await migrateToLatest(db);
});
afterAll(() => t.close());

describe(`migration 0020, requests in triage (${process.env["DATABASE_URL"] ? "postgres" : "sqlite"})`, () => {
  it("keeps every row and index of both tables", async () => {
    expect(requestsBefore).toHaveLength(2);
    expect(await all("refund_requests")).toEqual(requestsBefore);
    expect(await all("report_requests")).toEqual(reportsBefore);
    expect(await indexNames()).toEqual(indexesBefore);
    if (t.dialect === "sqlite") {
      expect((await sql`pragma foreign_key_check`.execute(db)).rows).toEqual([]);
    }
  });

  it("keeps the children's foreign keys: no message for a missing request, no orphaning", async () => {
    await expect(
      db
        .insertInto("messages")
        .values({
          id: "msg_x",
          request_id: "req_missing",
          author_user_id: "usr_ann",
          kind: "note",
          body: "x",
          created_at: "2026-03-03T10:00:00.000Z",
        })
        .execute(),
    ).rejects.toThrow(/foreign key/i);
    await expect(
      db.deleteFrom("refund_requests").where("id", "=", "req_b").execute(),
    ).rejects.toThrow(/foreign key/i);
  });

  it("takes a request in triage without a reason, and the report rows follow it", async () => {
    await db
      .insertInto("refund_requests")
      .values(requestRow(order, { id: "req_t", reason: null, status: "triage" }))
      .execute();
    expect(
      await db
        .selectFrom("report_requests")
        .select(["reason", "status"])
        .where("request_id", "=", "req_t")
        .executeTakeFirst(),
    ).toEqual({ reason: null, status: "triage" });
    // QA classifies it: reason and status change together, and so does the report row.
    await db
      .updateTable("refund_requests")
      .set({ reason: "not_delivered", status: "submitted" })
      .where("id", "=", "req_t")
      .execute();
    expect(
      await db
        .selectFrom("report_requests")
        .select(["reason", "status"])
        .where("request_id", "=", "req_t")
        .executeTakeFirst(),
    ).toEqual({ reason: "not_delivered", status: "submitted" });
  });

  it("refuses a missing reason outside triage (and withdrawn), and an unknown status", async () => {
    await expect(
      db
        .insertInto("refund_requests")
        .values(requestRow(order, { id: "req_n", reason: null, status: "submitted" }))
        .execute(),
    ).rejects.toThrow(/check/i);
    await expect(
      db
        .insertInto("refund_requests")
        .values(requestRow(order, { id: "req_s", status: "sorting" }))
        .execute(),
    ).rejects.toThrow(/check/i);
    await db
      .insertInto("refund_requests")
      .values(requestRow(order, { id: "req_w", reason: null, status: "withdrawn" }))
      .execute();
  });
});
