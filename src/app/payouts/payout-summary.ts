// Finance's dashboard counts: one grouped COUNT over the payouts (by status, due band, awaiting
// approval, parked), folded here into the figures. Staff who may execute payouts only (the access
// module's answer; clients and reviewers get 403).

import { holidayCalendar } from "../../core/calendar/business-days.js";
import { deadlineRange } from "../../core/payouts/index.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { todayIn } from "./present.js";
import { countPayoutGroups, type PayoutGroupCount } from "./repository.js";
import { PAYOUT } from "./shared.js";

export interface PayoutSummary {
  today: string;
  dueToday: number;
  overdue: number;
  atRisk: number;
  awaitingApproval: number;
  awaitingSecondApproval: number;
  inFlight: number;
  unknown: number;
  parked: number;
  failed: number;
}

/** Folds the grouped counts into the dashboard's figures (each group counted once per figure). */
export function summarize(today: string, groups: readonly PayoutGroupCount[]): PayoutSummary {
  const s: PayoutSummary = {
    today,
    dueToday: 0,
    overdue: 0,
    atRisk: 0,
    awaitingApproval: 0,
    awaitingSecondApproval: 0,
    inFlight: 0,
    unknown: 0,
    parked: 0,
    failed: 0,
  };
  for (const g of groups) {
    const open = g.status !== "succeeded" && g.status !== "failed";
    if (open && g.band === "overdue") s.overdue += g.count;
    if (open && g.band === "due_today") s.dueToday += g.count;
    if (open && g.band === "at_risk") s.atRisk += g.count;
    if (g.status === "scheduled") {
      if (g.awaitingFirst) s.awaitingApproval += g.count;
      else s.awaitingSecondApproval += g.count;
    }
    if (g.status === "submitting" || g.status === "pending") s.inFlight += g.count;
    if (g.status === "unknown") s.unknown += g.count;
    if (g.status === "failed") s.failed += g.count;
    if (g.parked) s.parked += g.count;
  }
  return s;
}

/** Finance's dashboard counts. */
export async function payoutSummary(deps: AppDeps, ctx: ActionContext): Promise<PayoutSummary> {
  if (scopeFor(ctx.actor, "payout.execute", PAYOUT) !== "all") {
    throw new AppError("forbidden", "finance's view");
  }
  const today = todayIn(deps.policy, deps.clock());
  const calendar = holidayCalendar(deps.policy.params.holidays, deps.policy.params.holidayCountry);
  const atRisk = deadlineRange("at_risk", today, calendar);
  const groups = await countPayoutGroups(deps.db, today, atRisk.through ?? today);
  return summarize(today, groups);
}
