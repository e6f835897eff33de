// Where a payout stands, decided once: what it waits on (`awaiting`) and where it is against its
// deadline (`deadline`). The payout's own fields, the list filters (`?awaiting=`, `?deadline=`)
// and finance's summary counts all call these functions, so they cannot disagree (issue 11).

import type { HolidayCalendar } from "../calendar/business-days.js";
import { parseDay } from "../calendar/calendar.js";
import type { PaymentMethod } from "../policy/types.js";
import { businessDaysBetween, type PayoutStatus } from "./payouts.js";

/** What a payout waits on before its money moves. */
export const AWAITING = [
  /** A first finance approval. */
  "approval",
  /** The second (four-eyes) approval, from another finance person. */
  "second_approval",
  /** The client: a crypto wallet address, or bank details for a payout reissued by transfer. */
  "destination",
  /** Finance records a bank transfer (or other manual payout) it has sent. */
  "record",
  /** The card provider (the worker sends it, or the provider has not settled it yet). */
  "provider",
  /** Finance must act on a failed or parked payout: retry, reissue, or record it paid outside. */
  "action",
] as const;
export type Awaiting = (typeof AWAITING)[number];

/** Statuses after which a payout never moves again. */
export const CLOSED: readonly PayoutStatus[] = ["succeeded", "reissued"];

/** What `awaitingOf` and `deadlineOf` need of a payout. */
export interface PayoutStanding {
  readonly status: PayoutStatus;
  readonly method: PaymentMethod;
  readonly approvalsGiven: number;
  readonly approvalsNeeded: number;
  /** The payout goes to a destination the client gives (crypto; a bank reissue). */
  readonly destinationNeeded: boolean;
  readonly destinationGiven: boolean;
  /** The worker gave up retrying; a person must look. */
  readonly parked: boolean;
  /** `YYYY-MM-DD`, the last day of the promise. */
  readonly dueLatest: string;
}

/**
 * Which payouts go to a destination the client gives: crypto refunds (the wallet address) and
 * payouts reissued by bank transfer (the card they were to go back to could not take them, so the
 * client's account is asked for). A first-time bank transfer goes back to the account it came from.
 */
export function destinationNeeded(method: PaymentMethod, reissued: boolean): boolean {
  return method === "crypto" || (reissued && method === "bank_transfer");
}

/** The one thing a payout waits on now; null once it is closed. */
export function awaitingOf(p: PayoutStanding): Awaiting | null {
  if (CLOSED.includes(p.status)) return null;
  if (p.status === "failed" || p.parked) return "action";
  if (p.status !== "scheduled") return "provider";
  if (p.destinationNeeded && !p.destinationGiven) return "destination";
  if (p.approvalsGiven === 0) return "approval";
  if (p.approvalsGiven < p.approvalsNeeded) return "second_approval";
  return p.method === "card" ? "provider" : "record";
}

export const DEADLINE_STATES = [
  "on_track",
  "at_risk",
  "due_today",
  "overdue",
  "needs_action",
  "settled",
] as const;
export type DeadlineState = (typeof DEADLINE_STATES)[number];

/**
 * Where a payout stands against its latest due date on `today` (a date in the policy's zone):
 * settled once closed (sent, or replaced by a reissue); overdue after the latest date, whatever
 * else is wrong (a failed payout still breaks the 14-business-day promise); needs action while it
 * failed or is parked; due today on the last day; at risk with two business days or fewer left;
 * on track otherwise.
 */
export function deadlineOf(
  p: PayoutStanding,
  today: string,
  calendar: HolidayCalendar,
): DeadlineState {
  if (CLOSED.includes(p.status)) return "settled";
  const last = parseDay(p.dueLatest);
  const now = parseDay(today);
  if (last === undefined || now === undefined) throw new RangeError("not a date");
  if (now > last) return "overdue";
  if (p.status === "failed" || p.parked) return "needs_action";
  if (now === last) return "due_today";
  return businessDaysBetween(now, last, calendar) <= 2 ? "at_risk" : "on_track";
}

/** `?deadline=` filters: one deadline state, or `open` (every payout not yet settled). */
export const DEADLINE_FILTERS = [
  "due_today",
  "overdue",
  "at_risk",
  "needs_action",
  "on_track",
  "open",
] as const;
export type DeadlineFilter = (typeof DEADLINE_FILTERS)[number];

export function matchesDeadline(filter: DeadlineFilter, state: DeadlineState): boolean {
  return filter === "open" ? state !== "settled" : state === filter;
}

/** Statuses of payouts not yet closed (lets a database narrow before the exact test). */
export const OPEN_STATUSES: readonly PayoutStatus[] = [
  "scheduled",
  "submitting",
  "pending",
  "unknown",
  "failed",
];

/** Statuses a payout awaiting `a` may have (lets a database narrow before the exact test). */
export function statusesAwaiting(a: Awaiting): readonly PayoutStatus[] {
  switch (a) {
    case "approval":
    case "second_approval":
    case "destination":
    case "record":
      return ["scheduled"];
    case "provider":
      return ["scheduled", "submitting", "pending", "unknown"];
    case "action":
      return ["scheduled", "submitting", "pending", "unknown", "failed"];
  }
}
