// Finance's payout list, its CSV export and its summary counts, from one place: the database
// narrows (status, method, request, client, due date ranges; queries.ts), then the core's
// `awaitingOf` and `deadlineOf` decide exactly, so the `?awaiting=` / `?deadline=` filters and the
// counts always agree with each payout's own `awaiting` and `deadline` fields (issue 11, bug 3).

import type { Kysely, Transaction } from "kysely";
import { holidayCalendar } from "../../core/calendar/business-days.js";
import {
  awaitingOf,
  deadlineOf,
  matchesDeadline,
  type Awaiting,
  type DeadlineState,
  type PayoutStatus,
} from "../../core/payouts/index.js";
import type { Policy } from "../../core/policy/index.js";
import type { Database } from "../../db/schema.js";
import { decodeCursor, encodeCursor } from "../orders/page.js";
import { standingOf, todayIn, type ListedPayoutRow } from "./present.js";
import { listedPayoutsBatch, openPayoutsBatch, type DueKey, type PayoutFilter } from "./queries.js";

type Db = Kysely<Database> | Transaction<Database>;

/** The exact test the database's narrowing leaves to the core. */
function matcher(
  filter: PayoutFilter,
  policy: Policy,
  today: string,
): (row: ListedPayoutRow) => boolean {
  const cal = holidayCalendar(policy.params.holidays, policy.params.holidayCountry);
  return (row) => {
    if (filter.awaiting === undefined && filter.deadline === undefined) return true;
    const standing = standingOf(row, policy);
    if (filter.awaiting !== undefined && awaitingOf(standing) !== filter.awaiting) return false;
    if (
      filter.deadline !== undefined &&
      !matchesDeadline(filter.deadline, deadlineOf(standing, today, cal))
    ) {
      return false;
    }
    return true;
  };
}

/**
 * A page of payouts by latest due date (most urgent first), keyset-paged over (due_latest, id).
 * Rows the core rejects are skipped, reading further batches until the page is full.
 */
export async function findPayoutsPage(
  db: Db,
  policy: Policy,
  now: number,
  filter: PayoutFilter,
  limit: number,
  cursor: string | undefined,
): Promise<{ rows: ListedPayoutRow[]; nextCursor: string | null }> {
  const today = todayIn(policy, now);
  const accept = matcher(filter, policy, today);
  const exact = filter.awaiting === undefined && filter.deadline === undefined;
  const batch = exact ? limit + 1 : Math.max(200, limit + 1);
  const out: ListedPayoutRow[] = [];
  let after: DueKey = cursor === undefined ? undefined : decodeCursor(cursor, "cursor");
  for (;;) {
    const rows = await listedPayoutsBatch(db, filter, today, after, batch);
    for (const r of rows) {
      if (accept(r)) out.push(r);
      if (out.length > limit) break;
    }
    const last = rows[rows.length - 1];
    if (out.length > limit || rows.length < batch || last === undefined) break;
    after = { key: last.due_latest, id: last.id };
  }
  const rows = out.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    rows,
    nextCursor:
      out.length > limit && last !== undefined ? encodeCursor(last.due_latest, last.id) : null,
  };
}

export interface PayoutCounts {
  readonly deadline: Readonly<Record<DeadlineState, number>>;
  readonly awaiting: Readonly<Record<Awaiting, number>>;
  readonly byStatus: Readonly<Partial<Record<PayoutStatus, number>>>;
  readonly parked: number;
}

/** Every open payout counted by the core's deadline state and what it waits on. */
export async function countOpenPayouts(db: Db, policy: Policy, now: number): Promise<PayoutCounts> {
  const today = todayIn(policy, now);
  const cal = holidayCalendar(policy.params.holidays, policy.params.holidayCountry);
  const deadline: Record<DeadlineState, number> = {
    on_track: 0,
    at_risk: 0,
    due_today: 0,
    overdue: 0,
    needs_action: 0,
    settled: 0,
  };
  const awaiting: Record<Awaiting, number> = {
    approval: 0,
    second_approval: 0,
    destination: 0,
    record: 0,
    provider: 0,
    action: 0,
  };
  const byStatus: Partial<Record<PayoutStatus, number>> = {};
  let parked = 0;
  let after: DueKey;
  const BATCH = 500;
  for (;;) {
    const rows = await openPayoutsBatch(db, after, BATCH);
    for (const r of rows) {
      const s = standingOf(r, policy);
      deadline[deadlineOf(s, today, cal)] += 1;
      const a = awaitingOf(s);
      if (a !== null) awaiting[a] += 1;
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (r.parked_at !== null) parked += 1;
    }
    const last = rows[rows.length - 1];
    if (rows.length < BATCH || last === undefined) break;
    after = { key: last.due_latest, id: last.id };
  }
  return { deadline, awaiting, byStatus, parked };
}
