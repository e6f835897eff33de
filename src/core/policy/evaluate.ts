import { dayInZone, formatDay, startOfDay } from "../calendar/calendar.js";
import { addBusinessDays, holidayCalendar } from "../calendar/business-days.js";
import { findExtras } from "../ledger/ledger.js";
import { formatMoney, mulDivHalfUp, type Money } from "../money/money.js";
import { readCase } from "./parse-case.js";
import { Invalid } from "./validate.js";
import type {
  Alternative,
  ClauseId,
  Decision,
  Deadlines,
  InputError,
  Payment,
  Policy,
  Reason,
  RefundCase,
  RefundLine,
  Result,
} from "./types.js";

// The rules of policy-decisions.md, in order; the first that applies decides.

const NO_ALTERNATIVES: readonly Alternative[] = [];
const AFTER_DELIVERY: readonly Alternative[] = ["support-extension", "additional-consulting"];
const ALL_ALTERNATIVES: readonly Alternative[] = [
  "re-delivery",
  "support-extension",
  "additional-consulting",
];
const MISMATCH_ALTERNATIVES: readonly Alternative[] = ["re-delivery", "additional-consulting"];

const NO_REFUNDS: readonly RefundLine[] = [];

/** What a rule concludes; every field is set, so every verdict has one shape. */
interface Verdict {
  readonly outcome: Decision["outcome"];
  readonly clauses: readonly ClauseId[];
  readonly alternatives: readonly Alternative[];
  readonly amount: Money | null;
  readonly refunds: readonly RefundLine[];
  readonly explanation: string;
}

/** A verdict without money. The fixed ones are built once, here, and shared by every decision. */
function verdict(
  outcome: Decision["outcome"],
  clauses: readonly ClauseId[],
  explanation: string,
  alternatives: readonly Alternative[] = NO_ALTERNATIVES,
): Verdict {
  return { outcome, clauses, alternatives, amount: null, refunds: NO_REFUNDS, explanation };
}

const INCOMPLETE = verdict(
  "incomplete",
  ["procedure.request"],
  "A refund request needs the order id and a description of the issue.",
);
const NO_EXTRA_PAYMENT = verdict(
  "review",
  ["eligible.duplicate-payment"],
  "Our records show no payment beyond what the order cost. A specialist will compare them with your bank or card statement.",
);
const NOT_A_SUBSCRIPTION = verdict(
  "deny",
  ["excluded.not-covered"],
  "This order is not a subscription, so there is no unused period to refund.",
);
const NO_UNUSED_DAYS = verdict(
  "deny",
  ["notes.prorated"],
  "No unused days are left in the current subscription period.",
);
const NO_PERIOD_PAYMENT = verdict(
  "review",
  ["notes.prorated"],
  "No payment is recorded for the current period; a specialist will check what was paid.",
);
const PRORATED_NOTHING = verdict(
  "deny",
  ["notes.prorated"],
  "The unused share of this period rounds to nothing, so there is no refund.",
);
const COMPLETED = verdict(
  "deny",
  ["excluded.completed"],
  "The service was fully delivered, so it cannot be refunded. We can extend your support or add consulting instead.",
  AFTER_DELIVERY,
);
const NO_PROMISED_DATES = verdict(
  "review",
  ["eligible.not-delivered"],
  "The order has no promised dates, so a specialist will judge whether delivery was late.",
);
const ON_SCHEDULE = verdict(
  "deny",
  ["eligible.not-delivered"],
  "Our records show the service is on schedule: no promised date has passed yet.",
);
const CLIENT_SIDE_DELAY = verdict(
  "deny",
  ["excluded.client-side"],
  "The delay is explained by time we waited for access, information or resources from your side.",
);
const EXTERNAL_DELAY = verdict(
  "deny",
  ["excluded.external"],
  "The delay is explained by an outage or event outside our control, which the policy does not refund.",
);
const NOT_STARTED_UNPAID = verdict(
  "review",
  ["eligible.not-delivered"],
  "The service was not started in time, but no payment for it is recorded; a specialist will check what was paid.",
);
const NOT_STARTED_NOTHING_OWED = verdict(
  "review",
  ["eligible.not-delivered"],
  "The service was not started in time, but nothing is owed back by our records; a specialist will check what was paid.",
);
const STARTED_LATE = verdict(
  "review",
  ["eligible.not-delivered", "notes.started"],
  "The service started late or is overdue, but work has begun; a specialist will decide, and may offer re-delivery, extended support or extra consulting first.",
  ALL_ALTERNATIVES,
);
const MISMATCH = verdict(
  "review",
  ["eligible.mismatch", "procedure.review"],
  "A specialist will compare what was delivered with the agreed scope; re-delivery or extra consulting may be offered first.",
  MISMATCH_ALTERNATIVES,
);
const NOT_STARTED_OTHER = verdict(
  "review",
  ["notes.started"],
  "Work has not started yet, so a specialist will consider cancelling the order.",
);
const OTHER_AFTER_START = verdict(
  "deny",
  ["excluded.not-covered"],
  "The policy does not refund this reason once work has started. We can extend your support or add consulting instead.",
  AFTER_DELIVERY,
);
const WINDOW_CLAUSES: readonly ClauseId[] = ["procedure.window"];
const DUPLICATE_REFUND: readonly ClauseId[] = ["eligible.duplicate-payment", "procedure.payout"];
const PRORATED_REFUND: readonly ClauseId[] = ["notes.prorated", "procedure.payout"];
const NOT_DELIVERED_REFUND: readonly ClauseId[] = ["eligible.not-delivered", "procedure.payout"];

/** Interval arithmetic on [from, to) pairs of epoch milliseconds. */
type Interval = readonly [number, number];

const NO_INTERVALS: readonly Interval[] = [];

function mergeIntervals(list: Interval[]): Interval[] {
  if (list.length < 2) return list;
  // Events are usually listed in time order; Array#sort allocates even for a sorted list.
  if (!inOrder(list)) list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of list) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
}

/** True when the list is already in the order `mergeIntervals` sorts it into. */
function inOrder(list: readonly Interval[]): boolean {
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1] as Interval;
    const b = list[i] as Interval;
    if (!(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]))) return false;
  }
  return true;
}

/** Blocked intervals of the given kinds after `placedAt`; an open one runs to `asOf`. */
function blockedIntervals(c: RefundCase, kinds: ReadonlySet<string>): Interval[] {
  const list: Interval[] = [];
  const placed = c.order.placedAt;
  for (const ev of c.events) {
    if (!kinds.has(ev.kind)) continue;
    const s = ev.from > placed ? ev.from : placed;
    const e = ev.to ?? c.asOf;
    if (e > s) list.push([s, e]);
  }
  return mergeIntervals(list);
}

/** Length of the merged intervals that falls inside [from, to). */
function measure(intervals: readonly Interval[], from: number, to: number): number {
  let total = 0;
  for (const [s, e] of intervals) {
    const a = s > from ? s : from;
    const b = e < to ? e : to;
    if (b > a) total += b - a;
  }
  return total;
}

/** The instant at which unblocked time since `placedAt` reaches the deadline's allowance. */
function extendDeadline(placedAt: number, deadline: number, blocked: readonly Interval[]): number {
  if (deadline <= placedAt) return deadline;
  let ext = deadline;
  for (const [s, e] of blocked) {
    if (s >= ext) break;
    ext += e - s;
  }
  return ext;
}

const BLOCKING = new Set(["client_blocker", "external_incident"]);
const CLIENT = new Set(["client_blocker"]);
const EXTERNAL = new Set(["external_incident"]);

function fmtDate(instant: number, zone: string): string {
  return formatDay(dayInZone(instant, zone));
}

/**
 * Refund lines for the non-extra payments of one charge. `num / den` is the refunded share
 * (`unused / period` for a pro-rated refund, `1n / 1n` for a whole one; `den` > 0). Payments in the price's
 * currency go back as paid (pro-rated); one in another currency goes back as the fiat value owed
 * (`fiat-at-payout`) or as the coins themselves (`same-coins`).
 */
function chargeLines(
  c: RefundCase,
  payments: readonly Payment[],
  num: bigint,
  den: bigint,
): RefundLine[] {
  const price = c.order.price;
  let samePaid = 0n;
  for (const p of payments) if (p.amount.currency === price.currency) samePaid += p.amount.minor;
  const lines: RefundLine[] = [];
  for (const p of payments) {
    if (p.amount.currency === price.currency) {
      const minor = share(p.amount.minor, num, den);
      if (minor > 0n)
        lines.push({
          paymentId: p.id,
          method: p.method,
          amount: { minor, currency: price.currency },
        });
      continue;
    }
    // Coins cover what the same-currency payments of the charge did not.
    const owed = price.minor > samePaid ? price.minor - samePaid : 0n;
    const minor =
      c.params.cryptoRefundValuation === "fiat-at-payout"
        ? share(owed, num, den)
        : share(p.amount.minor, num, den);
    const currency =
      c.params.cryptoRefundValuation === "fiat-at-payout" ? price.currency : p.amount.currency;
    if (minor > 0n) lines.push({ paymentId: p.id, method: p.method, amount: { minor, currency } });
  }
  return lines;
}

/** `v * num / den` rounded half-up; a whole share (`num === den`) is `v` itself, exactly. */
function share(v: bigint, num: bigint, den: bigint): bigint {
  return num === den ? v : mulDivHalfUp(v, num, den);
}

/**
 * The value in the order's currency of `chargeLines(c, payments, num, den)`: the sum of the lines
 * when every payment is in that currency (a line left out is zero), else the price's share.
 */
function chargeValue(
  c: RefundCase,
  payments: readonly Payment[],
  lines: readonly RefundLine[],
  num: bigint,
  den: bigint,
): bigint {
  const price = c.order.price;
  for (const p of payments) {
    if (p.amount.currency !== price.currency) return share(price.minor, num, den);
  }
  let value = 0n;
  for (const l of lines) value += l.amount.minor;
  return value;
}

function refundVerdict(
  c: RefundCase,
  clauses: readonly ClauseId[],
  lines: readonly RefundLine[],
  value: bigint,
  explanation: string,
): Verdict {
  return {
    outcome: "refund",
    clauses,
    alternatives: NO_ALTERNATIVES,
    amount: { minor: value, currency: c.order.price.currency },
    refunds: lines,
    explanation,
  };
}

/** No payment is extra: what `findExtras` gives for a lone payment of a price above zero. */
const NONE_EXTRA: readonly boolean[] = [];

/** The extra payments (rule 2), computed only by the rules that look at them. */
function extrasOf(c: RefundCase): readonly boolean[] {
  const price = c.order.price;
  if (c.payments.length < 2 && price.minor > 0n) return NONE_EXTRA;
  return findExtras(c.payments, price);
}

/** The payments of one charge that are not extra. */
function chargePayments(c: RefundCase, chargeRef: string): Payment[] {
  const all = c.payments;
  if (all.length === 1) {
    // A lone payment is extra only for a price of zero.
    const p = all[0] as Payment;
    return p.chargeRef === chargeRef && extrasOf(c)[0] !== true ? [p] : [];
  }
  const out: Payment[] = [];
  if (all.length === 0) return out;
  const extras = extrasOf(c);
  for (let i = 0; i < all.length; i++) {
    const p = all[i] as Payment;
    if (extras[i] !== true && p.chargeRef === chargeRef) out.push(p);
  }
  return out;
}

/** Rule 2: duplicate payments. */
function duplicatePayment(c: RefundCase): Verdict {
  const extras = extrasOf(c);
  const lines: RefundLine[] = [];
  let value = 0n;
  const price = c.order.price;
  for (let i = 0; i < c.payments.length; i++) {
    if (extras[i] !== true) continue;
    const p = c.payments[i] as Payment;
    lines.push({ paymentId: p.id, method: p.method, amount: p.amount });
    value += p.amount.currency === price.currency ? p.amount.minor : price.minor;
  }
  if (lines.length === 0) return NO_EXTRA_PAYMENT;
  return refundVerdict(
    c,
    DUPLICATE_REFUND,
    lines,
    value,
    `You were charged more than once; the extra ${lines.length === 1 ? "payment goes" : "payments go"} back in full to the method used.`,
  );
}

/** Rule 4: the unused part of a subscription period. */
function unusedSubscription(c: RefundCase): Verdict {
  const sub = c.order.subscription;
  if (sub === null) return NOT_A_SUBSCRIPTION;
  const tz = c.params.timezone;
  const startDay = dayInZone(sub.periodStart, tz);
  const endDay = dayInZone(sub.periodEnd, tz);
  const periodDays = endDay - startDay;
  const submitDay = dayInZone(c.request.submittedAt, tz);
  let unused = endDay - (submitDay + 1);
  if (unused < 0) unused = 0;
  if (unused > periodDays) unused = periodDays;
  if (unused === 0 || periodDays <= 0) return NO_UNUSED_DAYS;
  const paid = chargePayments(c, sub.chargeRef);
  if (paid.length === 0) return NO_PERIOD_PAYMENT;
  const num = BigInt(unused);
  const den = BigInt(periodDays);
  const lines = chargeLines(c, paid, num, den);
  if (lines.length === 0) return PRORATED_NOTHING;
  return refundVerdict(
    c,
    PRORATED_REFUND,
    lines,
    chargeValue(c, paid, lines, num, den),
    `${unused} of the period's ${periodDays} days are unused; that share of what you paid goes back to the method used.`,
  );
}

/** True when a deadline was missed: the event came after it, or has not come and `asOf` is. */
function breached(deadline: number, happened: number | null, asOf: number): boolean {
  return happened !== null ? happened > deadline : asOf > deadline;
}

/** Rule 5: the service was not delivered as promised. */
function notDelivered(c: RefundCase): Verdict {
  const o = c.order;
  if (o.deliveredAt !== null) return COMPLETED;
  // The promised dates and what happened by each: start (by startedAt), delivery (deliveredAt).
  const startBy = o.promisedStartBy;
  const deliverBy = o.promisedDeliveryBy;
  if (startBy === null && deliverBy === null) return NO_PROMISED_DATES;
  const blocked = c.events.length === 0 ? NO_INTERVALS : blockedIntervals(c, BLOCKING);
  let breachedAsPromised = false;
  let breachedExtended = false;
  let latestExtended = -Infinity;
  if (startBy !== null) {
    const ext = extendDeadline(o.placedAt, startBy, blocked);
    if (ext > latestExtended) latestExtended = ext;
    if (breached(startBy, o.startedAt, c.asOf)) breachedAsPromised = true;
    if (breached(ext, o.startedAt, c.asOf)) breachedExtended = true;
  }
  if (deliverBy !== null) {
    const ext = extendDeadline(o.placedAt, deliverBy, blocked);
    if (ext > latestExtended) latestExtended = ext;
    if (breached(deliverBy, o.deliveredAt, c.asOf)) breachedAsPromised = true;
    if (breached(ext, o.deliveredAt, c.asOf)) breachedExtended = true;
  }
  if (!breachedAsPromised) return ON_SCHEDULE;
  if (!breachedExtended) {
    const client = measure(blockedIntervals(c, CLIENT), o.placedAt, latestExtended);
    const external = measure(blockedIntervals(c, EXTERNAL), o.placedAt, latestExtended);
    return client >= external ? CLIENT_SIDE_DELAY : EXTERNAL_DELAY;
  }
  if (o.startedAt === null) {
    const paid = chargePayments(c, o.subscription?.chargeRef ?? o.id);
    if (paid.length === 0) return NOT_STARTED_UNPAID;
    const lines = chargeLines(c, paid, 1n, 1n);
    if (lines.length === 0) return NOT_STARTED_NOTHING_OWED;
    const value = chargeValue(c, paid, lines, 1n, 1n);
    return refundVerdict(
      c,
      NOT_DELIVERED_REFUND,
      lines,
      value,
      `The service was not started by the promised date. ${formatMoney({ minor: value, currency: o.price.currency })} goes back to the method you paid with.`,
    );
  }
  return STARTED_LATE;
}

/** True for the reasons the request window (rule 3) applies to. */
function windowApplies(reason: Reason): boolean {
  return reason === "not_delivered" || reason === "mismatch" || reason === "other";
}

/** True when a string has a character other than white space (what `s.trim() !== ""` tests). */
function notBlank(s: string): boolean {
  const ch = s.charCodeAt(0);
  if (ch > 32 && ch < 127) return true;
  return s.trim() !== "";
}

function verdictFor(c: RefundCase, windowEndsAt: number | null): Verdict {
  const { order, request } = c;
  // Rule 1: request contents.
  if (!notBlank(order.id) || !notBlank(request.description)) return INCOMPLETE;
  // Rule 2: duplicate payment.
  if (request.reason === "duplicate_payment") return duplicatePayment(c);
  // Rule 3: request window.
  if (windowEndsAt !== null && request.submittedAt >= windowEndsAt) {
    return verdict(
      "deny",
      WINDOW_CLAUSES,
      `Requests must be sent within ${c.params.requestWindowDays} calendar days of delivery; the window closed on ${fmtDate(windowEndsAt - 1, c.params.timezone)}.`,
    );
  }
  switch (request.reason) {
    case "unused_subscription":
      return unusedSubscription(c);
    case "not_delivered":
      return notDelivered(c);
    case "mismatch":
      return MISMATCH;
    case "other":
      return order.startedAt === null ? NOT_STARTED_OTHER : OTHER_AFTER_START;
  }
}

const NO_DEADLINES: Deadlines = {
  requestWindowEndsAt: null,
  payoutEarliest: null,
  payoutLatest: null,
};

/** Decides a validated case under a policy: the first rule that applies decides. */
export function decide(c: RefundCase, policy: Policy): Decision {
  const { params } = c;
  const tz = params.timezone;
  const reason = c.request.reason;
  let windowEndsAt: number | null = null;
  if (c.order.deliveredAt !== null && windowApplies(reason)) {
    windowEndsAt = startOfDay(
      dayInZone(c.order.deliveredAt, tz) + params.requestWindowDays + 1,
      tz,
    );
  }
  const v = verdictFor(c, windowEndsAt);
  const refund = v.outcome === "refund";
  let deadlines = NO_DEADLINES;
  if (refund) {
    const cal = holidayCalendar(params.holidays, params.holidayCountry);
    const day = dayInZone(c.asOf, tz);
    deadlines = {
      requestWindowEndsAt: windowEndsAt,
      payoutEarliest: formatDay(addBusinessDays(day, params.payoutBusinessDays[0], cal)),
      payoutLatest: formatDay(addBusinessDays(day, params.payoutBusinessDays[1], cal)),
    };
  } else if (windowEndsAt !== null) {
    deadlines = { requestWindowEndsAt: windowEndsAt, payoutEarliest: null, payoutLatest: null };
  }
  return {
    outcome: v.outcome,
    amount: v.amount,
    refunds: v.refunds,
    clauses: v.clauses,
    alternatives: v.alternatives,
    deadlines,
    policyVersion: policy.version,
    explanation: v.explanation,
    autoApprove: refund && params.autoApprove.includes(reason),
  };
}

/**
 * Validates a case as `JSON.parse` returns it and decides it: the engine's one entry point.
 * Invalid input yields the JSON path of the offending field instead of a decision.
 */
export function evaluateRefund(raw: unknown, policy: Policy): Result<Decision, InputError> {
  let c: RefundCase;
  try {
    c = readCase(raw, policy);
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
  return { ok: true, value: decide(c, policy) };
}
