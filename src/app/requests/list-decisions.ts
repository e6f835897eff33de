// The decision history of a request: every approval, denial and alternative offered, oldest first.

import type { ActionContext, AppDeps } from "../context.js";
import { readableRequest } from "./get-request.js";
import { presentDecisionRow } from "./present.js";
import { decisionRows } from "./repository.js";

/** The decisions of a request the caller may read. */
export async function listDecisions(deps: AppDeps, ctx: ActionContext, requestId: string) {
  const row = await readableRequest(deps.db, ctx, requestId);
  const rows = await decisionRows(deps.db, row.id);
  return { items: rows.map(presentDecisionRow), nextCursor: null };
}
