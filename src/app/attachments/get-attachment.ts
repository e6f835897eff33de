// GET /attachments/:id: one attachment and where its file lies, for a caller who may read it.

import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { storedPath } from "./storage.js";
import { presentAttachment, type AttachmentJson } from "./shared.js";
import { authorize } from "../authorize.js";

/** The attachment and its file's path; 404 when missing or (for a client) not its own. */
export async function getAttachment(
  deps: AppDeps,
  ctx: ActionContext,
  attachmentId: string,
): Promise<{ attachment: AttachmentJson; path: string }> {
  const row = await deps.db
    .selectFrom("attachments")
    .innerJoin("refund_requests", "refund_requests.id", "attachments.request_id")
    .selectAll("attachments")
    .select("refund_requests.client_id as client_id")
    .where("attachments.id", "=", attachmentId)
    .executeTakeFirst();
  if (row === undefined) throw notFound("attachment");
  authorize(ctx.actor, "attachment.read", row.client_id, "attachment");
  return {
    attachment: presentAttachment(row),
    path: storedPath(deps.dataDir, row.stored_name),
  };
}
