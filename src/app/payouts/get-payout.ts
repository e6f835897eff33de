// Reads one payout the caller may see (a client: only its own; not-yours answers like not-found).

import type { ActionContext, AppDeps } from "../context.js";
import type { PayoutJson } from "./present.js";
import { presentPayout } from "./present.js";
import { loadVisible } from "./shared.js";

export async function getPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PayoutJson> {
  const { row } = await loadVisible(deps, ctx, id, "payout.read", false);
  return presentPayout(row, deps.policy, deps.clock(), ctx.actor);
}
