// Payouts by latest due date (most urgent first): finance's views (due today, overdue, at risk,
// awaiting approval, parked) and a client's own payouts. Whose payouts come back is the access
// module's answer (`listScope`), never a role test here.

import type { DeadlineFilter, PayoutStatus } from "../../core/payouts/index.js";
import { deadlineRange } from "../../core/payouts/index.js";
import { holidayCalendar } from "../../core/calendar/business-days.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { decodeCursor, encodeCursor, parseLimit, type Page } from "../orders/page.js";
import { presentPayout, todayIn, type PayoutJson } from "./present.js";
import { listPayoutRows } from "./repository.js";
import { PAYOUT } from "./shared.js";

export interface ListPayoutsQuery {
  readonly status?: PayoutStatus;
  readonly deadline?: DeadlineFilter;
  readonly method?: string;
  readonly requestId?: string;
  readonly parked?: boolean;
  readonly awaiting?: "approval" | "second_approval";
  readonly limit?: string;
  readonly cursor?: string;
}

/**
 * Payouts by latest due date (most urgent first). A client lists only its own. `deadline` is
 * finance's view: due today, overdue (past the latest date and not succeeded), at risk (two
 * business days or fewer left), open (every payout not yet succeeded or failed).
 */
export async function listPayouts(
  deps: AppDeps,
  ctx: ActionContext,
  query: ListPayoutsQuery,
): Promise<Page<PayoutJson>> {
  const scope = scopeFor(ctx.actor, "payout.read", PAYOUT);
  const limit = parseLimit(query.limit, "limit");
  const now = deps.clock();
  const today = todayIn(deps.policy, now);
  const rows = await listPayoutRows(deps.db, {
    clientId: scope === "all" ? undefined : scope.clientId,
    status: query.status,
    method: query.method,
    requestId: query.requestId,
    parked: query.parked,
    awaiting: query.awaiting,
    dueLatest:
      query.deadline === undefined
        ? undefined
        : deadlineRange(
            query.deadline,
            today,
            holidayCalendar(deps.policy.params.holidays, deps.policy.params.holidayCountry),
          ),
    after: query.cursor === undefined ? undefined : decodeCursor(query.cursor, "cursor"),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => presentPayout(r, deps.policy, now, ctx.actor)),
    nextCursor:
      rows.length > limit && last !== undefined ? encodeCursor(last.due_latest, last.id) : null,
  };
}
