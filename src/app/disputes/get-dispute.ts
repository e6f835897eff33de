// One dispute with its evidence draft (issue 20): the draft assembled from what the desk holds
// now, with finance's edits of the text fields over it.

import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { draftOf } from "./evidence.js";
import { presentDisputeDetail, type DisputeDetailJson } from "./present.js";
import { findDispute } from "./repository.js";

export async function getDispute(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<DisputeDetailJson> {
  scopeFor(ctx.actor, "dispute.read", "dispute");
  const row = await findDispute(deps.db, id);
  if (row === undefined) throw notFound("dispute");
  return presentDisputeDetail(row, await draftOf(deps, deps.db, row));
}
