// Finance's payout list in the database: one payout with its list fields (client name, order),
// batches of them narrowed by the database in (due_latest, id) order, and batches of the open ones
// for the counts. The exact test is the core's (payout-list.ts).

import type { Kysely, Transaction } from "kysely";
import {
  OPEN_STATUSES,
  statusesAwaiting,
  type Awaiting,
  type DeadlineFilter,
  type PayoutStatus,
} from "../../core/payouts/index.js";
import type { Database } from "../../db/schema.js";
import type { ListedPayoutRow } from "./present.js";
import type { PayoutRow } from "./repository.js";

type Db = Kysely<Database> | Transaction<Database>;

export interface PayoutFilter {
  readonly status?: PayoutStatus;
  readonly deadline?: DeadlineFilter;
  readonly method?: string;
  readonly requestId?: string;
  readonly parked?: boolean;
  readonly awaiting?: Awaiting;
  /** Clients: their own payouts only. */
  readonly clientId?: string;
}

/** Where a batch starts: after the payout with this latest due date and id. */
export type DueKey = { readonly key: string; readonly id: string } | undefined;

function base(db: Db) {
  return db
    .selectFrom("payouts")
    .innerJoin("refund_requests", "refund_requests.id", "payouts.request_id")
    .innerJoin("decisions", "decisions.id", "payouts.decision_id")
    .leftJoin("clients", "clients.id", "refund_requests.client_id")
    .selectAll("payouts")
    .select([
      "clients.name as client_name",
      "refund_requests.order_id as order_id",
      "refund_requests.client_id as client_id",
      "decisions.decided_by as decided_by",
    ]);
}

/** One payout with its list fields (client name, order) and who decided it (its `actions`). */
export async function findListedPayout(db: Db, id: string): Promise<ListedPayoutRow | undefined> {
  return base(db).where("payouts.id", "=", id).executeTakeFirst();
}

/**
 * Up to `batch` payouts after `after` by latest due date (most urgent first), narrowed by the
 * database: the filter's status, method, request, client and parking exactly; `awaiting` and
 * `deadline` to the statuses and due dates that can match (the core decides).
 */
export async function listedPayoutsBatch(
  db: Db,
  filter: PayoutFilter,
  today: string,
  after: DueKey,
  batch: number,
): Promise<ListedPayoutRow[]> {
  let q = base(db);
  if (filter.clientId !== undefined) q = q.where("refund_requests.client_id", "=", filter.clientId);
  if (filter.status !== undefined) q = q.where("payouts.status", "=", filter.status);
  if (filter.method !== undefined) q = q.where("payouts.method", "=", filter.method);
  if (filter.requestId !== undefined) q = q.where("payouts.request_id", "=", filter.requestId);
  if (filter.parked !== undefined) {
    q = q.where("payouts.parked_at", filter.parked ? "is not" : "is", null);
  }
  if (filter.awaiting !== undefined) {
    q = q.where("payouts.status", "in", [...statusesAwaiting(filter.awaiting)]);
  }
  if (filter.deadline !== undefined) {
    q = q.where("payouts.status", "in", [...OPEN_STATUSES]);
    // Narrowing only (the core decides): overdue is past the date, the others are not.
    if (filter.deadline === "overdue") q = q.where("payouts.due_latest", "<", today);
    else if (filter.deadline !== "open") q = q.where("payouts.due_latest", ">=", today);
    if (filter.deadline === "due_today") q = q.where("payouts.due_latest", "=", today);
  }
  if (after !== undefined) {
    const c = after;
    q = q.where((eb) =>
      eb.or([
        eb("payouts.due_latest", ">", c.key),
        eb.and([eb("payouts.due_latest", "=", c.key), eb("payouts.id", ">", c.id)]),
      ]),
    );
  }
  return q.orderBy("payouts.due_latest", "asc").orderBy("payouts.id", "asc").limit(batch).execute();
}

/** Up to `batch` open payouts after `after`, in (due_latest, id) order. */
export async function openPayoutsBatch(db: Db, after: DueKey, batch: number): Promise<PayoutRow[]> {
  let q = db
    .selectFrom("payouts")
    .selectAll()
    .where("status", "in", [...OPEN_STATUSES]);
  if (after !== undefined) {
    const c = after;
    q = q.where((eb) =>
      eb.or([
        eb("due_latest", ">", c.key),
        eb.and([eb("due_latest", "=", c.key), eb("id", ">", c.id)]),
      ]),
    );
  }
  return q.orderBy("due_latest").orderBy("id").limit(batch).execute();
}
