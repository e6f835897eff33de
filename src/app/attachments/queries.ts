// The files of a request a page at a time, oldest first (keyset on created_at, id).

import type { Kysely } from "kysely";
import { keysetAfter, type KeysetAfter } from "../../db/keyset.js";
import type { AttachmentRow, Database } from "../../db/schema.js";

/** A request's attachments after `after`, oldest first, `limit + 1` of them. */
export function requestAttachmentsPage(
  db: Kysely<Database>,
  requestId: string,
  after: KeysetAfter | null,
  limit: number,
): Promise<AttachmentRow[]> {
  const q = db.selectFrom("attachments").selectAll().where("request_id", "=", requestId);
  return keysetAfter(q, "created_at", "id", after, limit).execute();
}
