// What the attachment use cases share: loading the refund request an attachment belongs to with
// the resource-level access check, and the attachment as the API shows it.

import type { Kysely, Transaction } from "kysely";
import { visibleOrNotFound, type Action, type Actor } from "../../core/access/index.js";
import type { AttachmentRow, Database } from "../../db/schema.js";
import { AppError, notFound } from "../errors.js";

type Db = Kysely<Database> | Transaction<Database>;

/** An attachment as the API shows it (never where it lies on disk). */
export interface AttachmentJson {
  readonly id: string;
  readonly requestId: string;
  /** The client's file name, sanitised. */
  readonly name: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  /** SHA-256 of the content, lower-case hex. */
  readonly sha256: string;
  readonly uploadedAt: string;
}

/** The API view of an attachment row. */
export function presentAttachment(row: AttachmentRow): AttachmentJson {
  return {
    id: row.id,
    requestId: row.request_id,
    name: row.original_name,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    uploadedAt: row.created_at,
  };
}

/** Throws unless `actor` may `action` a resource of `clientId` (404 like a missing `what`). */
export function ensureVisible(actor: Actor, action: Action, clientId: string, what: string): void {
  switch (visibleOrNotFound(actor, action, { clientId })) {
    case "ok":
      return;
    case "not_found":
      throw notFound(what);
    case "forbidden":
      throw new AppError("forbidden", `not allowed: ${action}`);
    case "unauthenticated":
      throw new AppError("unauthenticated", "sign in or send an API token");
  }
}

/** The refund request's id, client and status, if the actor may `action` its attachments. */
export async function loadRequestFor(
  db: Db,
  actor: Actor,
  action: Action,
  requestId: string,
): Promise<{ id: string; client_id: string; status: string }> {
  const row = await db
    .selectFrom("refund_requests")
    .select(["id", "client_id", "status"])
    .where("id", "=", requestId)
    .executeTakeFirst();
  if (row === undefined) throw notFound("refund request");
  ensureVisible(actor, action, row.client_id, "refund request");
  return row;
}
