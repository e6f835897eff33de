// Payouts by latest due date (most urgent first): finance's views (due today, overdue, at risk,
// needing action, awaiting approval / destination / record, parked) and a client's own payouts.
// Whose payouts come back is the access module's answer (`listScope`), never a role test here;
// which payouts a `deadline` or `awaiting` filter keeps is the core's (see query.ts).

import type { Awaiting, DeadlineFilter, PayoutStatus } from "../../core/payouts/index.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { parseLimit, type Page } from "../orders/page.js";
import { presentPayout, type PayoutJson } from "./present.js";
import { findPayoutsPage } from "./payout-list.js";
import type { PayoutFilter } from "./queries.js";
import { PAYOUT } from "./shared.js";

export interface ListPayoutsQuery {
  readonly status?: PayoutStatus;
  readonly deadline?: DeadlineFilter;
  readonly method?: string;
  readonly requestId?: string;
  readonly parked?: boolean;
  readonly awaiting?: Awaiting;
  readonly limit?: string;
  readonly cursor?: string;
}

/** The list filter a query and the caller's scope make. */
export function payoutFilterOf(ctx: ActionContext, query: ListPayoutsQuery): PayoutFilter {
  const scope = scopeFor(ctx.actor, "payout.read", PAYOUT);
  return {
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.deadline === undefined ? {} : { deadline: query.deadline }),
    ...(query.method === undefined ? {} : { method: query.method }),
    ...(query.requestId === undefined ? {} : { requestId: query.requestId }),
    ...(query.parked === undefined ? {} : { parked: query.parked }),
    ...(query.awaiting === undefined ? {} : { awaiting: query.awaiting }),
    ...(scope === "all" ? {} : { clientId: scope.clientId }),
  };
}

/**
 * Payouts by latest due date (most urgent first). A client lists only its own. `deadline` and
 * `awaiting` keep exactly the payouts whose own fields say so.
 */
export async function listPayouts(
  deps: AppDeps,
  ctx: ActionContext,
  query: ListPayoutsQuery,
): Promise<Page<PayoutJson>> {
  const filter = payoutFilterOf(ctx, query);
  const limit = parseLimit(query.limit, "limit");
  const now = deps.clock();
  const policy = await deps.policies.current();
  const page = await findPayoutsPage(deps.db, policy, now, filter, limit, query.cursor);
  return {
    items: page.rows.map((r) => presentPayout(r, policy, now, ctx.actor)),
    nextCursor: page.nextCursor,
  };
}
