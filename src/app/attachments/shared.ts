// What the attachment use cases share: loading the refund request an attachment belongs to with
// the resource-level access check, and the attachment as the API shows it.

import type { Kysely, Transaction } from "kysely";
import type { Action, Actor } from "../../core/access/index.js";
import type { AttachmentRow, Database } from "../../db/schema.js";
import { notFound } from "../errors.js";
import { authorize } from "../authorize.js";
import { findRequestOfAttachments } from "./repository.js";

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

/** The refund request's id, client and status, if the actor may `action` its attachments. */
export async function loadRequestFor(
  db: Db,
  actor: Actor,
  action: Action,
  requestId: string,
): Promise<{ id: string; client_id: string; status: string }> {
  const row = await findRequestOfAttachments(db, requestId);
  if (row === undefined) throw notFound("refund request");
  authorize(actor, action, row.client_id, "refund request");
  return row;
}
