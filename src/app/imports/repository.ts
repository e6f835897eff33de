// Bulk imports' queries: references of a batch of rows looked up at once, rows inserted many at a
// time (a row that clashes with another of the same import is left out and named by the caller),
// and which of a batch's orders need the follow-up that a single write runs (re-evaluation of open
// requests, duplicate-payment cases).

import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from "kysely";
import type {
  Database,
  ImportJobRow,
  ImportsTable,
  OrderRow,
  PaymentRow,
  ServiceEventRow,
} from "../../db/schema.js";
import { insertRows } from "../../db/bulk-insert.js";
import { inList } from "../../db/in-list.js";
import { OPEN_STATUSES } from "../requests/repository.js";

type Db = Kysely<Database> | Transaction<Database>;

/** The ids among `ids` that name a row of `table`. */
async function existingIds(
  db: Db,
  table: "clients" | "orders",
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom(table)
    .select("id")
    .where(inList(db, "id", ids))
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** The ids among `ids` that name a client. */
export const existingClientIds = (db: Db, ids: readonly string[]): Promise<Set<string>> =>
  existingIds(db, "clients", ids);

/** The ids among `ids` that name an order. */
export const existingOrderIds = (db: Db, ids: readonly string[]): Promise<Set<string>> =>
  existingIds(db, "orders", ids);

/** Locks the orders among `ids` (PostgreSQL; SQLite write transactions are serial already). */
export async function lockOrders(
  trx: Transaction<Database>,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .selectFrom("orders")
    .select("id")
    .where(inList(trx, "id", ids))
    .forUpdate()
    .execute();
}

/** The stored payments whose id is among `ids` or whose provider reference is among `refs`. */
export async function paymentsByIdsOrRefs(
  db: Db,
  ids: readonly string[],
  refs: readonly string[],
): Promise<PaymentRow[]> {
  if (ids.length === 0 && refs.length === 0) return [];
  return db
    .selectFrom("payments")
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(ids.length > 0 ? [inList(db, "id", ids)] : []),
        ...(refs.length > 0 ? [inList(db, "provider_ref", refs)] : []),
      ]),
    )
    .execute();
}

/**
 * Inserts rows of `table`, leaving out any that clash with a stored row on a key; returns the
 * ids actually inserted.
 */
function insertNew<T extends { id: string }>(
  trx: Transaction<Database>,
  table: "orders" | "payments" | "service_events",
  rows: readonly T[],
): Promise<Set<string>> {
  return insertRows(trx, table, rows, true);
}

export const insertNewOrders = (trx: Transaction<Database>, rows: readonly OrderRow[]) =>
  insertNew(trx, "orders", rows);
export const insertNewPayments = (trx: Transaction<Database>, rows: readonly PaymentRow[]) =>
  insertNew(trx, "payments", rows);
export const insertNewServiceEvents = (
  trx: Transaction<Database>,
  rows: readonly ServiceEventRow[],
) => insertNew(trx, "service_events", rows);

/**
 * Per order among `ids` that exists: its client, and what decides the follow-up of a write to it
 * (how many payments it has, its price, how many of its requests are open).
 */
export interface OrderFollowUpFacts {
  readonly orderId: string;
  readonly clientId: string;
  readonly payments: number;
  readonly priceMinor: string;
  readonly priceCurrency: string;
  readonly openRequests: number;
}

export async function ordersFollowUpFacts(
  db: Db,
  ids: readonly string[],
): Promise<OrderFollowUpFacts[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("orders as o")
    .select((eb) => [
      "o.id as orderId",
      "o.client_id as clientId",
      "o.price_minor as priceMinor",
      "o.price_currency as priceCurrency",
      eb
        .selectFrom("payments as p")
        .select(sql<number>`count(*)`.as("n"))
        .whereRef("p.order_id", "=", "o.id")
        .as("payments"),
      eb
        .selectFrom("refund_requests as r")
        .select(sql<number>`count(*)`.as("n"))
        .whereRef("r.order_id", "=", "o.id")
        .where("r.status", "in", OPEN_STATUSES)
        .as("openRequests"),
    ])
    .where(inList(db, "o.id", ids))
    .execute();
  return rows.map((r) => ({
    orderId: r.orderId,
    clientId: r.clientId,
    priceMinor: String(r.priceMinor),
    priceCurrency: r.priceCurrency,
    payments: Number(r.payments ?? 0),
    openRequests: Number(r.openRequests ?? 0),
  }));
}

// ---- imports sent over the API (jobs and their bodies) -------------------------------------------

/** Stores a new import job (its body follows, a chunk at a time). */
export async function insertImportJob(db: Db, row: Insertable<ImportsTable>): Promise<void> {
  await db.insertInto("imports").values(row).execute();
}

/** Stores chunk `seq` of an import's body. */
export async function insertImportChunk(
  db: Db,
  importId: string,
  seq: number,
  data: Uint8Array,
): Promise<void> {
  await db.insertInto("import_chunks").values({ import_id: importId, seq, data }).execute();
}

/** Chunk `seq` of an import's body, or undefined past its end. */
export async function importChunk(
  db: Db,
  importId: string,
  seq: number,
): Promise<Uint8Array | undefined> {
  const row = await db
    .selectFrom("import_chunks")
    .select("data")
    .where("import_id", "=", importId)
    .where("seq", "=", seq)
    .executeTakeFirst();
  return row?.data;
}

/** Removes an import that never got its whole body (its chunks go with it). */
export async function deleteImportJob(db: Db, id: string): Promise<void> {
  await db.deleteFrom("import_chunks").where("import_id", "=", id).execute();
  await db.deleteFrom("imports").where("id", "=", id).execute();
}

/** Changes an import job's columns. */
export async function updateImportJob(
  db: Db,
  id: string,
  set: Updateable<ImportsTable>,
): Promise<void> {
  await db.updateTable("imports").set(set).where("id", "=", id).execute();
}

/**
 * Claims the oldest import waiting for a worker, or one whose worker's claim ran out (it crashed:
 * its transaction was rolled back, so running it again writes everything once): marks it running
 * until `until`. Undefined when there is none, or another worker got it first.
 */
export async function claimImportJob(
  db: Db,
  now: string,
  until: string,
): Promise<ImportJobRow | undefined> {
  const next = await db
    .selectFrom("imports")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("status", "=", "pending"),
        eb.and([eb("status", "=", "running"), eb("claimed_until", "<", now)]),
      ]),
    )
    .orderBy("created_at")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  if (next === undefined) return undefined;
  const claimed = await db
    .updateTable("imports")
    .set({ status: "running", claimed_until: until, started_at: now })
    .where("id", "=", next.id)
    .where("status", "=", next.status)
    .where((eb) =>
      next.claimed_until === null
        ? eb("claimed_until", "is", null)
        : eb("claimed_until", "=", next.claimed_until),
    )
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return undefined;
  return { ...next, status: "running", claimed_until: until, started_at: now };
}

export async function importJobById(db: Db, id: string): Promise<ImportJobRow | undefined> {
  return db.selectFrom("imports").selectAll().where("id", "=", id).executeTakeFirst();
}

/** One page of import jobs, newest first (one more than `limit` when there is a next page). */
export async function importJobPage(
  db: Db,
  q: {
    readonly requestedBy: string | undefined;
    readonly after: { readonly key: string; readonly id: string } | undefined;
    readonly limit: number;
  },
): Promise<ImportJobRow[]> {
  let query = db.selectFrom("imports").selectAll();
  if (q.requestedBy !== undefined) query = query.where("requested_by", "=", q.requestedBy);
  const after = q.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("created_at", "<", after.key),
        eb.and([eb("created_at", "=", after.key), eb("id", "<", after.id)]),
      ]),
    );
  }
  return query
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(q.limit + 1)
    .execute();
}
