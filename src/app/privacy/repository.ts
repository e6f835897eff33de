// What the personal-data use cases read and write (issue 17): a client contact's rows for an
// export, the erasure's updates (pseudonyms in place of personal values; financial rows are never
// touched), and the retention job's purge of long-closed requests.

import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** The text that replaces an erased message, description or file name. */
export const ERASED_TEXT = "[erased]";

export async function contactRow(db: Db, userId: string) {
  return db
    .selectFrom("users")
    .select(["id", "email", "name", "role", "client_id", "created_at", "erased_at", "disabled"])
    .where("id", "=", userId)
    .executeTakeFirst();
}

export async function contactByEmail(db: Db, email: string) {
  return db
    .selectFrom("users")
    .select("id")
    .where("email", "=", email.trim().toLowerCase())
    .executeTakeFirst();
}

/** The requests the contact submitted (the intake's audit entry names them as its actor). */
export async function requestIdsSubmittedBy(db: Db, actorRef: string): Promise<string[]> {
  const rows = await db
    .selectFrom("audit_events")
    .select("entity_id")
    .where("actor", "=", actorRef)
    .where("entity_type", "=", "refund_request")
    .where("action", "=", "request.submit")
    .execute();
  return [...new Set(rows.map((r) => r.entity_id))];
}

export async function requestsByIds(db: Db, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom("refund_requests")
    .select([
      "id",
      "order_id",
      "client_id",
      "reason",
      "description",
      "status",
      "submitted_at",
      "closed_at",
    ])
    .where("id", "in", [...ids])
    .orderBy("submitted_at")
    .execute();
}

/** Messages on the requests, and those the contact wrote anywhere (internal notes excluded). */
export async function messagesFor(db: Db, requestIds: readonly string[], userId: string) {
  return db
    .selectFrom("messages")
    .select(["id", "request_id", "author_user_id", "kind", "body", "created_at"])
    .where((eb) =>
      eb.or([
        eb("author_user_id", "=", userId),
        ...(requestIds.length === 0 ? [] : [eb("request_id", "in", [...requestIds])]),
      ]),
    )
    .where("internal", "=", 0)
    .orderBy("created_at")
    .execute();
}

export async function attachmentsUploadedBy(db: Db, userId: string) {
  return db
    .selectFrom("attachments")
    .select([
      "id",
      "request_id",
      "original_name",
      "stored_name",
      "content_type",
      "size_bytes",
      "sha256",
      "created_at",
      "storage",
    ])
    .where("uploaded_by", "=", userId)
    .orderBy("created_at")
    .execute();
}

export async function emailsSentTo(db: Db, email: string) {
  return db
    .selectFrom("notification_deliveries")
    .select(["outbox_id", "topic", "message_id", "sent_at"])
    .where("recipient", "=", email)
    .orderBy("sent_at")
    .execute();
}

/** Replaces the contact's identity by a pseudonym; disables the account. */
export async function pseudonymizeUser(
  trx: Transaction<Database>,
  userId: string,
  pseudonym: { readonly email: string; readonly name: string },
  at: string,
): Promise<void> {
  await trx
    .updateTable("users")
    .set({
      email: pseudonym.email,
      name: pseudonym.name,
      password_hash: "!",
      disabled: 1,
      erased_at: at,
      updated_at: at,
    })
    .where("id", "=", userId)
    .execute();
  await trx.deleteFrom("sessions").where("user_id", "=", userId).execute();
  await trx.deleteFrom("account_tokens").where("user_id", "=", userId).execute();
}

/** Everything else that holds the contact's address or texts, in place. */
export async function eraseContactTraces(
  trx: Transaction<Database>,
  c: {
    readonly userId: string;
    readonly actorRef: string;
    readonly email: string;
    readonly pseudonymEmail: string;
    readonly requestIds: readonly string[];
  },
): Promise<{ messages: number; attachments: number }> {
  const messages = await trx
    .updateTable("messages")
    .set({ body: ERASED_TEXT })
    .where("author_user_id", "=", c.userId)
    .executeTakeFirst();
  if (c.requestIds.length > 0) {
    await trx
      .updateTable("refund_requests")
      .set({ description: ERASED_TEXT })
      .where("id", "in", [...c.requestIds])
      .execute();
  }
  const attachments = await trx
    .updateTable("attachments")
    .set({ original_name: ERASED_TEXT })
    .where("uploaded_by", "=", c.userId)
    .executeTakeFirst();
  await trx
    .updateTable("notification_deliveries")
    .set({ recipient: c.pseudonymEmail })
    .where("recipient", "=", c.email)
    .execute();
  // Account e-mails (invitation, reset) carried the address in their payload.
  await trx
    .updateTable("outbox")
    .set({ payload: sql<string>`replace(payload, ${c.email}, ${c.pseudonymEmail})` })
    .where("payload", "like", `%${c.email}%`)
    .execute();
  // Stored answers to the person's own calls (Idempotency-Key replays) hold what they sent.
  await trx.deleteFrom("idempotency_keys").where("scope", "=", c.actorRef).execute();
  await trx.deleteFrom("login_throttle").where("key", "like", `%:${c.email}%`).execute();
  return {
    messages: Number(messages.numUpdatedRows),
    attachments: Number(attachments.numUpdatedRows),
  };
}

/** Closed requests whose messages and attachments are due for deletion, oldest first. */
export async function requestsDueForPurge(db: Db, closedBefore: string, limit: number) {
  return db
    .selectFrom("refund_requests")
    .select(["id", "closed_at"])
    .where("closed_at", "is not", null)
    .where("closed_at", "<", closedBefore)
    .where("purged_at", "is", null)
    .orderBy("closed_at")
    .limit(limit)
    .execute();
}

/** Deletes a request's messages and attachment rows; returns the attachment files to remove. */
export async function purgeRequest(
  trx: Transaction<Database>,
  requestId: string,
  at: string,
): Promise<{ messages: number; files: { stored_name: string; storage: string }[] }> {
  const files = await trx
    .selectFrom("attachments")
    .select(["stored_name", "storage"])
    .where("request_id", "=", requestId)
    .execute();
  await trx.deleteFrom("attachments").where("request_id", "=", requestId).execute();
  const messages = await trx
    .deleteFrom("messages")
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  await trx
    .updateTable("refund_requests")
    .set({ purged_at: at })
    .where("id", "=", requestId)
    .execute();
  return { messages: Number(messages.numDeletedRows), files };
}
