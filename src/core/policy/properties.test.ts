import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  defaultPolicy,
  type CaseJ,
  type EventJ,
  type PaymentJ,
} from "../../../test/support/cases.js";
import { dayInZone } from "../calendar/calendar.js";
import {
  exactInstant,
  formatExactInstant,
  formatInstant,
  msOf,
  parseInstant,
  type ExactInstant,
} from "../calendar/instant.js";
import { findExtrasBy } from "../ledger/ledger.js";
import { compareInstants } from "../calendar/instant.js";
import { formatMinor } from "../money/money.js";
import { evaluateFacts, evaluateRefund } from "./evaluate.js";
import { parseCase } from "./parse-case.js";
import { serializeDecision } from "./serialize.js";
import {
  EVENT_KINDS,
  PAYMENT_METHODS,
  REASONS,
  type CaseFacts,
  type Decision,
  type RefundCase,
} from "./types.js";

// Property tests over arbitrary valid cases: every generated case must pass validation, so the
// generator doubles as a check that validation accepts what the spec allows.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const ZONES = ["UTC", "Asia/Bangkok", "America/New_York", "Europe/Berlin", "Australia/Sydney"];
const FIAT = ["USD", "EUR", "THB", "JPY", "KWD"];
const CRYPTO = ["BTC", "ETH", "USDT"];

/** An instant within `days` days after `from`, at minute or millisecond resolution. */
const after = (from: number, days: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: days * 24 * 60 }).map((min) => from + min * 60_000),
    fc.integer({ min: 0, max: days * DAY }).map((ms) => from + ms),
  );
const iso = (ms: number) => formatInstant(ms);
/** `arb`, or `nil` with weight `nilWeight` against `weight`. */
const maybe = <T, N>(arb: fc.Arbitrary<T>, nil: N, nilWeight: number, weight: number) =>
  fc.oneof({ weight, arbitrary: arb }, { weight: nilWeight, arbitrary: fc.constant(nil) });

const policyBlock = fc.record(
  {
    timezone: fc.constantFrom(...ZONES),
    requestWindowDays: fc.integer({ min: 0, max: 14 }),
    payoutBusinessDays: fc
      .tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }))
      .map(([a, b]) => [a, a + b]),
    holidays: fc.uniqueArray(
      fc.integer({ min: 0, max: 150 }).map((d) => iso(T0 + d * DAY).slice(0, 10)),
      { maxLength: 4 },
    ),
    holidayCountry: fc.constantFrom(null, "US", "TH", "DE-BY"),
    cryptoRefundValuation: fc.constantFrom("fiat-at-payout", "same-coins"),
    autoApprove: fc.subarray([...REASONS]),
  },
  { requiredKeys: [] },
);

/** Arbitrary valid cases, as JSON (instants in Z; see `withOffsets`). */
const caseArb: fc.Arbitrary<CaseJ> = fc
  .record({
    placedAt: after(T0, 60),
    billing: fc.constantFrom("one_off", "subscription"),
    currency: fc.constantFrom(...FIAT),
    priceMinor: fc.oneof(
      { weight: 1, arbitrary: fc.constant(0n) },
      { weight: 20, arbitrary: fc.bigInt({ min: 1n, max: 10_000_000n }) },
    ),
    // blank ones make an incomplete request (rule 1): now and then
    id: maybe(fc.constant("ORD-1"), "", 1, 30),
    description: maybe(fc.constant("It never started."), " ", 1, 30),
    seed: fc.record({
      startBy: maybe(fc.integer({ min: 0, max: 20 * DAY }), null, 1, 4),
      deliverBy: maybe(fc.integer({ min: 0, max: 40 * DAY }), null, 1, 2),
      started: maybe(fc.integer({ min: 0, max: 25 * DAY }), null, 1, 1),
      delivered: maybe(fc.integer({ min: 0, max: 40 * DAY }), null, 2, 1),
      periodStart: fc.integer({ min: -10 * DAY, max: 40 * DAY }),
      periodLength: fc.integer({ min: 3_600_000, max: 40 * DAY }),
      submitted: fc.integer({ min: 0, max: 45 * DAY }),
      asOf: fc.option(fc.integer({ min: 0, max: 10 * DAY }), { nil: undefined }),
    }),
    payments: fc.array(
      fc.record({
        chargeRef: fc.constantFrom("order", "SUB/P", "SUB/OLD"),
        crypto: fc.option(fc.constantFrom(...CRYPTO), { nil: null, freq: 4 }),
        // a share of the price in tenths (so halves, wholes and overpayments all occur)
        tenths: fc.integer({ min: 1, max: 20 }),
        coins: fc.bigInt({ min: 1n, max: 10n ** 20n }),
        method: fc.constantFrom(...PAYMENT_METHODS),
        captured: fc.integer({ min: 0, max: 5 }).map((h) => h * 3_600_000), // ties happen
      }),
      { maxLength: 4 },
    ),
    events: fc.array(
      fc.record({
        kind: fc.constantFrom(...EVENT_KINDS),
        from: fc.integer({ min: -10 * DAY, max: 30 * DAY }),
        length: fc.option(fc.integer({ min: 0, max: 15 * DAY }), { nil: null }),
      }),
      { maxLength: 3 },
    ),
    reason: fc.constantFrom(...REASONS),
    policy: fc.option(policyBlock, { nil: undefined }),
  })
  .map((g): CaseJ => {
    const p = g.placedAt;
    const s = g.seed;
    const opt = (x: number | null) => (x === null ? null : iso(p + x));
    const price = { amount: formatMinor(g.priceMinor, g.currency), currency: g.currency };
    const sub = g.billing === "subscription";
    const periodStart = p + s.periodStart;
    const payments: PaymentJ[] = g.payments.map((x, i) => {
      const minor = (g.priceMinor * BigInt(x.tenths)) / 10n;
      const amount =
        x.crypto !== null
          ? { amount: formatMinor(x.coins % 10n ** 12n || 1n, x.crypto), currency: x.crypto }
          : { amount: formatMinor(minor > 0n ? minor : 1n, g.currency), currency: g.currency };
      return {
        id: `PAY-${i}`,
        chargeRef: x.chargeRef === "order" ? "ORD-1" : x.chargeRef,
        amount,
        method: x.method,
        capturedAt: iso(p + x.captured),
      };
    });
    const events: EventJ[] = g.events.map((e) => ({
      kind: e.kind,
      from: iso(p + e.from),
      to: e.length === null ? null : iso(p + e.from + e.length),
      note: null,
    }));
    const submittedAt = p + s.submitted;
    const c: CaseJ = {
      order: {
        id: g.id,
        clientId: "CL-1",
        service: { name: "Service", category: sub ? "monitoring" : "audit", billing: g.billing },
        price,
        placedAt: iso(p),
        promisedStartBy: opt(s.startBy),
        promisedDeliveryBy: opt(s.deliverBy),
        startedAt: opt(s.started),
        deliveredAt: opt(s.delivered),
        subscription: sub
          ? {
              periodStart: iso(periodStart),
              periodEnd: iso(periodStart + s.periodLength),
              chargeRef: "SUB/P",
            }
          : null,
      },
      payments,
      events,
      request: {
        reason: g.reason,
        submittedAt: iso(submittedAt),
        description: g.description,
        attachments: 0,
      },
    };
    if (s.asOf !== undefined) c.asOf = iso(submittedAt + s.asOf);
    if (g.policy !== undefined) c.policy = g.policy;
    return c;
  });

/** The same case with every instant written in another UTC offset. */
function withOffsets(c: CaseJ, offsetMinutes: number): CaseJ {
  const sign = offsetMinutes < 0 ? "-" : "+";
  const a = Math.abs(offsetMinutes);
  const suffix = `${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
  const rewrite = (v: unknown): unknown => {
    if (typeof v === "string" && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v)) {
      const local = new Date(parseInstant(v) + offsetMinutes * 60_000).toISOString();
      return local.slice(0, -1) + suffix;
    }
    if (Array.isArray(v)) return v.map(rewrite);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, k === "policy" ? x : rewrite(x)]),
      );
    }
    return v;
  };
  return rewrite(c) as CaseJ;
}

function evaluate(c: unknown): Decision {
  const r = evaluateRefund(c, defaultPolicy);
  if (!r.ok) throw new Error(`generated an invalid case: ${r.error.path}: ${r.error.message}`);
  return r.value;
}

function parsed(c: unknown): RefundCase {
  const r = parseCase(c, defaultPolicy);
  if (!r.ok) throw new Error(`generated an invalid case: ${r.error.path}: ${r.error.message}`);
  return r.value;
}

describe("engine properties", () => {
  it("evaluation is deterministic and leaves its input alone", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const text = JSON.stringify(c);
        const first = serializeDecision(evaluate(c));
        expect(JSON.stringify(c)).toBe(text);
        expect(serializeDecision(evaluate(c))).toBe(first);
        expect(serializeDecision(evaluate(JSON.parse(text)))).toBe(first);
      }),
      { numRuns: 300 },
    );
  });

  it("the offset instants are written in does not matter", () => {
    const offset = fc.constantFrom(420, -300, 345, -570, 0, 840, -720);
    fc.assert(
      fc.property(caseArb, offset, (c, off) => {
        expect(serializeDecision(evaluate(withOffsets(c, off)))).toBe(
          serializeDecision(evaluate(c)),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("refund lines stay within their payments and follow the rules on extras", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const d = evaluate(c);
        const k = parsed(c);
        const extras = findExtrasBy(k.payments, k.order.price, compareInstants);
        const byId = new Map(k.payments.map((p, i) => [p.id, { p, extra: extras[i] === true }]));
        const price = k.order.price;
        const seen = new Set<string>();
        for (const line of d.refunds) {
          const found = byId.get(line.paymentId);
          expect(found, `line for unknown payment ${line.paymentId}`).toBeDefined();
          if (found === undefined) return;
          const { p, extra } = found;
          expect(seen.has(p.id), `two lines for ${p.id}`).toBe(false);
          seen.add(p.id);
          expect(line.method).toBe(p.method);
          expect(line.amount.minor > 0n).toBe(true);
          if (line.amount.currency === p.amount.currency) {
            expect(line.amount.minor <= p.amount.minor, `${p.id} refunds more than paid`).toBe(
              true,
            );
          } else {
            // only a payment in another currency than the price, valued in fiat at payout
            expect(p.amount.currency).not.toBe(price.currency);
            expect(line.amount.currency).toBe(price.currency);
            expect(k.params.cryptoRefundValuation).toBe("fiat-at-payout");
            expect(line.amount.minor <= price.minor).toBe(true);
          }
          // extra payments go back only under rule 2, and then in full
          if (k.request.reason === "duplicate_payment") {
            expect(extra).toBe(true);
            expect(line.amount).toEqual(p.amount);
          } else {
            expect(extra).toBe(false);
          }
        }
        // the shape of the decision
        const isRefund = d.outcome === "refund";
        // lines only on a refund, and a refund always has lines (when what is owed rounds to
        // zero the engine denies or sends the case to review instead)
        expect(d.refunds.length > 0).toBe(isRefund);
        expect(d.deadlines.payoutEarliest !== null).toBe(isRefund);
        expect(d.deadlines.payoutLatest !== null).toBe(isRefund);
        if (isRefund) {
          expect(d.clauses).toContain("procedure.payout");
          expect(d.amount?.currency).toBe(price.currency);
          expect((d.deadlines.payoutEarliest ?? "") <= (d.deadlines.payoutLatest ?? "")).toBe(true);
        } else {
          expect(d.amount).toBeNull();
        }
        expect(d.clauses.length).toBeGreaterThan(0);
        expect(new Set(d.clauses).size).toBe(d.clauses.length);
        if (d.autoApprove) {
          expect(isRefund).toBe(true);
          expect(k.params.autoApprove).toContain(k.request.reason);
        }
      }),
      { numRuns: 600 },
    );
  });

  const windowed = fc
    .record({
      c: caseArb,
      reason: fc.constantFrom("not_delivered", "mismatch", "other"),
      zone: fc.constantFrom(...ZONES),
      days: fc.integer({ min: 0, max: 10 }),
      delivered: fc.integer({ min: 0, max: 40 * DAY }),
      // first submission around the window's end, then later
      first: fc.integer({ min: -DAY, max: 14 * DAY }),
      later: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 60 * DAY })),
      keepAsOf: fc.boolean(),
    })
    .map((g) => {
      const c = structuredClone(g.c);
      const deliveredAt = parseInstant(c.order.placedAt) + g.delivered;
      c.order.id = "ORD-1";
      c.request.description = "Not what we agreed.";
      c.order.deliveredAt = iso(deliveredAt);
      c.request.reason = g.reason;
      c.policy = { ...c.policy, timezone: g.zone, requestWindowDays: g.days };
      if (!g.keepAsOf) delete c.asOf;
      const at = (ms: number): CaseJ => {
        const x = structuredClone(c);
        x.request.submittedAt = iso(ms);
        return x;
      };
      const s1 = deliveredAt + g.first;
      return { early: at(s1), late: at(s1 + g.later), deliveredAt, zone: g.zone, days: g.days };
    });

  it("moving a submission later never turns a window refusal into anything else", () => {
    let refusals = 0;
    fc.assert(
      fc.property(windowed, ({ early, late }) => {
        const refused = (d: Decision) =>
          d.outcome === "deny" && d.clauses[0] === "procedure.window";
        if (refused(evaluate(early))) {
          refusals += 1;
          const d = evaluate(late);
          expect(refused(d), serializeDecision(d)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
    expect(refusals).toBeGreaterThan(20); // the property was really exercised
  });

  it("the window closes at a local midnight, and refuses exactly from then on", () => {
    fc.assert(
      fc.property(windowed, ({ early, deliveredAt, zone, days }) => {
        const d = evaluate(early);
        const end = d.deadlines.requestWindowEndsAt;
        expect(end).not.toBeNull();
        if (end === null) return;
        const endDay = dayInZone(deliveredAt, zone) + days + 1;
        expect(dayInZone(end, zone)).toBe(endDay);
        expect(dayInZone(end - 1, zone)).toBe(endDay - 1);
        const submitted = parseInstant(early.request.submittedAt);
        const refused = d.outcome === "deny" && d.clauses[0] === "procedure.window";
        expect(refused).toBe(submitted >= end);
      }),
      { numRuns: 400 },
    );
  });
});

describe("amended spec properties", () => {
  it("pro-rated lines in a currency add up to the rounded total, never more, never above what was paid", () => {
    let prorated = 0;
    fc.assert(
      fc.property(caseArb, (c0) => {
        const c = structuredClone(c0);
        c.request.reason = "unused_subscription";
        c.request.description = "Please cancel.";
        c.order.id = "ORD-1";
        const d = evaluate(c);
        if (d.outcome !== "refund") return;
        prorated += 1;
        const k = parsed(c);
        const sub = k.order.subscription;
        if (sub === null) throw new Error("a pro-rated refund without a subscription");
        // An independent reading of rule 4 and *Refund lines*.
        const tz = k.params.timezone;
        const end = dayInZone(msOf(sub.periodEnd), tz);
        const period = end - dayInZone(msOf(sub.periodStart), tz);
        const unused = Math.max(
          0,
          Math.min(period, end - dayInZone(msOf(k.request.submittedAt), tz) - 1),
        );
        const extras = findExtrasBy(k.payments, k.order.price, compareInstants);
        const paid = k.payments
          .filter((p, i) => !extras[i] && p.chargeRef === sub.chargeRef)
          .sort((a, b) => compareInstants(a.capturedAt, b.capturedAt));
        const price = k.order.price;
        const exact = new Map<string, bigint>(); // currency -> sum of base * unused
        const ceiling = new Map<string, bigint>(); // currency -> what was paid (valued)
        let covered = 0n;
        for (const p of paid) {
          let base = p.amount;
          if (p.amount.currency === price.currency) covered += p.amount.minor;
          else {
            const rest = price.minor > covered ? price.minor - covered : 0n;
            covered = price.minor;
            if (k.params.cryptoRefundValuation === "fiat-at-payout") {
              base = { minor: rest, currency: price.currency };
            }
          }
          exact.set(base.currency, (exact.get(base.currency) ?? 0n) + base.minor * BigInt(unused));
          ceiling.set(base.currency, (ceiling.get(base.currency) ?? 0n) + base.minor);
        }
        const got = new Map<string, bigint>();
        for (const l of d.refunds) {
          got.set(l.amount.currency, (got.get(l.amount.currency) ?? 0n) + l.amount.minor);
        }
        for (const [currency, sum] of got) {
          const x = exact.get(currency) ?? 0n;
          const rounded = (x * 2n + BigInt(period)) / (2n * BigInt(period));
          expect(sum, currency).toBe(rounded);
          expect(sum <= (ceiling.get(currency) ?? 0n), `${currency}: more than paid`).toBe(true);
        }
      }),
      { numRuns: 600 },
    );
    expect(prorated).toBeGreaterThan(50);
  });

  it("a case decides the same whether it arrives as JSON or as typed facts", () => {
    const ns = fc.integer({ min: 0, max: 999_999 });
    fc.assert(
      fc.property(caseArb, fc.array(ns, { minLength: 8, maxLength: 8 }), (c, subMs) => {
        // Typed facts with sub-millisecond instants, and the same facts written as JSON.
        const k = parsed(c);
        let n = 0;
        const nudge = (t: ExactInstant): ExactInstant => exactInstant(msOf(t), subMs[n++ % 8] ?? 0);
        const nudgeOrNull = (t: ExactInstant | null) => (t === null ? null : nudge(t));
        const facts: CaseFacts = {
          asOf: nudge(k.asOf),
          order: {
            ...k.order,
            placedAt: nudge(k.order.placedAt),
            promisedStartBy: nudgeOrNull(k.order.promisedStartBy),
            promisedDeliveryBy: nudgeOrNull(k.order.promisedDeliveryBy),
            startedAt: nudgeOrNull(k.order.startedAt),
            deliveredAt: nudgeOrNull(k.order.deliveredAt),
          },
          payments: k.payments.map((p) => ({ ...p, capturedAt: nudge(p.capturedAt) })),
          events: k.events.map((e) => ({ ...e, from: e.from, to: e.to })),
          request: { ...k.request, submittedAt: nudge(k.request.submittedAt) },
        };
        const when = (t: ExactInstant | null) => (t === null ? null : formatExactInstant(t));
        const money = (m: { minor: bigint; currency: string }) => ({
          amount: formatMinor(m.minor, m.currency),
          currency: m.currency,
        });
        const o = facts.order;
        const json = JSON.parse(
          JSON.stringify({
            asOf: when(facts.asOf),
            ...(c.policy === undefined ? {} : { policy: c.policy }),
            order: {
              id: o.id,
              clientId: o.clientId,
              service: o.service,
              price: money(o.price),
              placedAt: when(o.placedAt),
              promisedStartBy: when(o.promisedStartBy),
              promisedDeliveryBy: when(o.promisedDeliveryBy),
              startedAt: when(o.startedAt),
              deliveredAt: when(o.deliveredAt),
              subscription:
                o.subscription === null
                  ? null
                  : {
                      periodStart: when(o.subscription.periodStart),
                      periodEnd: when(o.subscription.periodEnd),
                      chargeRef: o.subscription.chargeRef,
                    },
            },
            payments: facts.payments.map((p) => ({
              id: p.id,
              chargeRef: p.chargeRef,
              amount: money(p.amount),
              method: p.method,
              capturedAt: when(p.capturedAt),
            })),
            events: facts.events.map((e) => ({
              kind: e.kind,
              from: when(e.from),
              to: when(e.to),
              note: e.note,
            })),
            request: { ...facts.request, submittedAt: when(facts.request.submittedAt) },
          }),
        );
        const typed = evaluateFacts(facts, defaultPolicy, k.params);
        const read = evaluateRefund(json, defaultPolicy);
        expect(read.ok).toBe(typed.ok);
        if (typed.ok && read.ok) {
          expect(serializeDecision(read.value)).toBe(serializeDecision(typed.value));
        }
        if (!typed.ok && !read.ok) expect(read.error).toEqual(typed.error);
      }),
      { numRuns: 400 },
    );
  });
});
