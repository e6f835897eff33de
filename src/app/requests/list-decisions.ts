// The decision history of a request: every approval, denial and alternative offered, oldest
// first, a page at a time.

import type { Page, PageQuery } from "../auth/pagination.js";
import type { ActionContext, AppDeps } from "../context.js";
import { keysetOf, pageOfRows } from "../paging.js";
import { readableRequest } from "./get-request.js";
import { presentDecisionRow } from "./present.js";
import { decisionPage } from "./repository.js";

/** A page of the decisions of a request the caller may read. */
export async function listDecisions(
  deps: AppDeps,
  ctx: ActionContext,
  requestId: string,
  page: PageQuery,
): Promise<Page<ReturnType<typeof presentDecisionRow>>> {
  const row = await readableRequest(deps.db, ctx, requestId);
  const rows = await decisionPage(deps.db, row.id, keysetOf(page), page.limit);
  return pageOfRows(rows, page.limit, (d) => ({ key: d.created_at, id: d.id }), presentDecisionRow);
}
