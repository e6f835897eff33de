// Orders, their payments and their service events in the database. The order's row lock is
// requests/repository.ts's `lockOrder` (intake, decisions and order changes take turns on it).

import type { Kysely, Transaction, Updateable } from "kysely";
import type {
  Database,
  OrderRow,
  OrdersTable,
  PaymentRow,
  ServiceEventRow,
} from "../../db/schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** The order row, or undefined. */
export async function orderById(db: Db, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom("orders").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertOrder(trx: Db, row: OrderRow): Promise<void> {
  await trx.insertInto("orders").values(row).execute();
}

/**
 * Writes the changed columns of an order, a new version and its update time, only if the order is
 * still at `version` (optimistic concurrency). False when another change got there first.
 */
export async function updateOrderAtVersion(
  trx: Db,
  id: string,
  version: number,
  set: Updateable<OrdersTable>,
  updatedAt: string,
): Promise<boolean> {
  const updated = await trx
    .updateTable("orders")
    .set({ ...set, version: version + 1, updated_at: updatedAt })
    .where("id", "=", id)
    .where("version", "=", version)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * One page of orders, newest placed first (one row more than the limit when there is a next
 * page): of one client or of all, after the (placed_at, id) of the previous page's last.
 */
export async function orderPage(
  db: Db,
  q: {
    readonly clientId: string | undefined;
    readonly after: { readonly key: string; readonly id: string } | undefined;
    readonly limit: number;
  },
): Promise<OrderRow[]> {
  let query = db.selectFrom("orders").selectAll();
  if (q.clientId !== undefined) query = query.where("client_id", "=", q.clientId);
  const after = q.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("placed_at", "<", after.key),
        eb.and([eb("placed_at", "=", after.key), eb("id", "<", after.id)]),
      ]),
    );
  }
  return query
    .orderBy("placed_at", "desc")
    .orderBy("id", "desc")
    .limit(q.limit + 1)
    .execute();
}

export async function paymentById(db: Db, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom("payments").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The card payment recorded under a provider charge reference: the reference, amount, currency. */
export async function cardPaymentByChargeRef(
  db: Db,
  chargeRef: string,
): Promise<Pick<PaymentRow, "provider_ref" | "amount_minor" | "currency"> | undefined> {
  return db
    .selectFrom("payments")
    .select(["provider_ref", "amount_minor", "currency"])
    .where("provider_ref", "=", chargeRef)
    .where("method", "=", "card")
    .executeTakeFirst();
}

/** Every card payment with a provider charge reference: the reference, amount, currency. */
export async function cardPaymentsWithChargeRef(
  db: Db,
): Promise<Pick<PaymentRow, "provider_ref" | "amount_minor" | "currency">[]> {
  return db
    .selectFrom("payments")
    .select(["provider_ref", "amount_minor", "currency"])
    .where("method", "=", "card")
    .where("provider_ref", "is not", null)
    .execute();
}

export async function paymentByProviderRef(
  db: Db,
  providerRef: string,
): Promise<PaymentRow | undefined> {
  return db
    .selectFrom("payments")
    .selectAll()
    .where("provider_ref", "=", providerRef)
    .executeTakeFirst();
}

export async function insertPayment(trx: Db, row: PaymentRow): Promise<void> {
  await trx.insertInto("payments").values(row).execute();
}

export async function insertServiceEvent(trx: Db, row: ServiceEventRow): Promise<void> {
  await trx.insertInto("service_events").values(row).execute();
}

/** The service event, if it is one of the order's. */
export async function serviceEventOfOrder(
  db: Db,
  eventId: string,
  orderId: string,
): Promise<ServiceEventRow | undefined> {
  return db
    .selectFrom("service_events")
    .selectAll()
    .where("id", "=", eventId)
    .where("order_id", "=", orderId)
    .executeTakeFirst();
}

/** Sets a service event's end (null: ongoing) and note. */
export async function updateServiceEventRow(
  trx: Db,
  id: string,
  set: { readonly to_at: string | null; readonly note: string | null },
): Promise<void> {
  await trx
    .updateTable("service_events")
    .set({ to_at: set.to_at, note: set.note })
    .where("id", "=", id)
    .execute();
}
