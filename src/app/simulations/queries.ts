// What a policy simulation reads (issue 16): the stored requests submitted in a period, a keyset
// page at a time by (submitted_at, id) (the index refund_requests_submitted_idx), each with its
// current recommendation's outcome, amount, instant and determining clause; then, for the page's
// orders, in one statement each: the orders, their payments, service events and payouts, and the
// page's attachments. The use case keeps only the facts recorded up to each request's evaluation
// instant (simulate-policy.ts). Reads only.

import { sql, type Kysely } from "kysely";
import { dialectOf } from "../../db/connection.js";
import type { Database, OrderRow, PaymentRow, ServiceEventRow } from "../../db/schema.js";

type Db = Kysely<Database>;

/** A request of a page, with its stored recommendation (all null when it has none). */
export interface SimulationRequestRow {
  readonly id: string;
  readonly order_id: string;
  readonly reason: string;
  readonly description: string;
  readonly submitted_at: string;
  readonly outcome: string | null;
  readonly amount_minor: string | null;
  readonly amount_currency: string | null;
  /** The recommendation's instant: what it was evaluated as of. */
  readonly evaluated_at: string | null;
  /** The first clause the recommendation cites. */
  readonly clause: string | null;
}

/** Where a page starts: after this request (null: at the period's start). */
export interface SimulationCursor {
  readonly submittedAt: string;
  readonly id: string;
}

/**
 * The next `limit` requests submitted in [startsAt, endsAt) (ISO instants; null: open) after
 * `after`, in (submitted_at, id) order.
 */
export async function simulationRequestPage(
  db: Db,
  range: { readonly startsAt: string | null; readonly endsAt: string | null },
  after: SimulationCursor | null,
  limit: number,
): Promise<SimulationRequestRow[]> {
  const clause =
    dialectOf(db) === "postgres"
      ? sql<string | null>`(c.decision_json::jsonb -> 'clauses' ->> 0)`
      : sql<string | null>`json_extract(c.decision_json, '$.clauses[0]')`;
  let q = db
    .selectFrom("refund_requests as r")
    .leftJoin("recommendations as c", "c.id", "r.recommendation_id")
    .select([
      "r.id",
      "r.order_id",
      "r.reason",
      "r.description",
      "r.submitted_at",
      "c.outcome",
      "c.amount_minor",
      "c.amount_currency",
      "c.created_at as evaluated_at",
      clause.as("clause"),
    ]);
  // A request in triage has no reason yet: there is nothing to evaluate (nor a recommendation).
  q = q.where("r.reason", "is not", null);
  if (range.startsAt !== null) q = q.where("r.submitted_at", ">=", range.startsAt);
  if (range.endsAt !== null) q = q.where("r.submitted_at", "<", range.endsAt);
  if (after !== null) {
    q = q.where((eb) =>
      eb.or([
        eb("r.submitted_at", ">", after.submittedAt),
        eb.and([eb("r.submitted_at", "=", after.submittedAt), eb("r.id", ">", after.id)]),
      ]),
    );
  }
  return q
    .orderBy("r.submitted_at")
    .orderBy("r.id")
    .limit(limit)
    .$narrowType<{ reason: string }>()
    .execute();
}

/** A payout as the ledger stood at an instant needs it. */
export interface SimulationPayoutRow {
  readonly request_id: string;
  readonly payment_id: string;
  readonly amount_minor: string;
  readonly currency: string;
  readonly status: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly succeeded_at: string | null;
}

/** The facts of a page's orders, by order id (each list in the engine's order). */
export interface SimulationFacts {
  readonly orders: ReadonlyMap<string, OrderRow>;
  readonly payments: ReadonlyMap<string, PaymentRow[]>;
  readonly events: ReadonlyMap<string, ServiceEventRow[]>;
  /** By payment id, in creation order. */
  readonly payouts: ReadonlyMap<string, SimulationPayoutRow[]>;
  /** The instants the page's attachments were stored, by request id. */
  readonly attachments: ReadonlyMap<string, string[]>;
}

function group<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list === undefined) out.set(k, [row]);
    else list.push(row);
  }
  return out;
}

/** The orders, payments, service events, payouts and attachments of one page (five reads). */
export async function simulationFacts(
  db: Db,
  orderIds: readonly string[],
  requestIds: readonly string[],
): Promise<SimulationFacts> {
  if (orderIds.length === 0) {
    return {
      orders: new Map(),
      payments: new Map(),
      events: new Map(),
      payouts: new Map(),
      attachments: new Map(),
    };
  }
  const ids = [...new Set(orderIds)];
  const [orders, payments, events, payouts, attachments] = await Promise.all([
    db.selectFrom("orders").selectAll().where("id", "in", ids).execute(),
    db
      .selectFrom("payments")
      .selectAll()
      .where("order_id", "in", ids)
      .orderBy("order_id")
      .orderBy("captured_at")
      .orderBy("id")
      .execute(),
    db
      .selectFrom("service_events")
      .selectAll()
      .where("order_id", "in", ids)
      .orderBy("order_id")
      .orderBy("from_at")
      .orderBy("id")
      .execute(),
    db
      .selectFrom("payouts as y")
      .innerJoin("payments as p", "p.id", "y.payment_id")
      .select([
        "y.request_id",
        "y.payment_id",
        "y.amount_minor",
        "y.currency",
        "y.status",
        "y.created_at",
        "y.updated_at",
        "y.succeeded_at",
      ])
      .where("p.order_id", "in", ids)
      .orderBy("y.payment_id")
      .orderBy("y.created_at")
      .orderBy("y.id")
      .execute(),
    requestIds.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom("attachments")
          .select(["request_id", "created_at"])
          .where("request_id", "in", [...requestIds])
          .execute(),
  ]);
  return {
    orders: new Map(orders.map((o) => [o.id, o])),
    payments: group(payments, (p) => p.order_id),
    events: group(events, (e) => e.order_id),
    payouts: group(payouts, (y) => y.payment_id),
    attachments: new Map(
      [...group(attachments, (a) => a.request_id)].map(([k, v]) => [k, v.map((a) => a.created_at)]),
    ),
  };
}

/** How many requests were submitted in the range (a progress bar's total). */
export async function countSimulationRequests(
  db: Db,
  range: { readonly startsAt: string | null; readonly endsAt: string | null },
): Promise<number> {
  let q = db.selectFrom("refund_requests").select((eb) => eb.fn.countAll<number>().as("n"));
  if (range.startsAt !== null) q = q.where("submitted_at", ">=", range.startsAt);
  if (range.endsAt !== null) q = q.where("submitted_at", "<", range.endsAt);
  const row = await q.executeTakeFirst();
  return Number(row?.n ?? 0);
}
