// Deadlines for people (policy file `workflow`): when a question's answer is due and when its
// reminder goes out, when an accepted alternative must be delivered, how long a denial may be
// appealed, and which open requests are flagged (reply overdue, at risk of waiting on QA too
// long). Pure: "now" and the policy are inputs; business days are the policy's (its time zone,
// weekends, holidays).

import { addBusinessDays, holidayCalendar } from "../calendar/business-days.js";
import { DAY_MS, dayInZone, startOfDay } from "../calendar/calendar.js";
import { DEFAULT_WORKFLOW } from "../policy/policy-file.js";
import type { Instant, Policy, WorkflowSettings } from "../policy/types.js";
import type { WorkflowDeadlines } from "./transition.js";
import type { RequestEventType, RequestSnapshot, RequestStatus } from "./types.js";

/** The policy's workflow settings (defaults when the file names none). */
export function workflowOf(policy: Pick<Policy, "workflow">): WorkflowSettings {
  return policy.workflow ?? DEFAULT_WORKFLOW;
}

/** The day (in the policy's zone) `n` business days after the day of `from`. */
function businessDayAfter(policy: Pick<Policy, "params">, from: Instant, n: number): number {
  const { timezone, holidays, holidayCountry } = policy.params;
  return addBusinessDays(dayInZone(from, timezone), n, holidayCalendar(holidays, holidayCountry));
}

/** The end (exclusive: the next day's start) of the `n`-th business day after `from`. */
export function endOfBusinessDays(
  policy: Pick<Policy, "params">,
  from: Instant,
  n: number,
): Instant {
  return startOfDay(businessDayAfter(policy, from, n) + 1, policy.params.timezone);
}

/** The deadlines of a transition made at `now` under `policy`. */
export function workflowDeadlines(
  policy: Pick<Policy, "params" | "workflow">,
  now: Instant,
): WorkflowDeadlines {
  const w = workflowOf(policy);
  return {
    replyBy: endOfBusinessDays(policy, now, w.replyByBusinessDays),
    followUpDueAt: endOfBusinessDays(policy, now, w.followUpBusinessDays),
    appealWindowDays: w.appealWindowDays,
  };
}

/** When the reminder of a question due at `replyBy` goes out: the start of its last day. */
export function replyReminderAt(policy: Pick<Policy, "params">, replyBy: Instant): Instant {
  const tz = policy.params.timezone;
  return startOfDay(dayInZone(replyBy - 1, tz), tz);
}

/** Flags a queue shows beside an open request. */
export interface RequestFlags {
  /** The client's answer is past its reply-by date (info_requested). */
  readonly replyOverdue: boolean;
  /** The request has waited on QA longer than the policy's `qaAtRiskBusinessDays`. */
  readonly atRisk: boolean;
}

/** The flags of a request at `now`. */
export function requestFlags(
  policy: Pick<Policy, "params" | "workflow">,
  r: { status: RequestStatus; replyBy: Instant | null; waitingSince: Instant | null },
  now: Instant,
): RequestFlags {
  const replyOverdue = r.status === "info_requested" && r.replyBy !== null && now >= r.replyBy;
  const onQa = r.status === "submitted" || r.status === "in_review";
  const atRisk =
    onQa &&
    r.waitingSince !== null &&
    now >= endOfBusinessDays(policy, r.waitingSince, workflowOf(policy).qaAtRiskBusinessDays);
  return { replyOverdue, atRisk };
}

/** The instant a denial decided at `decidedAt` can no longer be appealed. */
export function appealClosesAt(decidedAt: Instant, appealWindowDays: number): Instant {
  return decidedAt + appealWindowDays * DAY_MS;
}

/**
 * Whether an event the machine allows in the request's status has what it needs now: an appeal
 * a denial not yet appealed, within its window; a reopen an overdue, unfulfilled follow-up;
 * recording a follow-up fulfilled an open one. Every other event: true.
 */
export function eventConditionsMet(
  r: Pick<RequestSnapshot, "decision" | "appeal" | "alternative">,
  event: RequestEventType,
  now: Instant,
  appealWindowDays: number,
): boolean {
  const followUp = r.alternative?.followUp ?? null;
  if (event === "appeal") {
    return (
      (r.appeal ?? null) === null &&
      r.decision !== null &&
      r.decision.outcome === "denied" &&
      now <= appealClosesAt(r.decision.decidedAt, appealWindowDays)
    );
  }
  if (event === "reopen") {
    return followUp !== null && followUp.fulfilledAt === null && now > followUp.dueAt;
  }
  if (event === "fulfil_follow_up") return followUp !== null && followUp.fulfilledAt === null;
  return true;
}
