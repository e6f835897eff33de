// Reads one payout the caller may see (a client: only its own; not-yours answers like not-found).

import type { ActionContext, AppDeps } from "../context.js";
import type { PayoutJson } from "./present.js";
import { presentPayout } from "./present.js";
import { findListedPayout } from "./queries.js";
import { loadVisible, PAYOUT } from "./shared.js";
import { notFound } from "../errors.js";

export async function getPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PayoutJson> {
  const { row } = await loadVisible(deps, ctx, id, "payout.read", false);
  const listed = await findListedPayout(deps.db, row.id);
  if (listed === undefined) throw notFound(PAYOUT);
  return presentPayout(listed, await deps.policies.current(), deps.clock(), ctx.actor);
}
