import { dayInZone, formatDay, startOfDay } from "../calendar/calendar.js";
import { addBusinessDays, holidayCalendar } from "../calendar/business-days.js";
import {
  compareInstants,
  earlier,
  exactInstant,
  isAfter,
  later,
  msOf,
  plusSpan,
  spanNanos,
  type ExactInstant,
} from "../calendar/instant.js";
import { findExtrasBy, inCaptureOrder } from "../ledger/ledger.js";
import { bigintOf, formatMoney, mulDivHalfUp, prorate, type Money } from "../money/money.js";
import { notBlank } from "../text/white-space.js";
import { caseOf, inputError, inputResult, readCase } from "./parse-case.js";
import type {
  Alternative,
  CaseFacts,
  ClauseId,
  Decision,
  Deadlines,
  InputError,
  Payment,
  Policy,
  PolicyParams,
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

/** An interval [from, to) of exact instants. */
interface Interval {
  readonly from: ExactInstant;
  readonly to: ExactInstant;
}

const byStart = (a: Interval, b: Interval): number =>
  compareInstants(a.from, b.from) || compareInstants(a.to, b.to);

/**
 * The union of the intervals of `list`, as disjoint intervals in time order. `list` is the
 * caller's own array: it is sorted and merged in place, with no copy and no second array.
 */
function mergeIntervals(list: Interval[]): Interval[] {
  list.sort(byStart);
  let merged = 0;
  for (const next of list) {
    const last = merged === 0 ? undefined : list[merged - 1];
    if (last !== undefined && !isAfter(next.from, last.to)) {
      list[merged - 1] = { from: last.from, to: later(last.to, next.to) };
    } else {
      list[merged++] = next;
    }
  }
  if (merged < list.length) list.length = merged;
  return list;
}

/** Blocked intervals of the given kinds after `placedAt`; an open one runs to `asOf`. */
function blockedIntervals(c: RefundCase, kinds: ReadonlySet<string>): Interval[] {
  // Sized for every event and cut to those kept: an empty array's first push reserves 17 slots.
  const list = new Array<Interval>(c.events.length);
  let kept = 0;
  for (const ev of c.events) {
    if (!kinds.has(ev.kind)) continue;
    const from = later(ev.from, c.order.placedAt);
    const to = ev.to ?? c.asOf;
    if (isAfter(to, from)) list[kept++] = { from, to };
  }
  if (kept < list.length) list.length = kept;
  return mergeIntervals(list);
}

/** Length in nanoseconds of the merged intervals that falls inside [from, to). */
function measure(intervals: readonly Interval[], from: ExactInstant, to: ExactInstant): bigint {
  let total = 0n;
  for (const iv of intervals) total += spanNanos(later(iv.from, from), earlier(iv.to, to));
  return total;
}

/** The instant at which unblocked time since `placedAt` reaches the deadline's allowance. */
function extendDeadline(
  placedAt: ExactInstant,
  deadline: ExactInstant,
  blocked: readonly Interval[],
): ExactInstant {
  if (!isAfter(deadline, placedAt)) return deadline;
  let ext = deadline;
  for (const iv of blocked) {
    if (!isAfter(ext, iv.from)) break;
    ext = plusSpan(ext, iv.from, iv.to);
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
 * What each payment of one charge is refunded against, in the currency its line is paid in: a
 * payment in the price's currency its own amount; one in another currency (crypto for a fiat
 * price) the rest of the amount due after the payments before it (rule 2), valued in the price's
 * currency under `fiat-at-payout`, or its own coins under `same-coins`. `paid` is in capture order.
 */
function refundBases(c: RefundCase, paid: readonly Payment[]): Money[] {
  const price = c.order.price;
  let covered = 0n;
  return paid.map((p) => {
    if (p.amount.currency === price.currency) {
      covered += p.amount.minor;
      return p.amount;
    }
    const rest = price.minor > covered ? price.minor - covered : 0n;
    covered = price.minor;
    return c.params.cryptoRefundValuation === "fiat-at-payout"
      ? { minor: rest, currency: price.currency }
      : p.amount;
  });
}

/**
 * Refund lines for the non-extra payments of one charge (in capture order): the share
 * `num / den` of each payment's base (`refundBases`), rounded once per currency by largest
 * remainder (`prorate`). Lines of zero are left out.
 */
function chargeLines(
  c: RefundCase,
  paid: readonly Payment[],
  num: bigint,
  den: bigint,
): RefundLine[] {
  const bases = refundBases(c, paid);
  const shares = new Array<bigint>(bases.length);
  // The bases of each currency, in capture order, share one rounded total: each currency once, at
  // its first base, its amounts in place and the other currencies' as zero (whose shares are zero).
  for (let first = 0; first < bases.length; first++) {
    const currency = (bases[first] as Money).currency;
    if (bases.findIndex((b) => b.currency === currency) !== first) continue;
    const split = prorate(
      bases.map((b) => (b.currency === currency ? b.minor : 0n)),
      num,
      den,
    );
    bases.forEach((b, i) => {
      if (b.currency === currency) shares[i] = split[i] as bigint;
    });
  }
  const lines: RefundLine[] = [];
  for (let i = 0; i < paid.length; i++) {
    const p = paid[i] as Payment;
    const minor = shares[i] as bigint;
    const currency = (bases[i] as Money).currency;
    if (minor > 0n) lines.push({ paymentId: p.id, method: p.method, amount: { minor, currency } });
  }
  return lines;
}

/**
 * The value in the order's currency of a charge's refund lines: their sum when all are in that
 * currency, else the price's share `num / den`, rounded half-up.
 */
function chargeValue(
  c: RefundCase,
  lines: readonly RefundLine[],
  num: bigint,
  den: bigint,
): bigint {
  const price = c.order.price;
  if (lines.some((l) => l.amount.currency !== price.currency)) {
    return mulDivHalfUp(price.minor, num, den);
  }
  return lines.reduce((sum, l) => sum + l.amount.minor, 0n);
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

/** The extra payments (rule 2): one flag per payment, in the case's order. */
function extrasOf(c: RefundCase): readonly boolean[] {
  return findExtrasBy(c.payments, c.order.price, compareInstants);
}

/** The payments of one charge that are not extra, in capture order (ties: as listed). */
function chargePayments(c: RefundCase, chargeRef: string): Payment[] {
  const extras = extrasOf(c);
  const order = inCaptureOrder(
    c.payments,
    compareInstants,
    (p, i) => extras[i] !== true && p.chargeRef === chargeRef,
  );
  return order.map((i) => c.payments[i] as Payment);
}

/** Rule 2: duplicate payments. */
function duplicatePayment(c: RefundCase): Verdict {
  const extras = extrasOf(c);
  const price = c.order.price;
  const extra = c.payments.filter((_, i) => extras[i] === true);
  if (extra.length === 0) return NO_EXTRA_PAYMENT;
  const lines = extra.map((p) => ({ paymentId: p.id, method: p.method, amount: p.amount }));
  const value = extra.reduce(
    (sum, p) => sum + (p.amount.currency === price.currency ? p.amount.minor : price.minor),
    0n,
  );
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
  const startDay = dayInZone(msOf(sub.periodStart), tz);
  const endDay = dayInZone(msOf(sub.periodEnd), tz);
  const periodDays = endDay - startDay;
  const submitDay = dayInZone(msOf(c.request.submittedAt), tz);
  const unused = Math.max(0, Math.min(periodDays, endDay - (submitDay + 1)));
  if (unused === 0) return NO_UNUSED_DAYS;
  const paid = chargePayments(c, sub.chargeRef);
  if (paid.length === 0) return NO_PERIOD_PAYMENT;
  const num = bigintOf(unused);
  const den = bigintOf(periodDays);
  const lines = chargeLines(c, paid, num, den);
  if (lines.length === 0) return PRORATED_NOTHING;
  return refundVerdict(
    c,
    PRORATED_REFUND,
    lines,
    chargeValue(c, lines, num, den),
    `${unused} of the period's ${periodDays} days are unused; that share of what you paid goes back to the method used.`,
  );
}

/** True when a deadline was missed: the event came after it, or has not come and `asOf` is. */
function breached(
  deadline: ExactInstant,
  happened: ExactInstant | null,
  asOf: ExactInstant,
): boolean {
  return isAfter(happened ?? asOf, deadline);
}

/** A promised date, the same date extended by blocked time, and whether each was missed. */
interface PromiseCheck {
  readonly extended: ExactInstant;
  readonly missedAsPromised: boolean;
  readonly missedOnceExtended: boolean;
}

/** Checks the promise to do something `by` a date against when it `happened` (null: not yet). */
function checkPromise(
  c: RefundCase,
  by: ExactInstant,
  happened: ExactInstant | null,
  blocked: readonly Interval[],
): PromiseCheck {
  const extended = extendDeadline(c.order.placedAt, by, blocked);
  return {
    extended,
    missedAsPromised: breached(by, happened, c.asOf),
    missedOnceExtended: breached(extended, happened, c.asOf),
  };
}

/** Rule 5: the service was not delivered as promised. */
function notDelivered(c: RefundCase): Verdict {
  const o = c.order;
  if (o.deliveredAt !== null) return COMPLETED;
  if (o.promisedStartBy === null && o.promisedDeliveryBy === null) return NO_PROMISED_DATES;
  // Each promised date with the event that keeps it: start (startedAt), delivery (deliveredAt).
  const blocked = blockedIntervals(c, BLOCKING);
  const checks: PromiseCheck[] = [];
  if (o.promisedStartBy !== null) {
    checks.push(checkPromise(c, o.promisedStartBy, o.startedAt, blocked));
  }
  if (o.promisedDeliveryBy !== null) {
    checks.push(checkPromise(c, o.promisedDeliveryBy, o.deliveredAt, blocked));
  }
  if (!checks.some((d) => d.missedAsPromised)) return ON_SCHEDULE;
  if (!checks.some((d) => d.missedOnceExtended)) {
    const latestExtended = checks.map((d) => d.extended).reduce(later);
    const client = measure(blockedIntervals(c, CLIENT), o.placedAt, latestExtended);
    const external = measure(blockedIntervals(c, EXTERNAL), o.placedAt, latestExtended);
    return client >= external ? CLIENT_SIDE_DELAY : EXTERNAL_DELAY;
  }
  if (o.startedAt !== null) return STARTED_LATE;
  // The order's charge: the current period of a subscription, else the payments for the order id.
  const paid = chargePayments(c, o.subscription?.chargeRef ?? o.id);
  if (paid.length === 0) return NOT_STARTED_UNPAID;
  const lines = chargeLines(c, paid, 1n, 1n);
  const value = chargeValue(c, lines, 1n, 1n);
  return refundVerdict(
    c,
    NOT_DELIVERED_REFUND,
    lines,
    value,
    `The service was not started by the promised date. ${formatMoney({ minor: value, currency: o.price.currency })} goes back to the method you paid with.`,
  );
}

/** True for the reasons the request window (rule 3) applies to. */
function windowApplies(reason: Reason): boolean {
  return reason === "not_delivered" || reason === "mismatch" || reason === "other";
}

function verdictFor(c: RefundCase, windowEndsAt: number | null): Verdict {
  const { order, request } = c;
  // Rule 1: request contents.
  if (!notBlank(order.id) || !notBlank(request.description)) return INCOMPLETE;
  // Rule 2: duplicate payment.
  if (request.reason === "duplicate_payment") return duplicatePayment(c);
  // Rule 3: request window.
  if (windowEndsAt !== null && !isAfter(exactInstant(windowEndsAt), request.submittedAt)) {
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

/** Decides a checked case under a policy: the first rule that applies decides. */
export function decide(c: RefundCase, policy: Policy): Decision {
  const { params } = c;
  const tz = params.timezone;
  const reason = c.request.reason;
  // The window's end is a local midnight: a whole millisecond.
  let windowEndsAt: number | null = null;
  if (c.order.deliveredAt !== null && windowApplies(reason)) {
    windowEndsAt = startOfDay(
      dayInZone(msOf(c.order.deliveredAt), tz) + params.requestWindowDays + 1,
      tz,
    );
  }
  const v = verdictFor(c, windowEndsAt);
  const refund = v.outcome === "refund";
  let deadlines = NO_DEADLINES;
  if (refund) {
    // Memoised by its definition, and at once for parameters without holidays. (A WeakMap by
    // parameters object, tried in session 7, missed for every case with parameters of its own
    // and added an entry for each: ADR 0010, session 8.)
    const cal = holidayCalendar(params.holidays, params.holidayCountry);
    const day = dayInZone(msOf(c.asOf), tz);
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
 * Decides a case given as typed facts (the service's entry: no JSON on the way), under the
 * policy's parameters or `params` when given. Facts that break the case format's rules (a payment
 * of zero, a subscription on a one-off order, ...) yield the path of the offending fact.
 */
export function evaluateFacts(
  facts: CaseFacts,
  policy: Policy,
  params: PolicyParams = policy.params,
): Result<Decision, InputError> {
  return inputResult(() => decide(caseOf(facts, params), policy));
}

/**
 * Reads a case as `JSON.parse` returns it and decides it: the reader in front of
 * `evaluateFacts`. Invalid input yields the JSON path of the offending field instead of a decision.
 */
export function evaluateRefund(raw: unknown, policy: Policy): Result<Decision, InputError> {
  // `inputResult` written out: this is the benchmark's hot path, and a closure over `raw` and
  // `policy` per call was about a twentieth of the bytes it allocated (ADR 0010, session 8).
  try {
    return { ok: true, value: decide(readCase(raw, policy), policy) };
  } catch (e) {
    return inputError(e);
  }
}
