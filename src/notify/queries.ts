// What delivery reads and writes in the database: the facts a notification's template needs
// (request, order, decision, message, payout, payment) and who receives it; the e-mails sent per
// outbox row (`notification_deliveries`); webhook deliveries (recorded per subscribed endpoint,
// claimed under a lease, their outcome). The outbox rows themselves are src/db/outbox.ts's.

import type { Kysely, Updateable } from "kysely";
import { dialectOf } from "../db/connection.js";
import type {
  Database,
  PayoutRow,
  RefundRequestRow,
  WebhookDeliveriesTable,
} from "../db/schema.js";

type Db = Kysely<Database>;

/** True when the e-mail of outbox row `outboxId` to `recipient` was accepted already. */
export async function emailSent(db: Db, outboxId: string, recipient: string): Promise<boolean> {
  const sent = await db
    .selectFrom("notification_deliveries")
    .select("outbox_id")
    .where("outbox_id", "=", outboxId)
    .where("recipient", "=", recipient)
    .executeTakeFirst();
  return sent !== undefined;
}

/** Records an e-mail accepted by the mail server (once per outbox row and recipient). */
export async function recordEmailSent(
  db: Db,
  e: {
    readonly outboxId: string;
    readonly recipient: string;
    readonly topic: string;
    readonly messageId: string;
    readonly sentAt: string;
  },
): Promise<void> {
  // An address erased while its e-mail was on its way (ADR 0028) is not written back: recipients
  // are users, and an erased user's address is gone from users.
  const known = await db
    .selectFrom("users")
    .select("id")
    .where("email", "=", e.recipient)
    .executeTakeFirst();
  if (known === undefined) return;
  await db
    .insertInto("notification_deliveries")
    .values({
      outbox_id: e.outboxId,
      recipient: e.recipient,
      topic: e.topic,
      message_id: e.messageId,
      sent_at: e.sentAt,
    })
    .onConflict((oc) => oc.columns(["outbox_id", "recipient"]).doNothing())
    .execute();
}

export async function findRequest(db: Db, id: string): Promise<RefundRequestRow | undefined> {
  return db.selectFrom("refund_requests").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The order's id and service name. */
export async function findOrderService(
  db: Db,
  id: string,
): Promise<{ id: string; service_name: string } | undefined> {
  return db
    .selectFrom("orders")
    .select(["id", "service_name"])
    .where("id", "=", id)
    .executeTakeFirst();
}

/** The payout, if it is one of the request's. */
export async function findPayoutOfRequest(
  db: Db,
  payoutId: string,
  requestId: string,
): Promise<PayoutRow | undefined> {
  return db
    .selectFrom("payouts")
    .selectAll()
    .where("id", "=", payoutId)
    .where("request_id", "=", requestId)
    .executeTakeFirst();
}

/** The request's latest final decision (approve or deny): its kind and amount. */
export async function latestFinalDecision(
  db: Db,
  requestId: string,
): Promise<
  | {
      kind: string;
      amount_minor: string | null;
      amount_currency: string | null;
      justification: string | null;
      clauses_json: string | null;
    }
  | undefined
> {
  return db
    .selectFrom("decisions")
    .select(["kind", "amount_minor", "amount_currency", "justification", "clauses_json"])
    .where("request_id", "=", requestId)
    .where("kind", "in", ["approve", "deny"])
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** The body of a message, if it is one of the request's. */
export async function messageBodyOfRequest(
  db: Db,
  messageId: string,
  requestId: string,
): Promise<string | undefined> {
  const msg = await db
    .selectFrom("messages")
    .select(["body"])
    .where("id", "=", messageId)
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return msg?.body;
}

/** A payment's currency, if the payment exists. */
export async function paymentCurrency(db: Db, paymentId: string): Promise<string | undefined> {
  const payment = await db
    .selectFrom("payments")
    .select("currency")
    .where("id", "=", paymentId)
    .executeTakeFirst();
  return payment?.currency;
}

/**
 * The last question or answer written up to the event (the message and its outbox row share the
 * transaction's instant), so a row retried after a second round still quotes its own text.
 */
export async function latestMessage(
  db: Db,
  requestId: string,
  kind: "question" | "answer",
  upTo: string,
): Promise<string | null> {
  const row = await db
    .selectFrom("messages")
    .select("body")
    .where("request_id", "=", requestId)
    .where("kind", "=", kind)
    .where("created_at", "<=", upTo)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.body ?? null;
}

/** A recipient: an active user. */
export interface Recipient {
  readonly email: string;
  readonly name: string;
}

/**
 * Who is told: a client's active users; for staff the request's reviewer when active, else every
 * active qa user; for finance every active finance user.
 */
export async function recipientsFor(
  db: Db,
  audience: "client" | "staff" | "finance",
  request: Pick<RefundRequestRow, "client_id" | "reviewer_id">,
): Promise<Recipient[]> {
  const base = db.selectFrom("users").select(["email", "name"]).where("disabled", "=", 0);
  switch (audience) {
    case "client":
      return base
        .where("role", "=", "client")
        .where("client_id", "=", request.client_id)
        .orderBy("email")
        .execute();
    case "staff": {
      if (request.reviewer_id !== null) {
        const reviewer = await base
          .where("id", "=", request.reviewer_id)
          .where("role", "<>", "client")
          .execute();
        if (reviewer.length > 0) return reviewer;
      }
      return base.where("role", "=", "qa").orderBy("email").execute();
    }
    case "finance":
      return base.where("role", "=", "finance").orderBy("email").execute();
  }
}

/** A user's e-mail, name and whether the account is disabled. */
export async function findMailUser(
  db: Db,
  userId: string,
): Promise<{ email: string; name: string; disabled: number } | undefined> {
  return db
    .selectFrom("users")
    .select(["email", "name", "disabled"])
    .where("id", "=", userId)
    .executeTakeFirst();
}

/** The enabled webhook endpoints and their event filters (JSON arrays). */
export async function enabledEndpoints(db: Db): Promise<{ id: string; events: string }[]> {
  return db
    .selectFrom("webhook_endpoints")
    .select(["id", "events"])
    .where("disabled", "=", 0)
    .execute();
}

/**
 * Records an event's delivery to each endpoint, pending from `at`. Idempotent: a delivery already
 * recorded for an event and endpoint stays as it is (unique event_id + endpoint_id).
 */
export async function insertWebhookDeliveries(
  db: Db,
  event: {
    readonly eventId: string;
    readonly type: string;
    readonly body: string;
    readonly at: string;
  },
  deliveries: readonly { readonly id: string; readonly endpointId: string }[],
): Promise<void> {
  await db
    .insertInto("webhook_deliveries")
    .values(
      deliveries.map((d) => ({
        id: d.id,
        event_id: event.eventId,
        event_type: event.type,
        endpoint_id: d.endpointId,
        body: event.body,
        status: "pending" as const,
        next_attempt_at: event.at,
        created_at: event.at,
      })),
    )
    .onConflict((oc) => oc.columns(["event_id", "endpoint_id"]).doNothing())
    .execute();
}

/** A delivery as claimed, with its endpoint's URL and secret. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly body: string;
  readonly attempts: number;
  readonly url: string;
  readonly secret: string;
}

/**
 * Claims up to `limit` pending deliveries due at `now` to enabled endpoints, in one transaction:
 * selected (PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint rows) and their
 * next attempt moved to `leaseUntil`; returned with their endpoint.
 */
export async function claimDueDeliveries(
  db: Db,
  now: string,
  leaseUntil: string,
  limit: number,
): Promise<ClaimedDelivery[]> {
  return db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhook_endpoints as e", "e.id", "d.endpoint_id")
      .select(["d.id"])
      .where("d.status", "=", "pending")
      .where("d.next_attempt_at", "<=", now)
      .where("e.disabled", "=", 0)
      .orderBy("d.next_attempt_at")
      .orderBy("d.id")
      .limit(limit);
    if (dialectOf(trx) === "postgres") q = q.forUpdate("d").skipLocked();
    const ids = (await q.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    await trx
      .updateTable("webhook_deliveries")
      .set({ next_attempt_at: leaseUntil })
      .where("id", "in", ids)
      .execute();
    return trx
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhook_endpoints as e", "e.id", "d.endpoint_id")
      .select(["d.id", "d.event_id", "d.event_type", "d.body", "d.attempts", "e.url", "e.secret"])
      .where("d.id", "in", ids)
      .orderBy("d.next_attempt_at")
      .execute();
  });
}

/** Records an attempt's outcome on a delivery. */
export async function updateDelivery(
  db: Db,
  id: string,
  set: Updateable<WebhookDeliveriesTable>,
): Promise<void> {
  await db.updateTable("webhook_deliveries").set(set).where("id", "=", id).execute();
}

/** Every active finance user (dispute reminders). */
export async function financeRecipients(db: Db): Promise<Recipient[]> {
  return db
    .selectFrom("users")
    .select(["email", "name"])
    .where("disabled", "=", 0)
    .where("role", "=", "finance")
    .orderBy("email")
    .execute();
}
