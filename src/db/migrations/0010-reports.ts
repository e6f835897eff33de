// What the reports read (issue 15), so each report reads one narrow index, with no join, no sort
// and little arithmetic per row: measured on a million requests, a join per row (a request's
// recommendation, a decision's request) or a GROUP BY sort cost seconds on SQLite, whatever the
// covering indexes (docs/performance.md, "Reports"; ADR 0024).
//
// - report_requests: one row per request, the facts the weekly volume and the waiting snapshot
//   count: submission instant, reason, status, the current recommendation's outcome, since when it
//   waits. Kept by triggers on refund_requests (insert; update of status, recommendation or
//   waiting_since) and on recommendations (insert: a request's row may name its recommendation
//   before that row exists, and the other way round).
// - report_decisions: one row per decision, what it was decided on: the request's reason, whether
//   it followed the recommendation the reviewer saw, departed from it or had nothing firm to
//   follow, whether it was the request's first decision, made by the system, and how long after
//   the submission. Decisions never change, so the insert trigger is all there is.
// - Covering indexes on payouts for money sent per month and deadlines per due month, and an
//   index on duplicate_payments by when they were found.
//
// The triggers fire whatever path writes (use cases, imports, the demo seed), on both databases;
// existing rows are copied in here. The tables are derived data: never written by the
// application, rebuilt from the source tables by this same SQL if ever in doubt.

import { sql, type Kysely, type Migration } from "kysely";
import { SYSTEM_USER_ID } from "../../core/access/index.js";
import { dialectOf } from "../connection.js";

/** The request facts of `new` (a refund_requests row) with its recommendation's outcome. */
const REQUEST_VALUES = `new.id, new.submitted_at, new.reason, new.status,
  coalesce((select outcome from recommendations where id = new.recommendation_id), 'none'),
  new.waiting_since`;

const REQUEST_UPDATE = `update report_requests
  set status = new.status, waiting_since = new.waiting_since,
      recommended_outcome = coalesce(
        (select outcome from recommendations where id = new.recommendation_id), 'none')
  where request_id = new.id`;

const RECOMMENDATION_UPDATE = `update report_requests set recommended_outcome = new.outcome
  where request_id = new.request_id
    and exists (select 1 from refund_requests where id = new.request_id and recommendation_id = new.id)`;

/** Whole milliseconds from instant `a` to instant `b` (ISO UTC text), per dialect. */
function millis(postgres: boolean, a: string, b: string): string {
  return postgres
    ? `cast(round(extract(epoch from (cast(${b} as timestamptz) - cast(${a} as timestamptz))) * 1000) as bigint)`
    : `cast(round((julianday(${b}) - julianday(${a})) * 86400000) as integer)`;
}

/**
 * The facts of decision `d` (a decisions row: `new` in the trigger, a table alias in the copy),
 * read from its request and the recommendation the reviewer saw. `verdict`: `followed` (a denial
 * of a recommended denial, an approval of exactly the recommended amount: the rule of
 * `followsRecommendation`), `against` (departs from a firm recommendation, refund or deny),
 * `unguided` (the recommendation was review or incomplete, or there was none).
 */
function decisionFacts(postgres: boolean, d: string): string {
  return `select ${d}.id, ${d}.request_id, ${d}.created_at, ${d}.decided_by, ${d}.kind, r.reason,
    case when (${d}.kind = 'deny' and c.outcome = 'deny')
           or (${d}.kind = 'approve' and c.outcome = 'refund'
               and ${d}.amount_minor = c.amount_minor and ${d}.amount_currency = c.amount_currency)
         then 'followed'
         when c.outcome in ('refund', 'deny') then 'against'
         else 'unguided' end,
    case when exists (select 1 from decisions e where e.request_id = ${d}.request_id
                        and (e.created_at < ${d}.created_at
                             or (e.created_at = ${d}.created_at and e.id < ${d}.id)))
         then 0 else 1 end,
    case when ${d}.decided_by = '${SYSTEM_USER_ID}' then 1 else 0 end,
    ${millis(postgres, "r.submitted_at", `${d}.created_at`)}`;
}

const DECISION_COLUMNS = `(decision_id, request_id, created_at, decided_by, kind, reason, verdict,
  is_first, automatic, took_ms)`;

function triggers(postgres: boolean): { name: string; on: string; event: string; body: string }[] {
  return [
    {
      name: "report_requests_insert",
      on: "refund_requests",
      event: "after insert",
      body: `insert into report_requests
        (request_id, submitted_at, reason, status, recommended_outcome, waiting_since)
        values (${REQUEST_VALUES})`,
    },
    {
      name: "report_requests_update",
      on: "refund_requests",
      event: "after update of status, recommendation_id, waiting_since",
      body: REQUEST_UPDATE,
    },
    {
      name: "report_requests_recommendation",
      on: "recommendations",
      event: "after insert",
      body: RECOMMENDATION_UPDATE,
    },
    {
      name: "report_decisions_insert",
      on: "decisions",
      event: "after insert",
      body: `insert into report_decisions ${DECISION_COLUMNS}
        ${decisionFacts(postgres, "new")}
        from refund_requests r left join recommendations c on c.id = new.recommendation_id
        where r.id = new.request_id`,
    },
  ];
}

export const reports: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = dialectOf(db) === "postgres";
    await db.schema
      .createTable("report_requests")
      .addColumn("request_id", "text", (c) => c.primaryKey())
      .addColumn("submitted_at", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      // The current recommendation's outcome, `none` when there is none.
      .addColumn("recommended_outcome", "text", (c) => c.notNull())
      .addColumn("waiting_since", "text")
      .execute();
    // Requests per week: each (reason, status, outcome) counted over each week by one seek and a
    // count of index entries, with no expression per row and no sort.
    await db.schema
      .createIndex("report_requests_count_idx")
      .on("report_requests")
      .columns(["reason", "status", "recommended_outcome", "submitted_at"])
      .execute();
    // Waiting now: the open statuses, and since when.
    await db.schema
      .createIndex("report_requests_waiting_idx")
      .on("report_requests")
      .columns(["status", "waiting_since", "submitted_at"])
      .execute();

    await db.schema
      .createTable("report_decisions")
      .addColumn("decision_id", "text", (c) => c.primaryKey())
      .addColumn("request_id", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("decided_by", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("verdict", "text", (c) => c.notNull())
      .addColumn("is_first", "integer", (c) => c.notNull())
      .addColumn("automatic", "integer", (c) => c.notNull())
      // Milliseconds from the request's submission to this decision.
      .addColumn("took_ms", "bigint", (c) => c.notNull())
      .execute();
    // Decisions against the recommendation: counted per reviewer, reason and verdict in index
    // order (no sort), the period a condition on each entry.
    await db.schema
      .createIndex("report_decisions_reviewer_idx")
      .on("report_decisions")
      .columns(["decided_by", "reason", "verdict", "kind", "created_at"])
      .execute();
    // Time to decision: first decisions, by people or by the system, by when, and how long.
    await db.schema
      .createIndex("report_decisions_first_idx")
      .on("report_decisions")
      .columns(["is_first", "automatic", "created_at", "took_ms"])
      .execute();

    // Money sent per month: payouts by the instant their money left, read from the index alone.
    await db.schema
      .createIndex("payouts_succeeded_idx")
      .on("payouts")
      .columns(["status", "succeeded_at", "method", "currency", "amount_minor"])
      .execute();
    // Deadlines per due month: payouts by their last due day, read from the index alone (the
    // decision is looked up only for a reissued payout's replacement).
    await db.schema
      .createIndex("payouts_deadline_idx")
      .on("payouts")
      .columns(["due_latest", "status", "succeeded_at", "created_at", "reissue_of", "decision_id"])
      .execute();
    // Duplicate payments found per month.
    await db.schema
      .createIndex("duplicate_payments_created_idx")
      .on("duplicate_payments")
      .column("created_at")
      .execute();

    for (const t of triggers(postgres)) {
      if (postgres) {
        // The function resolves tables in the schema it was made in (test schemas, tenants).
        await sql
          .raw(
            `create function ${t.name}() returns trigger language plpgsql set search_path from current as $$
             begin ${t.body}; return null; end $$`,
          )
          .execute(db);
        await sql
          .raw(
            `create trigger ${t.name} ${t.event} on ${t.on} for each row execute function ${t.name}()`,
          )
          .execute(db);
      } else {
        await sql
          .raw(`create trigger ${t.name} ${t.event} on ${t.on} begin ${t.body}; end`)
          .execute(db);
      }
    }

    // The rows written before this migration.
    await sql`
      insert into report_requests
        (request_id, submitted_at, reason, status, recommended_outcome, waiting_since)
      select r.id, r.submitted_at, r.reason, r.status, coalesce(c.outcome, 'none'), r.waiting_since
      from refund_requests r left join recommendations c on c.id = r.recommendation_id`.execute(db);
    await sql
      .raw(
        `insert into report_decisions ${DECISION_COLUMNS} ${decisionFacts(postgres, "d")}
         from decisions d join refund_requests r on r.id = d.request_id
         left join recommendations c on c.id = d.recommendation_id`,
      )
      .execute(db);
  },
};
