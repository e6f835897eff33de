// Deadlines for people (policy file `workflow`): when a question's answer is due and when its
// reminder goes out, when an accepted alternative must be delivered, how long a denial may be
// appealed, and which open requests are flagged (reply overdue, at risk of waiting on QA too
// long). Pure: "now" and the policy are inputs; business days are the policy's (its time zone,
// weekends, holidays).

import { addBusinessDays, holidayCalendar } from "../calendar/business-days.js";
import { DAY_MS, dayInZone, formatDay, startOfDay } from "../calendar/calendar.js";
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

/** What the reminder of a question due at `replyBy` says, once it is due at `now`. */
export interface ReplyReminder {
  /** `YYYY-MM-DD` in the policy's zone: the last day to answer. */
  readonly lastDay: string;
  /** True when the reply-by has passed already (the reminder goes out late). */
  readonly overdue: boolean;
}

/** The reminder of a question due at `replyBy`, or null while it is not due yet at `now`. */
export function replyReminderDue(
  policy: Pick<Policy, "params">,
  replyBy: Instant,
  now: Instant,
): ReplyReminder | null {
  if (now < replyReminderAt(policy, replyBy)) return null;
  const lastDay = formatDay(dayInZone(replyBy - 1, policy.params.timezone));
  return { lastDay, overdue: now >= replyBy };
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
  // A request in triage waits on QA too (its reason to classify), from the e-mail's arrival.
  // (transition.ts's waitingOn says the same; importing it would make a cycle.)
  const onQa = r.status === "triage" || r.status === "submitted" || r.status === "in_review";
  const atRisk =
    onQa &&
    r.waitingSince !== null &&
    now >= endOfBusinessDays(policy, r.waitingSince, workflowOf(policy).qaAtRiskBusinessDays);
  return { replyOverdue, atRisk };
}

/**
 * The flag `atRisk` as a bound on `waitingSince`, for a query: a request waiting on QA is at risk
 * at `now` exactly when it has waited since before the instant returned. (The end of the
 * business days counted from a moment depends only on its day and never decreases, so the days
 * whose end has passed are all those up to the latest one found walking back from today.)
 */
export function atRiskWaitingBefore(
  policy: Pick<Policy, "params" | "workflow">,
  now: Instant,
): Instant {
  const tz = policy.params.timezone;
  const n = workflowOf(policy).qaAtRiskBusinessDays;
  const today = dayInZone(now, tz);
  // Business days are at most a few weeks apart (weekends and holidays), far fewer than this.
  for (let day = today; day > today - 800; day--) {
    if (endOfBusinessDays(policy, startOfDay(day, tz), n) <= now) return startOfDay(day + 1, tz);
  }
  return startOfDay(today - 800, tz);
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
