// Attachments in the database: the rows of a request's files, and the little of the request they
// need (its client, for the access check, and its status).

import type { Kysely, Transaction } from "kysely";
import type { AttachmentRow, Database } from "../../db/schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** An attachment with the client of the request it belongs to. */
export type AttachmentWithClient = AttachmentRow & { readonly client_id: string };

/** The attachment and its request's client, if it exists. */
export async function findAttachmentWithClient(
  db: Db,
  attachmentId: string,
): Promise<AttachmentWithClient | undefined> {
  return db
    .selectFrom("attachments")
    .innerJoin("refund_requests", "refund_requests.id", "attachments.request_id")
    .selectAll("attachments")
    .select("refund_requests.client_id as client_id")
    .where("attachments.id", "=", attachmentId)
    .executeTakeFirst();
}

/** The request's id, client and status, if it exists. */
export async function findRequestOfAttachments(
  db: Db,
  requestId: string,
): Promise<{ id: string; client_id: string; status: string } | undefined> {
  return db
    .selectFrom("refund_requests")
    .select(["id", "client_id", "status"])
    .where("id", "=", requestId)
    .executeTakeFirst();
}

export async function insertAttachment(trx: Db, row: AttachmentRow): Promise<void> {
  await trx.insertInto("attachments").values(row).execute();
}

type StorageName = AttachmentRow["storage"];

/** Of `keys`, those with an attachment row whose bytes are in `storage`. */
export async function keysWithRows(
  db: Db,
  storage: StorageName,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom("attachments")
    .select("stored_name")
    .where("storage", "=", storage)
    .where("stored_name", "in", keys)
    .execute();
  return new Set(rows.map((r) => r.stored_name));
}

/** What `attachments move` and `verify` need of a row. */
export type StoredAttachment = Pick<
  AttachmentRow,
  "id" | "stored_name" | "storage" | "size_bytes" | "sha256"
>;

/** Attachment rows after `afterId` in id order (those not yet in `notIn`, when given). */
export async function attachmentsAfter(
  db: Db,
  afterId: string | null,
  limit: number,
  notIn?: StorageName,
): Promise<StoredAttachment[]> {
  let q = db
    .selectFrom("attachments")
    .select(["id", "stored_name", "storage", "size_bytes", "sha256"])
    .orderBy("id")
    .limit(limit);
  if (afterId !== null) q = q.where("id", ">", afterId);
  if (notIn !== undefined) q = q.where("storage", "!=", notIn);
  return q.execute();
}

/** Points the row at its new store, if it still names `from`; true when it did. */
export async function setAttachmentStorage(
  trx: Db,
  id: string,
  from: StorageName,
  to: StorageName,
): Promise<boolean> {
  const r = await trx
    .updateTable("attachments")
    .set({ storage: to })
    .where("id", "=", id)
    .where("storage", "=", from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
