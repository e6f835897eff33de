// GET /requests/:id/attachments: the files of a refund request, oldest first, a page at a time.

import type { Page, PageQuery } from "../auth/pagination.js";
import type { ActionContext, AppDeps } from "../context.js";
import { keysetOf, pageOfRows } from "../paging.js";
import { requestAttachmentsPage } from "./queries.js";
import { loadRequestFor, presentAttachment, type AttachmentJson } from "./shared.js";

/** A page of the attachments of a request the caller may read (a client: its own requests). */
export async function listAttachments(
  deps: AppDeps,
  ctx: ActionContext,
  requestId: string,
  page: PageQuery,
): Promise<Page<AttachmentJson>> {
  await loadRequestFor(deps.db, ctx.actor, "attachment.read", requestId);
  const rows = await requestAttachmentsPage(deps.db, requestId, keysetOf(page), page.limit);
  return pageOfRows(rows, page.limit, (r) => ({ key: r.created_at, id: r.id }), presentAttachment);
}
