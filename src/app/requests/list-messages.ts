// The conversation on a request: questions, answers and notes, oldest first, a page at a time.
// Internal notes only for those who may write them (reviewers); a client never sees them.

import { can } from "../../core/access/index.js";
import type { Page, PageQuery } from "../auth/pagination.js";
import type { ActionContext, AppDeps } from "../context.js";
import { keysetOf, pageOfRows } from "../paging.js";
import { readableRequest } from "./get-request.js";
import { presentMessage } from "./present.js";
import { messagePage } from "./repository.js";

/** A page of the messages of a request the caller may read (clients: their own requests only). */
export async function listMessages(
  deps: AppDeps,
  ctx: ActionContext,
  requestId: string,
  page: PageQuery,
): Promise<Page<ReturnType<typeof presentMessage>>> {
  const row = await readableRequest(deps.db, ctx, requestId, "message.read");
  const staffNotes = can(ctx.actor, "request.note", { clientId: row.client_id });
  const rows = await messagePage(deps.db, row.id, staffNotes, keysetOf(page), page.limit);
  return pageOfRows(rows, page.limit, (m) => ({ key: m.created_at, id: m.id }), presentMessage);
}
