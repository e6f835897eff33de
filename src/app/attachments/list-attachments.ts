// GET /requests/:id/attachments: the files of a refund request, oldest first.

import type { ActionContext, AppDeps } from "../context.js";
import { loadRequestFor, presentAttachment, type AttachmentJson } from "./shared.js";

/** The attachments of a request the caller may read (a client: only its own requests). */
export async function listAttachments(
  deps: AppDeps,
  ctx: ActionContext,
  requestId: string,
): Promise<AttachmentJson[]> {
  await loadRequestFor(deps.db, ctx.actor, "attachment.read", requestId);
  const rows = await deps.db
    .selectFrom("attachments")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(presentAttachment);
}
