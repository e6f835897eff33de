// Finance's dashboard counts: every open payout counted by the core's deadline state and by what
// it waits on (the same functions as each payout's fields and the list filters, so they agree).
// Staff who may execute payouts only (the access module's answer; clients and reviewers get 403).

import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { todayIn } from "./present.js";
import { countOpenPayouts, type PayoutCounts } from "./payout-list.js";
import { PAYOUT } from "./shared.js";

export interface PayoutSummary {
  today: string;
  dueToday: number;
  overdue: number;
  atRisk: number;
  onTrack: number;
  /** Failed or parked, not yet overdue. */
  needsAction: number;
  awaitingApproval: number;
  awaitingSecondApproval: number;
  awaitingDestination: number;
  awaitingRecord: number;
  awaitingProvider: number;
  awaitingAction: number;
  inFlight: number;
  unknown: number;
  parked: number;
  failed: number;
}

/** Folds the core's counts into the dashboard's figures. */
export function summarize(today: string, c: PayoutCounts): PayoutSummary {
  return {
    today,
    dueToday: c.deadline.due_today,
    overdue: c.deadline.overdue,
    atRisk: c.deadline.at_risk,
    onTrack: c.deadline.on_track,
    needsAction: c.deadline.needs_action,
    awaitingApproval: c.awaiting.approval,
    awaitingSecondApproval: c.awaiting.second_approval,
    awaitingDestination: c.awaiting.destination,
    awaitingRecord: c.awaiting.record,
    awaitingProvider: c.awaiting.provider,
    awaitingAction: c.awaiting.action,
    inFlight: (c.byStatus.submitting ?? 0) + (c.byStatus.pending ?? 0),
    unknown: c.byStatus.unknown ?? 0,
    parked: c.parked,
    failed: c.byStatus.failed ?? 0,
  };
}

/** Finance's dashboard counts. */
export async function payoutSummary(deps: AppDeps, ctx: ActionContext): Promise<PayoutSummary> {
  if (scopeFor(ctx.actor, "payout.execute", PAYOUT) !== "all") {
    throw new AppError(
      "forbidden",
      "The payout summary counts every client's payouts: it is for finance and admins.",
    );
  }
  const now = deps.clock();
  const policy = await deps.policies.current();
  return summarize(todayIn(policy, now), await countOpenPayouts(deps.db, policy, now));
}
