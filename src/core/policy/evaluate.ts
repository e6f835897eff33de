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

interface Verdict {
  outcome: Decision["outcome"];
  clauses: readonly ClauseId[];
  alternatives?: readonly Alternative[];
  amount?: Money | null;
  refunds?: readonly RefundLine[];
  explanation: string;
}

/** Interval arithmetic on [from, to) pairs of epoch milliseconds. */
type Interval = readonly [number, number];

function mergeIntervals(list: Interval[]): Interval[] {
  if (list.length < 2) return list;
  list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of list) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
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
 * Refund lines for the non-extra payments of one charge. `ratio` is [unused, period] for a
 * pro-rated refund, or null for a whole one. Payments in the price's currency go back as paid
 * (pro-rated); one in another currency goes back as the fiat value owed (`fiat-at-payout`) or as the
 * coins themselves (`same-coins`).
 */
function chargeLines(
  c: RefundCase,
  payments: readonly Payment[],
  ratio: readonly [bigint, bigint] | null,
): { lines: RefundLine[]; value: bigint } {
  const price = c.order.price;
  const part = (v: bigint): bigint => (ratio === null ? v : mulDivHalfUp(v, ratio[0], ratio[1]));
  let samePaid = 0n;
  for (const p of payments) if (p.amount.currency === price.currency) samePaid += p.amount.minor;
  const lines: RefundLine[] = [];
  let allSame = true;
  let value = 0n;
  for (const p of payments) {
    if (p.amount.currency === price.currency) {
      const minor = part(p.amount.minor);
      value += minor;
      if (minor > 0n)
        lines.push({
          paymentId: p.id,
          method: p.method,
          amount: { minor, currency: price.currency },
        });
      continue;
    }
    allSame = false;
    // Coins cover what the same-currency payments of the charge did not.
    const owed = price.minor > samePaid ? price.minor - samePaid : 0n;
    const minor =
      c.params.cryptoRefundValuation === "fiat-at-payout" ? part(owed) : part(p.amount.minor);
    const currency =
      c.params.cryptoRefundValuation === "fiat-at-payout" ? price.currency : p.amount.currency;
    if (minor > 0n) lines.push({ paymentId: p.id, method: p.method, amount: { minor, currency } });
  }
  // The value in the order's currency: the sum of the lines when all are in it, else the price
  // (or its pro-rated part) for the charge.
  if (!allSame) value = part(price.minor);
  return { lines, value };
}

function refundVerdict(
  c: RefundCase,
  clause: ClauseId,
  lines: readonly RefundLine[],
  value: bigint,
  explanation: string,
): Verdict {
  return {
    outcome: "refund",
    clauses: [clause, "procedure.payout"],
    amount: { minor: value, currency: c.order.price.currency },
    refunds: lines,
    explanation,
  };
}

/** Rule 2: duplicate payments. */
function duplicatePayment(c: RefundCase, extras: readonly boolean[]): Verdict {
  const lines: RefundLine[] = [];
  let value = 0n;
  const price = c.order.price;
  for (let i = 0; i < c.payments.length; i++) {
    if (!extras[i]) continue;
    const p = c.payments[i] as Payment;
    lines.push({ paymentId: p.id, method: p.method, amount: p.amount });
    value += p.amount.currency === price.currency ? p.amount.minor : price.minor;
  }
  if (lines.length === 0) {
    return {
      outcome: "review",
      clauses: ["eligible.duplicate-payment"],
      explanation:
        "Our records show no payment beyond what the order cost. A specialist will compare them with your bank or card statement.",
    };
  }
  return refundVerdict(
    c,
    "eligible.duplicate-payment",
    lines,
    value,
    `You were charged more than once; the extra ${lines.length === 1 ? "payment goes" : "payments go"} back in full to the method used.`,
  );
}

/** Rule 4: the unused part of a subscription period. */
function unusedSubscription(c: RefundCase, extras: readonly boolean[]): Verdict {
  const sub = c.order.subscription;
  if (sub === null) {
    return {
      outcome: "deny",
      clauses: ["excluded.not-covered"],
      explanation: "This order is not a subscription, so there is no unused period to refund.",
    };
  }
  const tz = c.params.timezone;
  const startDay = dayInZone(sub.periodStart, tz);
  const endDay = dayInZone(sub.periodEnd, tz);
  const periodDays = endDay - startDay;
  const submitDay = dayInZone(c.request.submittedAt, tz);
  let unused = endDay - (submitDay + 1);
  if (unused < 0) unused = 0;
  if (unused > periodDays) unused = periodDays;
  if (unused === 0 || periodDays <= 0) {
    return {
      outcome: "deny",
      clauses: ["notes.prorated"],
      explanation: "No unused days are left in the current subscription period.",
    };
  }
  const paid = c.payments.filter((p, i) => !extras[i] && p.chargeRef === sub.chargeRef);
  if (paid.length === 0) {
    return {
      outcome: "review",
      clauses: ["notes.prorated"],
      explanation:
        "No payment is recorded for the current period; a specialist will check what was paid.",
    };
  }
  const { lines, value } = chargeLines(c, paid, [BigInt(unused), BigInt(periodDays)]);
  if (lines.length === 0) {
    return {
      outcome: "deny",
      clauses: ["notes.prorated"],
      explanation: "The unused share of this period rounds to nothing, so there is no refund.",
    };
  }
  return refundVerdict(
    c,
    "notes.prorated",
    lines,
    value,
    `${unused} of the period's ${periodDays} days are unused; that share of what you paid goes back to the method used.`,
  );
}

/** Rule 5: the service was not delivered as promised. */
function notDelivered(c: RefundCase, extras: readonly boolean[]): Verdict {
  const o = c.order;
  if (o.deliveredAt !== null) {
    return {
      outcome: "deny",
      clauses: ["excluded.completed"],
      alternatives: AFTER_DELIVERY,
      explanation:
        "The service was fully delivered, so it cannot be refunded. We can extend your support or add consulting instead.",
    };
  }
  const deadlines: [number, number | null][] = [];
  if (o.promisedStartBy !== null) deadlines.push([o.promisedStartBy, o.startedAt]);
  if (o.promisedDeliveryBy !== null) deadlines.push([o.promisedDeliveryBy, o.deliveredAt]);
  if (deadlines.length === 0) {
    return {
      outcome: "review",
      clauses: ["eligible.not-delivered"],
      explanation:
        "The order has no promised dates, so a specialist will judge whether delivery was late.",
    };
  }
  const blocked = blockedIntervals(c, BLOCKING);
  const breached = (deadline: number, happened: number | null): boolean =>
    happened !== null ? happened > deadline : c.asOf > deadline;
  let breachedAsPromised = false;
  let breachedExtended = false;
  let latestExtended = -Infinity;
  for (const [deadline, happened] of deadlines) {
    const ext = extendDeadline(o.placedAt, deadline, blocked);
    if (ext > latestExtended) latestExtended = ext;
    if (breached(deadline, happened)) breachedAsPromised = true;
    if (breached(ext, happened)) breachedExtended = true;
  }
  if (!breachedAsPromised) {
    return {
      outcome: "deny",
      clauses: ["eligible.not-delivered"],
      explanation: "Our records show the service is on schedule: no promised date has passed yet.",
    };
  }
  if (!breachedExtended) {
    const client = measure(blockedIntervals(c, CLIENT), o.placedAt, latestExtended);
    const external = measure(blockedIntervals(c, EXTERNAL), o.placedAt, latestExtended);
    return client >= external
      ? {
          outcome: "deny",
          clauses: ["excluded.client-side"],
          explanation:
            "The delay is explained by time we waited for access, information or resources from your side.",
        }
      : {
          outcome: "deny",
          clauses: ["excluded.external"],
          explanation:
            "The delay is explained by an outage or event outside our control, which the policy does not refund.",
        };
  }
  if (o.startedAt === null) {
    const chargeRef = o.subscription?.chargeRef ?? o.id;
    const paid = c.payments.filter((p, i) => !extras[i] && p.chargeRef === chargeRef);
    if (paid.length === 0) {
      return {
        outcome: "review",
        clauses: ["eligible.not-delivered"],
        explanation:
          "The service was not started in time, but no payment for it is recorded; a specialist will check what was paid.",
      };
    }
    const { lines, value } = chargeLines(c, paid, null);
    if (lines.length === 0) {
      return {
        outcome: "review",
        clauses: ["eligible.not-delivered"],
        explanation:
          "The service was not started in time, but nothing is owed back by our records; a specialist will check what was paid.",
      };
    }
    return refundVerdict(
      c,
      "eligible.not-delivered",
      lines,
      value,
      `The service was not started by the promised date. ${formatMoney({ minor: value, currency: o.price.currency })} goes back to the method you paid with.`,
    );
  }
  return {
    outcome: "review",
    clauses: ["eligible.not-delivered", "notes.started"],
    alternatives: ALL_ALTERNATIVES,
    explanation:
      "The service started late or is overdue, but work has begun; a specialist will decide, and may offer re-delivery, extended support or extra consulting first.",
  };
}

const WINDOW_REASONS = new Set(["not_delivered", "mismatch", "other"]);

function verdictFor(c: RefundCase, windowEndsAt: number | null): Verdict {
  const { order, request } = c;
  // Rule 1: request contents.
  if (order.id.trim() === "" || request.description.trim() === "") {
    return {
      outcome: "incomplete",
      clauses: ["procedure.request"],
      explanation: "A refund request needs the order id and a description of the issue.",
    };
  }
  const extras = findExtras(c.payments, order.price);
  // Rule 2: duplicate payment.
  if (request.reason === "duplicate_payment") return duplicatePayment(c, extras);
  // Rule 3: request window.
  if (windowEndsAt !== null && request.submittedAt >= windowEndsAt) {
    return {
      outcome: "deny",
      clauses: ["procedure.window"],
      explanation: `Requests must be sent within ${c.params.requestWindowDays} calendar days of delivery; the window closed on ${fmtDate(windowEndsAt - 1, c.params.timezone)}.`,
    };
  }
  switch (request.reason) {
    case "unused_subscription":
      return unusedSubscription(c, extras);
    case "not_delivered":
      return notDelivered(c, extras);
    case "mismatch":
      return {
        outcome: "review",
        clauses: ["eligible.mismatch", "procedure.review"],
        alternatives: MISMATCH_ALTERNATIVES,
        explanation:
          "A specialist will compare what was delivered with the agreed scope; re-delivery or extra consulting may be offered first.",
      };
    case "other":
      return order.startedAt === null
        ? {
            outcome: "review",
            clauses: ["notes.started"],
            explanation:
              "Work has not started yet, so a specialist will consider cancelling the order.",
          }
        : {
            outcome: "deny",
            clauses: ["excluded.not-covered"],
            alternatives: AFTER_DELIVERY,
            explanation:
              "The policy does not refund this reason once work has started. We can extend your support or add consulting instead.",
          };
  }
}

/** Decides a validated case under a policy: the first rule that applies decides. */
export function decide(c: RefundCase, policy: Policy): Decision {
  const { params } = c;
  const tz = params.timezone;
  let windowEndsAt: number | null = null;
  if (c.order.deliveredAt !== null && WINDOW_REASONS.has(c.request.reason)) {
    windowEndsAt = startOfDay(
      dayInZone(c.order.deliveredAt, tz) + params.requestWindowDays + 1,
      tz,
    );
  }
  const v = verdictFor(c, windowEndsAt);
  let deadlines: Deadlines = {
    requestWindowEndsAt: windowEndsAt,
    payoutEarliest: null,
    payoutLatest: null,
  };
  if (v.outcome === "refund") {
    const cal = holidayCalendar(params.holidays, params.holidayCountry);
    const day = dayInZone(c.asOf, tz);
    deadlines = {
      requestWindowEndsAt: windowEndsAt,
      payoutEarliest: formatDay(addBusinessDays(day, params.payoutBusinessDays[0], cal)),
      payoutLatest: formatDay(addBusinessDays(day, params.payoutBusinessDays[1], cal)),
    };
  }
  return {
    outcome: v.outcome,
    amount: v.amount ?? null,
    refunds: v.refunds ?? [],
    clauses: v.clauses,
    alternatives: v.alternatives ?? NO_ALTERNATIVES,
    deadlines,
    policyVersion: policy.version,
    explanation: v.explanation,
    autoApprove: v.outcome === "refund" && params.autoApprove.includes(c.request.reason),
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
