// The reports' SQL: one aggregate statement per chart, the same text on SQLite and PostgreSQL
// except where their functions differ (a percentile's syntax, the milliseconds between two
// instants). Nothing here reads rows one by one into Node: each statement answers per bucket
// (and per reason, status, method, currency or reviewer where the report says so) what the
// database counted, summed and took percentiles of. ADR 0024 says why it is built so:
//
// - Time zones: the database knows none. The period's weeks, months and days come from the core
//   (src/core/reports/period.ts) as half-open UTC ranges [starts_at, ends_at) and go into the
//   statement as parameters; instants are ISO UTC text of one fixed width, so comparing the text
//   compares the time, on both databases. Calendar dates (a payout's due day) already are dates
//   in the policy's zone and are compared as text.
// - No sort: a GROUP BY over a year's rows sorts them (SQLite has no hash aggregation), which
//   cost more than reading them. So a week or a month is one SELECT of a UNION ALL (its own
//   index range, aggregated without grouping), counts per category are one correlated count
//   each over an index that leads with the category, and the reviewers' counts are grouped in
//   the order of their index.
// - Percentiles: `percentile_cont` on both (PostgreSQL's ordered-set aggregate; SQLite's, built
//   into better-sqlite3's SQLite with SQLITE_ENABLE_PERCENTILE): the same definition, linear
//   interpolation between the two nearest ranks. Never `percentile_disc`: the two databases pick
//   different ranks for it.
// - No join per row: requests and decisions are read from report_requests and report_decisions,
//   one row each with the facts a report needs, kept by triggers (migration 0009); payouts from
//   covering indexes. On a million requests a join per row cost seconds on SQLite.
// - Money: amounts are TEXT minor units. They are summed in two exact integer parts, all but the
//   last nine digits and the last nine, each cast to a 64-bit integer and the sums cast back to
//   text, so no float and no overflow touches them; the core puts the parts together as bigint.

import { sql, type Kysely, type RawBuilder } from "kysely";
import { DAY_MS } from "../../core/calendar/calendar.js";
import { REASONS } from "../../core/policy/index.js";
import {
  RECOMMENDED,
  WAITING_ON_CLIENT,
  WAITING_ON_QA,
  type AgainstAggregate,
  type Bucket,
  type DeadlineAggregate,
  type DecisionTimeAggregate,
  type DuplicateAggregate,
  type Period,
  type RefundedAggregate,
  type RequestVolumeAggregate,
  type WaitingAggregate,
} from "../../core/reports/index.js";
import { REQUEST_STATUSES, type RequestStatus } from "../../core/requests/index.js";
import type { DialectName } from "../../db/connection.js";
import type { Database } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";

type Db = Kysely<Database>;

const instant = (ms: number) => toDbInstant(ms);

/** `fraction` (0-1) percentile of `expr` over the rows, interpolated; NULLs are left out. */
function percentile(dialect: DialectName, expr: RawBuilder<unknown>, fraction: number) {
  return dialect === "postgres"
    ? sql`percentile_cont(${sql.lit(fraction)}) within group (order by ${expr})`
    : sql`percentile_cont(${expr}, ${sql.lit(fraction)})`;
}

/** Whole milliseconds from instant `from` to instant `to` (ISO UTC text columns). */
function millisBetween(dialect: DialectName, from: RawBuilder<unknown>, to: RawBuilder<unknown>) {
  return dialect === "postgres"
    ? sql`cast(round(extract(epoch from (cast(${to} as timestamptz) - cast(${from} as timestamptz))) * 1000) as bigint)`
    : // julianday keeps milliseconds exactly enough (about 40 µs at today's dates) that rounding
      // the difference gives the exact whole milliseconds.
      sql`cast(round((julianday(${to}) - julianday(${from})) * 86400000) as integer)`;
}

/** The exact integer parts of a TEXT minor-units column, to be summed (see the header). */
function highPart(column: RawBuilder<unknown>) {
  return sql`case when length(${column}) > 9 then cast(substr(${column}, 1, length(${column}) - 9) as bigint) else 0 end`;
}
function lowPart(column: RawBuilder<unknown>) {
  return sql`cast(substr(${column}, case when length(${column}) > 9 then length(${column}) - 8 else 1 end) as bigint)`;
}
function exactSum(column: RawBuilder<unknown>, name: string) {
  return sql`cast(sum(${highPart(column)}) as text) as ${sql.id(`${name}Hi`)},
    cast(sum(${lowPart(column)}) as text) as ${sql.id(`${name}Lo`)}`;
}

const countWhen = (condition: RawBuilder<unknown>, name: string) =>
  sql`sum(case when ${condition} then 1 else 0 end) as ${sql.id(name)}`;

const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)));

/** One SELECT per bucket, joined by UNION ALL (each reads its own range; nothing is sorted). */
function perBucket(
  buckets: readonly Bucket[],
  part: (b: Bucket, starts: string, ends: string) => RawBuilder<unknown>,
) {
  return sql.join(
    buckets.map((b) => part(b, instant(b.startsAt), instant(b.endsAt))),
    sql` union all `,
  );
}

/** The statuses a request without a reason can have (migration 0020's CHECK). */
const UNCLASSIFIED: readonly RequestStatus[] = ["triage", "withdrawn"];

/**
 * Requests submitted per week, counted per reason, status and recommended outcome (the current
 * recommendation's; `none` without one): for each week and each combination of the core's closed
 * lists, one count over report_requests_count_idx (a seek, then counting index entries). Only
 * the combinations that occur come back; the core adds them up into the report's columns.
 */
export async function requestVolume(
  db: Db,
  buckets: readonly Bucket[],
): Promise<RequestVolumeAggregate[]> {
  const combos = REASONS.flatMap((reason) =>
    REQUEST_STATUSES.flatMap((status) =>
      RECOMMENDED.map(
        (outcome) => sql`(${sql.lit(reason)}, ${sql.lit(status)}, ${sql.lit(outcome)})`,
      ),
    ),
  );
  // Requests without a reason yet (triage, or withdrawn from it; never recommended): counted
  // apart, by the same index (its first column null).
  const unclassified = UNCLASSIFIED.map((status) => sql`(${sql.lit(status)})`);
  const weeks = buckets.map((b) => sql`(${b.key}, ${instant(b.startsAt)}, ${instant(b.endsAt)})`);
  const result = await sql<RequestVolumeAggregate>`
    with b (k, starts_at, ends_at) as (values ${sql.join(weeks)}),
      c (reason, status, outcome) as (values ${sql.join(combos)}),
      u (status) as (values ${sql.join(unclassified)})
    select k, reason, status, outcome, n from (
      select b.k as k, c.reason as reason, c.status as status, c.outcome as outcome,
        (select count(*) from report_requests r
          where r.reason = c.reason and r.status = c.status and r.recommended_outcome = c.outcome
            and r.submitted_at >= b.starts_at and r.submitted_at < b.ends_at) as n
      from b cross join c
      union all
      select b.k as k, null as reason, u.status as status, 'none' as outcome,
        (select count(*) from report_requests r
          where r.reason is null and r.status = u.status and r.recommended_outcome = 'none'
            and r.submitted_at >= b.starts_at and r.submitted_at < b.ends_at) as n
      from b cross join u
    ) x
    where n > 0`.execute(db);
  return result.rows;
}

/**
 * Approvals and denials made in the period, per reviewer, request reason and verdict (followed
 * the recommendation the reviewer saw, against a firm one, or unguided: see migration 0009),
 * grouped in the order of report_decisions_reviewer_idx, the period a condition on each entry;
 * the reviewers' names joined to the groups, not to the rows.
 */
export async function againstRecommendation(db: Db, p: Period): Promise<AgainstAggregate[]> {
  const result = await sql<AgainstAggregate>`
    select g.decided_by as "reviewerId", u.name as reviewer, g.reason as reason,
      g.verdict as verdict, g.n as n
    from (
      select d.decided_by, d.reason, d.verdict, count(*) as n
      from report_decisions d
      where d.kind in ('approve', 'deny')
        and d.created_at >= ${instant(p.startsAt)} and d.created_at < ${instant(p.endsAt)}
      group by d.decided_by, d.reason, d.verdict
    ) g
    left join users u on u.id = g.decided_by`.execute(db);
  return result.rows;
}

/** Money sent per month (when the payout succeeded), method and currency, summed exactly. */
export async function refundedAmounts(
  db: Db,
  buckets: readonly Bucket[],
): Promise<RefundedAggregate[]> {
  const result = await sql<RefundedAggregate>`${perBucket(
    buckets,
    (b, starts, ends) => sql`
      select ${b.key} as k, p.method as method, p.currency as currency, count(*) as payouts,
        ${exactSum(sql`p.amount_minor`, "amount")}
      from payouts p
      where p.status = 'succeeded' and p.succeeded_at >= ${starts} and p.succeeded_at < ${ends}
      group by p.method, p.currency`,
  )}`.execute(db);
  return result.rows;
}

/**
 * Payouts by the month of their last due day (a date in the policy's zone), a reissued payout
 * counted once through the payout that replaced it: kept (money sent before the end of that day
 * in the zone), late, overdue (not sent, the day past), open (not sent, not yet due); and the
 * median and 90th percentile of the milliseconds from the approval to the money sent, over the
 * payouts sent. Each month reads its days' payouts (`e`: each day and the instant it ends),
 * from payouts_deadline_idx.
 */
export async function payoutDeadlines(
  db: Db,
  dialect: DialectName,
  buckets: readonly Bucket[],
  dayEnds: readonly { readonly day: string; readonly endsAt: number }[],
  today: string,
): Promise<DeadlineAggregate[]> {
  const days = dayEnds.map((d) => sql`(${d.day}, ${instant(d.endsAt)})`);
  const sent = sql`p.status = 'succeeded'`;
  // A payout is written in its approval's transaction, so its created_at is the approval; a
  // reissued payout's replacement is newer, and its approval is read from the decision.
  const approvedAt = sql`case when p.reissue_of is null then p.created_at
    else (select d.created_at from decisions d where d.id = p.decision_id) end`;
  const toSend = sql`case when ${sent} then ${millisBetween(dialect, approvedAt, sql`p.succeeded_at`)} end`;
  const result = await sql<DeadlineAggregate>`
    with e (day, ends_at) as (values ${sql.join(days)})
    ${perBucket(
      buckets,
      (b) => sql`
        select ${b.key} as k, count(*) as due,
          ${countWhen(sql`${sent} and p.succeeded_at < e.ends_at`, "kept")},
          ${countWhen(sql`${sent} and p.succeeded_at >= e.ends_at`, "late")},
          ${countWhen(sql`p.status <> 'succeeded' and p.due_latest < ${today}`, "overdue")},
          ${countWhen(sql`p.status <> 'succeeded' and p.due_latest >= ${today}`, "open")},
          ${percentile(dialect, toSend, 0.5)} as "medianMs",
          ${percentile(dialect, toSend, 0.9)} as "p90Ms"
        from e join payouts p on p.due_latest = e.day
        where e.day >= ${b.first} and e.day <= ${b.last} and p.status <> 'reissued'`,
    )}`.execute(db);
  return result.rows;
}

/**
 * First decisions (approve, deny or an alternative offered) per week, by people and by the
 * system (automatic approvals of duplicate payments), with the median and 90th percentile of the
 * milliseconds from submission to a person's first decision (report_decisions_first_idx).
 */
export async function decisionTimes(
  db: Db,
  dialect: DialectName,
  buckets: readonly Bucket[],
): Promise<DecisionTimeAggregate[]> {
  const result = await sql<DecisionTimeAggregate>`${perBucket(
    buckets,
    (b, starts, ends) => sql`
      select ${b.key} as k, count(*) as decided,
        (select count(*) from report_decisions a
          where a.is_first = 1 and a.automatic = 1
            and a.created_at >= ${starts} and a.created_at < ${ends}) as automatic,
        ${percentile(dialect, sql`d.took_ms`, 0.5)} as "medianMs",
        ${percentile(dialect, sql`d.took_ms`, 0.9)} as "p90Ms"
      from report_decisions d
      where d.is_first = 1 and d.automatic = 0
        and d.created_at >= ${starts} and d.created_at < ${ends}`,
  )}`.execute(db);
  return result.rows;
}

/**
 * Requests waiting now, on QA (submitted, in review) and on the client (a question or an
 * alternative to answer), by how long they have waited on that side (since `waiting_since`, or
 * submission for requests from before it was kept).
 */
export async function waitingRequests(db: Db, now: number): Promise<WaitingAggregate[]> {
  const since = sql`coalesce(r.waiting_since, r.submitted_at)`;
  const ago = (days: number) => instant(now - days * DAY_MS);
  const side = sql`case when r.status in (${list(WAITING_ON_QA)}) then 'qa' else 'client' end`;
  const result = await sql<WaitingAggregate>`
    select ${side} as side, count(*) as waiting,
      ${countWhen(sql`${since} > ${ago(2)}`, "under2Days")},
      ${countWhen(sql`${since} <= ${ago(2)} and ${since} > ${ago(7)}`, "days2To7")},
      ${countWhen(sql`${since} <= ${ago(7)} and ${since} > ${ago(14)}`, "days7To14")},
      ${countWhen(sql`${since} <= ${ago(14)}`, "over14Days")},
      min(${since}) as "oldestSince"
    from report_requests r
    where r.status in (${list([...WAITING_ON_QA, ...WAITING_ON_CLIENT])})
    group by ${side}`.execute(db);
  return result.rows;
}

/**
 * Duplicate payments found per month (when the ledger tied them to a request) and currency: how
 * many, how many the payment's refunded total has given back in full or in part, and the sums.
 * Minor units are canonical text ("0" when nothing went back), so equality of the text is
 * equality of the amounts.
 */
export async function duplicatePayments(
  db: Db,
  buckets: readonly Bucket[],
): Promise<DuplicateAggregate[]> {
  const result = await sql<DuplicateAggregate>`${perBucket(
    buckets,
    (b, starts, ends) => sql`
      select ${b.key} as k, p.currency as currency, count(*) as found,
        ${countWhen(sql`p.refunded_minor = p.amount_minor`, "refundedInFull")},
        ${countWhen(sql`p.refunded_minor <> '0' and p.refunded_minor <> p.amount_minor`, "partlyRefunded")},
        ${countWhen(sql`p.refunded_minor = '0'`, "notRefunded")},
        ${exactSum(sql`p.amount_minor`, "found")},
        ${exactSum(sql`p.refunded_minor`, "refunded")}
      from duplicate_payments x
      join payments p on p.id = x.payment_id
      where x.created_at >= ${starts} and x.created_at < ${ends}
      group by p.currency`,
  )}`.execute(db);
  return result.rows;
}
