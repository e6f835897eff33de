// GET /orders/:id: a client sees only its own orders; anyone else's answers like a missing id.

import type { ActionContext, AppDeps } from "../context.js";
import { presentOrder, type OrderJson } from "./present.js";
import { loadOrderFor } from "./shared.js";

/** One order, if the caller may read it. */
export async function getOrder(deps: AppDeps, ctx: ActionContext, id: string): Promise<OrderJson> {
  return presentOrder(await loadOrderFor(deps.db, ctx.actor, "order.read", id));
}
