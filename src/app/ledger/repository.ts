// The ledger's duplicate payments in the database: the scan's pages of payments (one text per page
// on PostgreSQL), the orders and payments an extra may hide in, the extras already tied to a
// request (`duplicate_payments`) and the duplicate-payment requests of an order; the payments row
// -> the core's DuplicateCandidate codec.

import { sql, type Kysely, type Transaction } from "kysely";
import type { DuplicateCandidate, RequestOnOrder } from "../../core/ledger/duplicate-cases.js";
import { money, type Money } from "../../core/money/money.js";
import type { Reason } from "../../core/policy/index.js";
import type { RequestStatus } from "../../core/requests/index.js";
import { dialectOf } from "../../db/connection.js";
import { fromDbMinor } from "../../db/money.js";
import { precompile } from "../../db/precompiled.js";
import type { Database, DuplicatePaymentRow, PaymentRow } from "../../db/schema.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";

type Db = Kysely<Database> | Transaction<Database>;

/** A payments row as the core's duplicate check reads it. */
export function candidateOf(
  p: Pick<PaymentRow, "id" | "charge_ref" | "amount_minor" | "currency" | "captured_at" | "method">,
): DuplicateCandidate {
  return {
    id: p.id,
    chargeRef: p.charge_ref,
    amount: money(fromDbMinor(p.amount_minor), p.currency),
    capturedAt: fromDbInstant(p.captured_at),
    method: p.method,
  };
}

/** Where a page starts: after an order, or at it (its payments read again, all of them). */
export type PageStart = { readonly id: string; readonly inclusive: boolean } | null;

/** A page as read: the order id of each payment, and the least and greatest of them. */
export interface OrderIdsPage {
  readonly ids: readonly string[];
  readonly lo: string | null;
  readonly hi: string | null;
}

/**
 * One page of the ledger: the order id of each payment, the first `limit` in order of order id (an
 * index-only read). PostgreSQL sends the page as one text, the ids joined by newlines, instead of
 * a row per payment: parsing a million one-column rows costs more than the read itself. Nothing
 * below depends on the order of the ids inside the page (PostgreSQL does not promise one for an
 * aggregate); the page's bounds come from min and max. An order id never holds a newline (the API
 * refuses one); the count says if one did, and that page is then read row by row.
 */
export async function orderIdsPage(
  db: Kysely<Database>,
  from: PageStart,
  limit: number,
): Promise<OrderIdsPage> {
  if (dialectOf(db) === "postgres") {
    const where =
      from === null
        ? sql``
        : from.inclusive
          ? sql`where order_id >= ${from.id}`
          : sql`where order_id > ${from.id}`;
    const r = await sql<{ n: number; lo: string | null; hi: string | null; ids: string | null }>`
      select count(*)::int as n, min(order_id) as lo, max(order_id) as hi,
             string_agg(order_id, E'\n') as ids
      from (select order_id from payments ${where} order by order_id limit ${limit}) page`.execute(
      db,
    );
    const row = r.rows[0];
    if (row === undefined || row.n === 0 || row.ids === null)
      return { ids: [], lo: null, hi: null };
    const ids = row.ids.split("\n");
    if (ids.length === row.n) return { ids, lo: row.lo, hi: row.hi };
  }
  let q = db.selectFrom("payments").select("order_id");
  if (from !== null) q = q.where("order_id", from.inclusive ? ">=" : ">", from.id);
  const ids = (await q.orderBy("order_id").limit(limit).execute()).map((r) => r.order_id);
  return { ids, lo: ids[0] ?? null, hi: ids[ids.length - 1] ?? null };
}

/** How many payments the order has. */
export async function countPaymentsOfOrder(db: Db, orderId: string): Promise<number> {
  const n = await db
    .selectFrom("payments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("order_id", "=", orderId)
    .executeTakeFirstOrThrow();
  return Number(n.n);
}

/**
 * The orders with ids from `lo` to `hi` that have nothing due, where even a lone payment is extra
 * (rare; a partial index, 0006).
 */
export async function freeOrderIds(db: Db, lo: string, hi: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom("orders")
    .select("id")
    .where("price_minor", "=", "0")
    .where("id", ">=", lo)
    .where("id", "<=", hi)
    .execute();
  return new Set(rows.map((o) => o.id));
}

/**
 * The orders' payments as the core's candidates (each order's in order of capture, then id) and
 * what each order is due, read side by side.
 */
export async function candidatesOfOrders(
  db: Db,
  orderIds: readonly string[],
): Promise<{ byOrder: Map<string, DuplicateCandidate[]>; due: Map<string, Money> }> {
  const [payments, orders] = await Promise.all([
    db
      .selectFrom("payments")
      .select(["order_id", "id", "charge_ref", "amount_minor", "currency", "captured_at", "method"])
      .where("order_id", "in", orderIds)
      .orderBy("order_id")
      .orderBy("captured_at")
      .orderBy("id")
      .execute(),
    db
      .selectFrom("orders")
      .select(["id", "price_minor", "price_currency"])
      .where("id", "in", orderIds)
      .execute(),
  ]);
  const due = new Map(
    orders.map((o) => [o.id, money(fromDbMinor(o.price_minor), o.price_currency)]),
  );
  const byOrder = new Map<string, DuplicateCandidate[]>();
  for (const p of payments) {
    const list = byOrder.get(p.order_id);
    if (list === undefined) byOrder.set(p.order_id, [candidateOf(p)]);
    else list.push(candidateOf(p));
  }
  return { byOrder, due };
}

/** The payments of the order already tied to a request (`duplicate_payments`). */
export async function coveredPaymentIds(db: Db, orderId: string): Promise<Set<string>> {
  const rows = await COVERED_PAYMENTS.execute(db, { orderId });
  return new Set(rows.map((r) => r.payment_id));
}

// The statements of every duplicate-payment follow-up (a payment written, the scan), compiled
// once per dialect (ADR 0011): building them cost more than running them (issue 18).
const COVERED_PAYMENTS = precompile<{ orderId: string }>()((db, p) =>
  db.selectFrom("duplicate_payments").select("payment_id").where("order_id", "=", p("orderId")),
);

/** The payments of the orders already tied to a request (`duplicate_payments`). */
export async function coveredPaymentIdsOfOrders(
  db: Db,
  orderIds: readonly string[],
): Promise<Set<string>> {
  const rows = await db
    .selectFrom("duplicate_payments")
    .select("payment_id")
    .where("order_id", "in", orderIds)
    .execute();
  return new Set(rows.map((r) => r.payment_id));
}

/** The order's duplicate-payment requests, oldest first, for the plan. */
export async function duplicateRequests(db: Db, orderId: string): Promise<RequestOnOrder[]> {
  const rows = await DUPLICATE_REQUESTS.execute(db, { orderId });
  return rows.map((r) => ({
    id: r.id,
    reason: r.reason as Reason,
    status: r.status as RequestStatus,
  }));
}

const DUPLICATE_REQUESTS = precompile<{ orderId: string }>()((db, p) =>
  db
    .selectFrom("refund_requests")
    .select(["id", "reason", "status"])
    .where("order_id", "=", p("orderId"))
    .where("reason", "=", "duplicate_payment")
    .orderBy("submitted_at")
    .orderBy("id"),
);

/** The duplicate-payment requests of each of the orders, oldest first. */
export async function duplicateRequestsOfOrders(
  db: Db,
  orderIds: readonly string[],
): Promise<Map<string, RequestOnOrder[]>> {
  const requests = new Map<string, RequestOnOrder[]>();
  for (const r of await db
    .selectFrom("refund_requests")
    .select(["id", "order_id", "reason", "status"])
    .where("order_id", "in", orderIds)
    .where("reason", "=", "duplicate_payment")
    .orderBy("submitted_at")
    .orderBy("id")
    .execute()) {
    const list = requests.get(r.order_id) ?? [];
    list.push({ id: r.id, reason: r.reason as Reason, status: r.status as RequestStatus });
    requests.set(r.order_id, list);
  }
  return requests;
}

/**
 * Ties the extras to the request that refunds them (`opened` it, or `covered` them): a row each
 * (a case has one extra as a rule); a payment tied already fails the caller's transaction.
 */
export async function tieDuplicates(
  trx: Db,
  orderId: string,
  requestId: string,
  paymentIds: readonly string[],
  how: "opened" | "covered",
  now: number,
): Promise<void> {
  const at = toDbInstant(now);
  for (const id of paymentIds) {
    await TIE_DUPLICATE.executeWrite(trx, {
      payment_id: id,
      order_id: orderId,
      request_id: requestId,
      how,
      created_at: at,
    });
  }
}

const TIE_DUPLICATE = precompile<DuplicatePaymentRow>()((db, p) =>
  db.insertInto("duplicate_payments").values({
    payment_id: p("payment_id"),
    order_id: p("order_id"),
    request_id: p("request_id"),
    how: p("how"),
    created_at: p("created_at"),
  }),
);
