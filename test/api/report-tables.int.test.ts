// The reports' own tables (report_requests, report_decisions: migration 0009) are derived data kept
// by triggers. Here they are compared, row for row, with the same facts read the long way (joins
// over the source tables): after the migration copies rows written before it, and after writes
// in every order the application makes them (a request naming its recommendation before that row
// exists and after, a re-evaluation, status changes, first and later decisions). SQLite, and
// PostgreSQL with DATABASE_URL.

import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest, migrator } from "../../src/db/migrations/index.js";
import type { Database } from "../../src/db/schema.js";
import { clientRow, orderRow, requestRow, userRow } from "../support/db-rows.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

let t: TestDatabase;
let db: Kysely<Database>;
const order = { id: "ord_1", client_id: "cl_1" };

async function recommendation(id: string, requestId: string, outcome: string, amount?: string) {
  await db
    .insertInto("recommendations")
    .values({
      id,
      request_id: requestId,
      policy_version: "test",
      outcome,
      amount_minor: amount ?? null,
      amount_currency: amount === undefined ? null : "USD",
      decision_json: "{}",
      created_at: "2026-03-02T10:00:00.000Z",
    })
    .execute();
}

async function decision(
  id: string,
  requestId: string,
  recommendationId: string | null,
  kind: "approve" | "deny" | "offer_alternative",
  at: string,
  amount?: string,
) {
  await db
    .insertInto("decisions")
    .values({
      id,
      request_id: requestId,
      recommendation_id: recommendationId,
      decided_by: "usr_ann",
      kind,
      amount_minor: amount ?? null,
      amount_currency: amount === undefined ? null : "USD",
      justification: null,
      alternative: null,
      created_at: at,
    })
    .execute();
}

/** The request facts read the long way, from the source tables. */
async function requestTruth() {
  const r = await sql<Record<string, unknown>>`
    select r.id as request_id, r.submitted_at, r.reason, r.status,
      coalesce(c.outcome, 'none') as recommended_outcome, r.waiting_since
    from refund_requests r left join recommendations c on c.id = r.recommendation_id
    order by r.id`.execute(db);
  return r.rows;
}
async function requestRollup() {
  return db.selectFrom("report_requests").selectAll().orderBy("request_id").execute();
}

/** The decision facts read the long way: followed as `followsRecommendation` says, first by time. */
async function decisionTruth() {
  const r = await sql<Record<string, unknown>>`
    select d.id as decision_id, d.request_id, d.created_at, d.decided_by, d.kind, r.reason,
      case when (d.kind = 'deny' and c.outcome = 'deny') or (d.kind = 'approve'
        and c.outcome = 'refund' and d.amount_minor = c.amount_minor) then 'followed'
        when c.outcome in ('refund', 'deny') then 'against' else 'unguided' end as verdict,
      case when d.created_at = (select min(e.created_at) from decisions e
        where e.request_id = d.request_id) then 1 else 0 end as is_first,
      case when d.decided_by = 'usr_system' then 1 else 0 end as automatic,
      r.submitted_at
    from decisions d join refund_requests r on r.id = d.request_id
    left join recommendations c on c.id = d.recommendation_id
    order by d.id`.execute(db);
  return r.rows.map(({ submitted_at, ...row }) => ({
    ...row,
    is_first: Number(row["is_first"]),
    automatic: Number(row["automatic"]),
    took_ms: Date.parse(String(row["created_at"])) - Date.parse(String(submitted_at)),
  }));
}
async function decisionRollup() {
  const rows = await db.selectFrom("report_decisions").selectAll().orderBy("decision_id").execute();
  return rows.map((r) => ({
    ...r,
    is_first: Number(r.is_first),
    automatic: Number(r.automatic),
    took_ms: Number(r.took_ms),
  }));
}

beforeAll(async () => {
  t = await freshDatabase({ migrate: false });
  db = t.db;
  // The schema as it was before the reports.
  const before = await (await migrator(db)).migrateTo("0008-people");
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
  // Written before migration 0009: a decided request (its first decision a denial, then an
  // approval after an appeal), one without a recommendation, one waiting on the client.
  await db
    .insertInto("refund_requests")
    .values([
      requestRow(order, {
        id: "req_a",
        status: "approved",
        recommendation_id: "rec_a",
        submitted_at: "2026-03-01T10:00:00.000Z",
      }),
      requestRow(order, { id: "req_b", reason: "mismatch", status: "submitted" }),
      requestRow(order, {
        id: "req_c",
        status: "info_requested",
        recommendation_id: "rec_c",
        waiting_since: "2026-03-03T10:00:00.000Z",
      }),
    ])
    .execute();
  await recommendation("rec_a", "req_a", "refund", "480000");
  await recommendation("rec_c", "req_c", "review");
  await decision("dec_a1", "req_a", "rec_a", "deny", "2026-03-02T10:00:00.000Z");
  await decision("dec_a2", "req_a", "rec_a", "approve", "2026-03-04T10:00:00.000Z", "480000");

  await migrateToLatest(db);
});
afterAll(() => t.close());

describe("the reports' tables", () => {
  it("hold the rows written before the migration", async () => {
    expect(await requestRollup()).toEqual(await requestTruth());
    expect(await decisionTruth()).toHaveLength(2);
    expect(await decisionRollup()).toEqual(await decisionTruth());
    const a2 = (await decisionRollup()).find((d) => d.decision_id === "dec_a2");
    expect(a2).toMatchObject({ verdict: "followed", is_first: 0, automatic: 0 });
    // Submitted 1 March 10:00, approved 4 March 10:00.
    expect(a2?.took_ms).toBe(3 * 86_400_000);
  });

  it("follow every later write, in either order", async () => {
    // A request naming its recommendation before that row exists (as intake writes them).
    await db
      .insertInto("refund_requests")
      .values(requestRow(order, { id: "req_d", recommendation_id: "rec_d1" }))
      .execute();
    await recommendation("rec_d1", "req_d", "deny");
    // A recommendation written first, then a request naming it.
    await recommendation("rec_e", "req_a", "incomplete"); // another request's: must not leak
    await db
      .insertInto("refund_requests")
      .values(requestRow(order, { id: "req_e", reason: "other" }))
      .execute();
    await recommendation("rec_e2", "req_e", "refund", "100");
    await db
      .updateTable("refund_requests")
      .set({ recommendation_id: "rec_e2" })
      .where("id", "=", "req_e")
      .execute();
    // A re-evaluation: a new recommendation, then the request pointing to it; a status change.
    await recommendation("rec_d2", "req_d", "refund", "480000");
    await db
      .updateTable("refund_requests")
      .set({
        recommendation_id: "rec_d2",
        status: "in_review",
        waiting_since: "2026-03-05T10:00:00.000Z",
      })
      .where("id", "=", "req_d")
      .execute();
    // Decisions: a departure (another amount), then a later one; one without a recommendation.
    await decision("dec_d1", "req_d", "rec_d2", "approve", "2026-03-06T10:00:00.000Z", "1000");
    await db
      .updateTable("refund_requests")
      .set({ status: "approved" })
      .where("id", "=", "req_d")
      .execute();
    await decision("dec_d2", "req_d", "rec_d2", "offer_alternative", "2026-03-07T10:00:00.000Z");
    await decision("dec_b1", "req_b", null, "deny", "2026-03-06T10:00:00.000Z");
    await db
      .updateTable("refund_requests")
      .set({ status: "denied" })
      .where("id", "=", "req_b")
      .execute();

    expect(await requestRollup()).toEqual(await requestTruth());
    expect(await decisionRollup()).toEqual(await decisionTruth());
    const rows = await requestRollup();
    expect(rows.find((r) => r.request_id === "req_d")).toMatchObject({
      status: "approved",
      recommended_outcome: "refund",
      waiting_since: "2026-03-05T10:00:00.000Z",
    });
    expect(rows.find((r) => r.request_id === "req_a")?.recommended_outcome).toBe("refund");
    const decisions = await decisionRollup();
    expect(decisions.find((d) => d.decision_id === "dec_d1")).toMatchObject({
      verdict: "against",
      is_first: 1,
    });
    expect(decisions.find((d) => d.decision_id === "dec_d2")?.is_first).toBe(0);
    expect(decisions.find((d) => d.decision_id === "dec_b1")?.verdict).toBe("unguided");
  });
});
