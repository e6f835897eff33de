// The disputes module's queries (issue 20): dispute rows, the payment a dispute names, the card
// payouts a dispute holds and releases, and the facts of an evidence draft.

import type { Insertable, Kysely, Selectable, Transaction, Updateable } from "kysely";
import { dialectOf } from "../../db/connection.js";
import type { Database, DisputesTable } from "../../db/schema.js";

type Db = Kysely<Database> | Transaction<Database>;

export type DisputeRow = Selectable<DisputesTable>;

/** The card payment whose provider reference is one of `refs` (a charge or its payment intent). */
export async function paymentByProviderRef(db: Db, refs: readonly string[]) {
  if (refs.length === 0) return undefined;
  return db
    .selectFrom("payments")
    .select([
      "id",
      "order_id",
      "client_id",
      "amount_minor",
      "currency",
      "provider_ref",
      "captured_at",
    ])
    .where("provider_ref", "in", [...refs])
    .orderBy("id")
    .executeTakeFirst();
}

export async function findDispute(db: Db, id: string): Promise<DisputeRow | undefined> {
  return db.selectFrom("disputes").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The dispute, locked until commit on PostgreSQL (SQLite: one writer at a time). */
export async function lockDispute(trx: Db, id: string): Promise<DisputeRow | undefined> {
  const q = trx.selectFrom("disputes").selectAll().where("id", "=", id);
  return (dialectOf(trx) === "postgres" ? q.forUpdate() : q).executeTakeFirst();
}

export async function insertDispute(trx: Db, row: Insertable<DisputesTable>): Promise<void> {
  await trx.insertInto("disputes").values(row).execute();
}

export async function updateDispute(
  trx: Db,
  id: string,
  values: Updateable<DisputesTable>,
): Promise<void> {
  await trx.updateTable("disputes").set(values).where("id", "=", id).execute();
}

/** A page of disputes by due-by (the most urgent first; none last), then id. */
export async function disputePage(
  db: Db,
  filter: { readonly status?: string; readonly open?: boolean },
  after: { readonly key: string; readonly id: string } | null,
  limit: number,
): Promise<DisputeRow[]> {
  // Sort key: the due-by, or a far date when the provider gave none (text compares as time).
  const FAR = "9999-12-31T23:59:59.999Z";
  let q = db.selectFrom("disputes").selectAll();
  if (filter.status !== undefined) q = q.where("status", "=", filter.status);
  if (filter.open === true) q = q.where("closed_at", "is", null);
  if (filter.open === false) q = q.where("closed_at", "is not", null);
  if (after !== null) {
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn.coalesce("due_by", eb.val(FAR)), ">", after.key),
        eb.and([
          eb(eb.fn.coalesce("due_by", eb.val(FAR)), "=", after.key),
          eb("id", ">", after.id),
        ]),
      ]),
    );
  }
  return q
    .orderBy((eb) => eb.fn.coalesce("due_by", eb.val(FAR)))
    .orderBy("id")
    .limit(limit + 1)
    .execute();
}

export const NO_DUE_BY_KEY = "9999-12-31T23:59:59.999Z";

/** Scheduled card payouts from the payment that nothing holds yet (the dispute will hold them). */
export async function holdablePayouts(trx: Db, paymentId: string) {
  return trx
    .selectFrom("payouts")
    .select(["id", "request_id", "status", "version", "action_alerted_at"])
    .where("payment_id", "=", paymentId)
    .where("method", "=", "card")
    .where("status", "=", "scheduled")
    .where("parked_at", "is", null)
    .orderBy("id")
    .execute();
}

/** Parks a payout for a dispute: not sent, shown to finance as needing action. */
export async function holdPayoutRow(
  trx: Db,
  p: { readonly id: string; readonly version: number },
  hold: { readonly by: string; readonly reason: string; readonly at: string },
): Promise<void> {
  await trx
    .updateTable("payouts")
    .set({
      status: "scheduled",
      parked_at: hold.at,
      held_by_dispute: hold.by,
      failure_reason: hold.reason,
      claimed_by: null,
      claimed_until: null,
      updated_at: hold.at,
      version: p.version + 1,
    })
    .where("id", "=", p.id)
    .execute();
}

/** The payouts from the payment a dispute (or the provider's refusal) holds. */
export async function heldPayouts(trx: Db, paymentId: string) {
  return trx
    .selectFrom("payouts")
    .selectAll()
    .where("payment_id", "=", paymentId)
    .where("held_by_dispute", "is not", null)
    .where("status", "=", "scheduled")
    .orderBy("id")
    .execute();
}

/** The payouts of requests on the order (the client's refunds), succeeded, for the evidence. */
export async function succeededPayoutsOfPayment(db: Db, paymentId: string) {
  return db
    .selectFrom("payouts")
    .select(["amount_minor", "currency", "succeeded_at"])
    .where("payment_id", "=", paymentId)
    .where("status", "=", "succeeded")
    .orderBy("succeeded_at")
    .execute();
}

/** What the evidence draft reads of the order. */
export async function evidenceOrder(db: Db, orderId: string) {
  return db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirstOrThrow();
}

export async function evidenceServiceEvents(db: Db, orderId: string) {
  return db
    .selectFrom("service_events")
    .select(["kind", "from_at", "to_at", "note"])
    .where("order_id", "=", orderId)
    .orderBy("from_at")
    .orderBy("id")
    .execute();
}

/** The order's requests, oldest first. */
export async function evidenceRequests(db: Db, orderId: string) {
  return db
    .selectFrom("refund_requests")
    .select([
      "id",
      "reason",
      "description",
      "status",
      "submitted_at",
      "client_id",
      "order_id",
      "policy_version_id",
    ])
    .where("order_id", "=", orderId)
    .orderBy("submitted_at")
    .orderBy("id")
    .execute();
}

/** The final decisions of the requests (approve, deny, offer), oldest first. */
export async function evidenceDecisions(db: Db, requestIds: readonly string[]) {
  if (requestIds.length === 0) return [];
  return db
    .selectFrom("decisions")
    .select([
      "request_id",
      "kind",
      "justification",
      "amount_minor",
      "amount_currency",
      "created_at",
      "clauses_json",
    ])
    .where("request_id", "in", [...requestIds])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** Messages the client could read (never internal notes), oldest first. */
export async function evidenceMessages(db: Db, requestIds: readonly string[]) {
  if (requestIds.length === 0) return [];
  return db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.author_user_id")
    .select(["m.request_id", "m.body", "m.created_at", "u.role"])
    .where("m.request_id", "in", [...requestIds])
    .where("m.internal", "=", 0)
    .orderBy("m.created_at")
    .orderBy("m.id")
    .execute();
}

export async function evidenceAttachments(db: Db, requestIds: readonly string[]) {
  if (requestIds.length === 0) return [];
  return db
    .selectFrom("attachments")
    .select(["request_id", "original_name", "content_type", "size_bytes", "created_at"])
    .where("request_id", "in", [...requestIds])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** The payment the disputed one repeats, when it is an extra (a duplicate) of its order. */
export async function duplicateOriginal(db: Db, paymentId: string) {
  const dup = await db
    .selectFrom("duplicate_payments")
    .select(["order_id"])
    .where("payment_id", "=", paymentId)
    .executeTakeFirst();
  if (dup === undefined) return null;
  return (
    (await db
      .selectFrom("payments")
      .select(["id", "charge_ref", "provider_ref"])
      .where("order_id", "=", dup.order_id)
      .where("id", "!=", paymentId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("duplicate_payments as d")
              .select("d.payment_id")
              .whereRef("d.payment_id", "=", "payments.id"),
          ),
        ),
      )
      .orderBy("captured_at")
      .orderBy("id")
      .executeTakeFirst()) ?? null
  );
}

/** Open disputes awaiting a response whose due-by is within `untilIso` (reminder candidates). */
export async function reminderCandidates(db: Db, untilIso: string, nowIso: string) {
  return db
    .selectFrom("disputes")
    .selectAll()
    .where("closed_at", "is", null)
    .where("evidence_submitted_at", "is", null)
    .where("due_by", "is not", null)
    .where("due_by", "<=", untilIso)
    .where("due_by", ">", nowIso)
    .orderBy("due_by")
    .limit(500)
    .execute();
}

/** Claims a reminder once (a conditional update: two workers never send it twice). */
export async function claimReminder(
  trx: Db,
  id: string,
  which: 5 | 2,
  at: string,
): Promise<boolean> {
  const column = which === 5 ? "reminded_5_at" : "reminded_2_at";
  const r = await trx
    .updateTable("disputes")
    .set({ [column]: at })
    .where("id", "=", id)
    .where(column, "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every dispute of a payment's charge. */
export async function findDisputesOfPayment(db: Db, paymentId: string): Promise<DisputeRow[]> {
  return db
    .selectFrom("disputes")
    .selectAll()
    .where("payment_id", "=", paymentId)
    .orderBy("id")
    .execute();
}

export async function evidencePayment(db: Db, id: string) {
  return db
    .selectFrom("payments")
    .select(["id", "order_id", "amount_minor", "currency", "captured_at"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}
