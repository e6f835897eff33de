// The lists under an order, a page at a time (keyset on their natural order): payments by capture
// time, service events by their start.

import type { Kysely } from "kysely";
import { keysetAfter, type KeysetAfter } from "../../db/keyset.js";
import type { Database, PaymentRow, ServiceEventRow } from "../../db/schema.js";

/** Payments of an order in capture order, after `after`, `limit + 1` of them. */
export function orderPaymentsPage(
  db: Kysely<Database>,
  orderId: string,
  after: KeysetAfter | null,
  limit: number,
): Promise<PaymentRow[]> {
  const q = db.selectFrom("payments").selectAll().where("order_id", "=", orderId);
  return keysetAfter(q, "captured_at", "id", after, limit).execute();
}

/** Every payment of an order in capture order (then by id): the facts its extra flags need. */
export function orderPaymentsInOrder(
  db: Kysely<Database>,
  orderId: string,
): Promise<Pick<PaymentRow, "id" | "charge_ref" | "amount_minor" | "currency" | "captured_at">[]> {
  return db
    .selectFrom("payments")
    .select(["id", "charge_ref", "amount_minor", "currency", "captured_at"])
    .where("order_id", "=", orderId)
    .orderBy("captured_at", "asc")
    .orderBy("id", "asc")
    .execute();
}

/** Service events of an order by their start, after `after`, `limit + 1` of them. */
export function orderEventsPage(
  db: Kysely<Database>,
  orderId: string,
  after: KeysetAfter | null,
  limit: number,
): Promise<ServiceEventRow[]> {
  const q = db.selectFrom("service_events").selectAll().where("order_id", "=", orderId);
  return keysetAfter(q, "from_at", "id", after, limit).execute();
}
