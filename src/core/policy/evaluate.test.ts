import { describe, expect, it } from "vitest";
import {
  amountOf,
  baseCase,
  defaultPolicy,
  edit,
  lines,
  m,
  pay,
  run,
  subscriptionCase,
  type CaseJ,
  type EventJ,
  type PaymentJ,
} from "../../../test/support/cases.js";
import { decide, evaluateRefund } from "./evaluate.js";
import { parseCase } from "./parse-case.js";
import { decisionToJson, serializeDecision, type DecisionJson } from "./serialize.js";

// The rules of policy-decisions.md, one table per rule. Every row is a whole case evaluated under
// the default policy (plus the case's own overrides) and compared on every field the spec fixes.
// The base case (test/support/cases.ts): a one-off audit for 4800.00 USD placed Monday 2026-02-02
// 10:00Z, to start by 02-09 10:00Z and be delivered by 02-23 10:00Z, never started, paid once by
// card (PAY-1), a not_delivered request on Monday 02-16 09:30Z: a refund under rule 5g.

interface Want {
  outcome: "refund" | "review" | "deny" | "incomplete";
  clauses: string[];
  alternatives?: string[];
  /** `amount currency` */
  amount?: string | null;
  /** `paymentId|method|amount currency` */
  refunds?: string[];
  window?: string | null;
  payout?: readonly [string, string] | null;
  autoApprove?: boolean;
}

interface Row {
  name: string;
  c: CaseJ;
  want: Want;
}

function check(d: DecisionJson, w: Want): void {
  expect({
    outcome: d.outcome,
    clauses: d.clauses,
    alternatives: d.alternatives,
    amount: amountOf(d),
    refunds: lines(d),
    window: d.deadlines.requestWindowEndsAt,
    payout:
      d.deadlines.payoutEarliest === null
        ? null
        : [d.deadlines.payoutEarliest, d.deadlines.payoutLatest],
    autoApprove: d.autoApprove,
  }).toEqual({
    outcome: w.outcome,
    clauses: w.clauses,
    alternatives: w.alternatives ?? [],
    amount: w.amount ?? null,
    refunds: [...(w.refunds ?? [])].sort(),
    window: w.window ?? null,
    payout: w.payout ?? null,
    autoApprove: w.autoApprove ?? false,
  });
  expect(d.policyVersion).toBe(defaultPolicy.version);
  expect(d.explanation.trim().length).toBeGreaterThan(10);
}

const table = (rows: Row[]) =>
  it.each(rows)("$name", ({ c, want }) => {
    check(run(c), want);
  });

const REFUND_ND = ["eligible.not-delivered", "procedure.payout"];
const REFUND_DUP = ["eligible.duplicate-payment", "procedure.payout"];
const REFUND_PRO = ["notes.prorated", "procedure.payout"];
const AFTER_DELIVERY = ["support-extension", "additional-consulting"];
const ALL_ALTERNATIVES = ["re-delivery", "support-extension", "additional-consulting"];
const MISMATCH_ALTERNATIVES = ["re-delivery", "additional-consulting"];
/** Payout dates of a refund decided on Monday 2026-02-16 under the default [7, 14]. */
const PAYOUT_0216 = ["2026-02-25", "2026-03-06"] as const;

const nd = (change: (c: CaseJ) => void = () => {}): CaseJ => edit(baseCase(), change);

/** A duplicate_payment request on the base order with the given payments. */
const dup = (payments: PaymentJ[], change: (c: CaseJ) => void = () => {}): CaseJ =>
  nd((c) => {
    c.request.reason = "duplicate_payment";
    c.request.description = "I was charged twice.";
    c.payments = payments;
    change(c);
  });

/** The base order, started and delivered, with a request for `reason`. */
const delivered = (
  reason: string,
  deliveredAt: string,
  submittedAt: string,
  change: (c: CaseJ) => void = () => {},
): CaseJ =>
  nd((c) => {
    c.order.startedAt = "2026-02-05T09:00:00Z";
    c.order.deliveredAt = deliveredAt;
    c.request.reason = reason;
    c.request.submittedAt = submittedAt;
    change(c);
  });

const withEvents = (events: EventJ[], change: (c: CaseJ) => void = () => {}): CaseJ =>
  nd((c) => {
    c.events = events;
    change(c);
  });

const ev = (kind: string, from: string, to: string | null): EventJ => ({
  kind,
  from,
  to,
  note: null,
});

const PAY1 = pay("PAY-1", m("4800.00"), "2026-02-02T10:05:00Z");
const PAY2 = pay("PAY-2", m("4800.00"), "2026-02-03T08:00:00Z");

describe("rule 1: request contents", () => {
  table([
    { name: "empty order id", c: nd((c) => void (c.order.id = "")), want: incomplete() },
    { name: "blank order id", c: nd((c) => void (c.order.id = " \t ")), want: incomplete() },
    {
      name: "empty description",
      c: nd((c) => void (c.request.description = "")),
      want: incomplete(),
    },
    {
      name: "blank description",
      c: nd((c) => void (c.request.description = " \n ")),
      want: incomplete(),
    },
    {
      name: "comes before a duplicate payment",
      c: dup([PAY1, PAY2], (c) => void (c.request.description = "")),
      want: incomplete(),
    },
    {
      name: "comes before the request window",
      c: delivered("mismatch", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z", (c) => {
        c.order.id = "";
      }),
      want: { ...incomplete(), window: "2026-01-09T00:00:00Z" },
    },
    {
      name: "documentation is not required",
      c: nd((c) => void (c.request.attachments = 0)),
      want: {
        outcome: "refund",
        clauses: REFUND_ND,
        amount: "4800.00 USD",
        refunds: ["PAY-1|card|4800.00 USD"],
        payout: PAYOUT_0216,
      },
    },
  ]);

  function incomplete(): Want {
    return { outcome: "incomplete", clauses: ["procedure.request"] };
  }
});

describe("rule 2: duplicate payments", () => {
  const refundOf = (amount: string, refunds: string[], payout = PAYOUT_0216): Want => ({
    outcome: "refund",
    clauses: REFUND_DUP,
    amount,
    refunds,
    payout,
    autoApprove: true,
  });
  const noExtra: Want = { outcome: "review", clauses: ["eligible.duplicate-payment"] };
  const half = (id: string, at: string) => pay(id, m("2400.00"), at);
  const BTC = pay("PAY-B", m("0.05123456", "BTC"), "2026-02-02T11:00:00Z", "crypto");

  table([
    {
      name: "two full payments: the later one goes back, approved automatically",
      c: dup([PAY1, PAY2]),
      want: refundOf("4800.00 USD", ["PAY-2|card|4800.00 USD"]),
    },
    {
      name: "three full payments: two go back",
      c: dup([PAY1, PAY2, pay("PAY-3", m("4800.00"), "2026-02-04T08:00:00Z", "bank_transfer")]),
      want: refundOf("9600.00 USD", ["PAY-2|card|4800.00 USD", "PAY-3|bank_transfer|4800.00 USD"]),
    },
    {
      name: "no request window: delivered long ago, still refunded",
      c: dup([PAY1, PAY2], (c) => {
        c.order.startedAt = "2025-05-01T00:00:00Z";
        c.order.deliveredAt = "2025-06-01T00:00:00Z";
      }),
      want: refundOf("4800.00 USD", ["PAY-2|card|4800.00 USD"]),
    },
    {
      name: "installments: two halves are not a duplicate",
      c: dup([half("PAY-1", "2026-02-02T10:05:00Z"), half("PAY-2", "2026-02-09T10:05:00Z")]),
      want: noExtra,
    },
    {
      name: "installments: a third half is extra",
      c: dup([
        half("PAY-1", "2026-02-02T10:05:00Z"),
        half("PAY-2", "2026-02-09T10:05:00Z"),
        half("PAY-3", "2026-02-09T10:06:00Z"),
      ]),
      want: refundOf("2400.00 USD", ["PAY-3|card|2400.00 USD"]),
    },
    {
      name: "partial payments: 3000 + 3000 do not exceed coverage before the second",
      c: dup([
        pay("PAY-1", m("3000.00"), "2026-02-02T10:05:00Z"),
        pay("PAY-2", m("3000.00"), "2026-02-03T10:05:00Z"),
      ]),
      want: noExtra,
    },
    {
      name: "partial payments: a third after coverage is extra, in full",
      c: dup([
        pay("PAY-1", m("3000.00"), "2026-02-02T10:05:00Z"),
        pay("PAY-2", m("3000.00"), "2026-02-03T10:05:00Z"),
        pay("PAY-3", m("3000.00"), "2026-02-04T10:05:00Z"),
      ]),
      want: refundOf("3000.00 USD", ["PAY-3|card|3000.00 USD"]),
    },
    {
      name: "one payment: nothing extra",
      c: dup([PAY1]),
      want: noExtra,
    },
    {
      name: "crypto covers the whole charge: a later card payment is extra",
      c: dup([BTC, PAY2]),
      want: refundOf("4800.00 USD", ["PAY-2|card|4800.00 USD"]),
    },
    {
      name: "an extra crypto payment goes back as the coins (fiat-at-payout)",
      c: dup([PAY1, { ...BTC, capturedAt: "2026-02-03T08:00:00Z" }]),
      want: refundOf("4800.00 USD", ["PAY-B|crypto|0.05123456 BTC"]),
    },
    {
      name: "an extra crypto payment goes back as the coins (same-coins)",
      c: dup([PAY1, { ...BTC, capturedAt: "2026-02-03T08:00:00Z" }], (c) => {
        c.policy = { cryptoRefundValuation: "same-coins" };
      }),
      want: refundOf("4800.00 USD", ["PAY-B|crypto|0.05123456 BTC"]),
    },
    {
      name: "an extra 18-decimal ETH payment goes back exactly",
      c: dup([
        PAY1,
        pay("PAY-E", m("1.000000000000000001", "ETH"), "2026-02-03T08:00:00Z", "crypto"),
      ]),
      want: refundOf("4800.00 USD", ["PAY-E|crypto|1.000000000000000001 ETH"]),
    },
    {
      name: "payments are grouped by chargeRef",
      c: dup([PAY1, { ...PAY2, chargeRef: "ORD-1/renewal" }]),
      want: noExtra,
    },
    {
      name: "the order of capture decides, not the order listed",
      c: dup([PAY2, PAY1]),
      want: refundOf("4800.00 USD", ["PAY-2|card|4800.00 USD"]),
    },
    {
      name: "a tie in capturedAt keeps the listed order",
      c: dup([PAY2, { ...PAY1, capturedAt: PAY2.capturedAt }]),
      want: refundOf("4800.00 USD", ["PAY-1|card|4800.00 USD"]),
    },
    {
      name: "a tie in capturedAt keeps the listed order (swapped)",
      c: dup([{ ...PAY1, capturedAt: PAY2.capturedAt }, PAY2]),
      want: refundOf("4800.00 USD", ["PAY-2|card|4800.00 USD"]),
    },
    {
      name: "automatic approval can be turned off by the operator",
      c: dup([PAY1, PAY2], (c) => void (c.policy = { autoApprove: [] })),
      want: { ...refundOf("4800.00 USD", ["PAY-2|card|4800.00 USD"]), autoApprove: false },
    },
  ]);
});

describe("rule 3: request window", () => {
  const review: Want = {
    outcome: "review",
    clauses: ["eligible.mismatch", "procedure.review"],
    alternatives: MISMATCH_ALTERNATIVES,
  };
  const late: Want = { outcome: "deny", clauses: ["procedure.window"] };
  const tz = (zone: string) => (c: CaseJ) => void (c.policy = { timezone: zone });
  const BKK = tz("Asia/Bangkok");
  const NY = tz("America/New_York");

  table([
    // UTC: delivered Friday 02-20, the window runs to the end of 02-27
    {
      name: "UTC: the window's last millisecond",
      c: delivered("mismatch", "2026-02-20T17:00:00Z", "2026-02-27T23:59:59.999Z"),
      want: { ...review, window: "2026-02-28T00:00:00Z" },
    },
    {
      name: "UTC: the first late instant",
      c: delivered("mismatch", "2026-02-20T17:00:00Z", "2026-02-28T00:00:00Z"),
      want: { ...late, window: "2026-02-28T00:00:00Z" },
    },
    {
      name: "UTC: a millisecond later",
      c: delivered("mismatch", "2026-02-20T17:00:00Z", "2026-02-28T00:00:00.001Z"),
      want: { ...late, window: "2026-02-28T00:00:00Z" },
    },
    {
      name: "UTC: the last millisecond written with an offset",
      c: delivered("mismatch", "2026-02-20T17:00:00Z", "2026-02-28T06:59:59.999+07:00"),
      want: { ...review, window: "2026-02-28T00:00:00Z" },
    },
    {
      name: "UTC: delivered at midnight, submitted the same instant",
      c: delivered("mismatch", "2026-02-20T00:00:00Z", "2026-02-20T00:00:00Z"),
      want: { ...review, window: "2026-02-28T00:00:00Z" },
    },
    // Bangkok (UTC+7): 16:30Z is 23:30 on 02-20; 17:30Z is 00:30 on 02-21
    {
      name: "Bangkok: delivered 23:30 local, last millisecond",
      c: delivered("mismatch", "2026-02-20T16:30:00Z", "2026-02-27T16:59:59.999Z", BKK),
      want: { ...review, window: "2026-02-27T17:00:00Z" },
    },
    {
      name: "Bangkok: delivered 23:30 local, first late instant",
      c: delivered("mismatch", "2026-02-20T16:30:00Z", "2026-02-27T17:00:00Z", BKK),
      want: { ...late, window: "2026-02-27T17:00:00Z" },
    },
    {
      name: "Bangkok: delivered 00:30 local the next day, a day more",
      c: delivered("mismatch", "2026-02-20T17:30:00Z", "2026-02-27T17:00:00Z", BKK),
      want: { ...review, window: "2026-02-28T17:00:00Z" },
    },
    {
      name: "Bangkok: delivered 00:30 local the next day, first late instant",
      c: delivered("mismatch", "2026-02-20T17:30:00Z", "2026-02-28T17:00:00Z", BKK),
      want: { ...late, window: "2026-02-28T17:00:00Z" },
    },
    {
      name: "the same delivery counted in UTC",
      c: delivered("mismatch", "2026-02-20T17:30:00Z", "2026-02-27T23:59:59.999Z"),
      want: { ...review, window: "2026-02-28T00:00:00Z" },
    },
    // New York: EST (UTC-5) until 2026-03-08 02:00, EDT (UTC-4) until 2026-11-01 02:00
    {
      name: "New York: the window ends in EDT at 04:00Z (last millisecond)",
      c: delivered("mismatch", "2026-03-03T15:00:00Z", "2026-03-11T03:59:59.999Z", NY),
      want: { ...review, window: "2026-03-11T04:00:00Z" },
    },
    {
      name: "New York: the window ends in EDT at 04:00Z (not at 05:00Z)",
      c: delivered("mismatch", "2026-03-03T15:00:00Z", "2026-03-11T04:30:00Z", NY),
      want: { ...late, window: "2026-03-11T04:00:00Z" },
    },
    {
      name: "New York: delivered 23:30 EST, still that date",
      c: delivered("mismatch", "2026-03-04T04:30:00Z", "2026-03-11T03:59:59.999Z", NY),
      want: { ...review, window: "2026-03-11T04:00:00Z" },
    },
    {
      name: "New York: a window ending on the DST day ends at its EST midnight",
      c: delivered("mismatch", "2026-02-28T15:00:00Z", "2026-03-08T04:59:59.999Z", NY),
      want: { ...review, window: "2026-03-08T05:00:00Z" },
    },
    {
      name: "New York: a window ending the day after the switch ends at its EDT midnight",
      c: delivered("mismatch", "2026-03-01T15:00:00Z", "2026-03-09T04:00:00Z", NY),
      want: { ...late, window: "2026-03-09T04:00:00Z" },
    },
    {
      name: "New York: a window ending on the fall-back day ends at its EDT midnight",
      c: delivered("mismatch", "2026-10-24T15:00:00Z", "2026-11-01T04:00:00Z", NY),
      want: { ...late, window: "2026-11-01T04:00:00Z" },
    },
    {
      name: "New York: after fall-back the window ends in EST at 05:00Z (still open at 04:30Z)",
      c: delivered("mismatch", "2026-10-27T15:00:00Z", "2026-11-04T04:30:00Z", NY),
      want: { ...review, window: "2026-11-04T05:00:00Z" },
    },
    {
      name: "New York: after fall-back, first late instant",
      c: delivered("mismatch", "2026-10-27T15:00:00Z", "2026-11-04T05:00:00Z", NY),
      want: { ...late, window: "2026-11-04T05:00:00Z" },
    },
    // requestWindowDays
    {
      name: "a window of 0 days ends with the delivery date",
      c: delivered("mismatch", "2026-02-20T17:00:00Z", "2026-02-21T00:00:00Z", (c) => {
        c.policy = { requestWindowDays: 0 };
      }),
      want: { ...late, window: "2026-02-21T00:00:00Z" },
    },
    {
      name: "a window of 14 days",
      c: delivered("mismatch", "2026-02-20T17:00:00Z", "2026-03-06T23:00:00Z", (c) => {
        c.policy = { requestWindowDays: 14 };
      }),
      want: { ...review, window: "2026-03-07T00:00:00Z" },
    },
    // which reasons it applies to
    {
      name: "not_delivered after the window: the window decides",
      c: delivered("not_delivered", "2026-02-20T17:00:00Z", "2026-02-28T00:00:00Z"),
      want: { ...late, window: "2026-02-28T00:00:00Z" },
    },
    {
      name: "other after the window: the window decides",
      c: delivered("other", "2026-02-20T17:00:00Z", "2026-03-15T00:00:00Z"),
      want: { ...late, window: "2026-02-28T00:00:00Z" },
    },
    {
      name: "mismatch on a service never delivered: no window",
      c: nd((c) => {
        c.order.startedAt = "2026-02-05T09:00:00Z";
        c.request.reason = "mismatch";
        c.request.submittedAt = "2026-09-01T00:00:00Z";
      }),
      want: review,
    },
    {
      name: "duplicate_payment after the window: no window",
      c: delivered("duplicate_payment", "2026-02-20T17:00:00Z", "2026-03-15T00:00:00Z"),
      want: { outcome: "review", clauses: ["eligible.duplicate-payment"] },
    },
  ]);
});

describe("rule 4: unused subscription", () => {
  const FEB26 = ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"] as const;
  const FEB28 = ["2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"] as const;
  const sub = (
    period: readonly [string, string],
    submittedAt: string,
    change: (c: CaseJ) => void = () => {},
    price = m("100.00"),
  ): CaseJ =>
    edit(subscriptionCase(period[0], period[1], price), (c) => {
      c.request.submittedAt = submittedAt;
      change(c);
    });
  const prorated = (
    amount: string,
    refunds: string[],
    payout: readonly [string, string],
  ): Want => ({
    outcome: "refund",
    clauses: REFUND_PRO,
    amount,
    refunds,
    payout,
  });
  const nothingLeft: Want = { outcome: "deny", clauses: ["notes.prorated"] };
  // payout dates of a decision on Tuesday 2026-02-10 and Thursday 2028-02-10
  const P26 = ["2026-02-19", "2026-03-02"] as const;
  const P28 = ["2028-02-21", "2028-03-01"] as const;
  const P0214 = ["2026-02-24", "2026-03-05"] as const; // decided on Saturday 2026-02-14
  const sameCoins = (c: CaseJ) => void (c.policy = { cryptoRefundValuation: "same-coins" });
  const crypto = (amount: string, currency: string) => (c: CaseJ) => {
    c.payments = [pay("PAY-C", m(amount, currency), "2026-02-01T00:00:00Z", "crypto", "SUB-1/P")];
  };

  table([
    {
      name: "a one-off order is not covered",
      c: nd((c) => void (c.request.reason = "unused_subscription")),
      want: { outcome: "deny", clauses: ["excluded.not-covered"] },
    },
    {
      name: "leap February 2028: 19 of 29 days unused",
      c: sub(FEB28, "2028-02-10T12:00:00Z"),
      want: prorated("65.52 USD", ["PAY-1|card|65.52 USD"], P28), // 100.00 * 19/29 = 65.517
    },
    {
      name: "non-leap February 2026: 18 of 28 days unused",
      c: sub(FEB26, "2026-02-10T12:00:00Z"),
      want: prorated("64.29 USD", ["PAY-1|card|64.29 USD"], P26), // 100.00 * 18/28 = 64.286
    },
    {
      name: "leap February 2028: submitted 02-28, one day (the 29th) left",
      c: sub(FEB28, "2028-02-28T12:00:00Z"),
      want: prorated("3.45 USD", ["PAY-1|card|3.45 USD"], ["2028-03-08", "2028-03-17"]),
    },
    {
      name: "leap February 2028: submitted on the 29th, nothing left",
      c: sub(FEB28, "2028-02-29T00:00:00Z"),
      want: nothingLeft,
    },
    {
      name: "non-leap February 2026: submitted 02-27, one day left",
      c: sub(FEB26, "2026-02-27T12:00:00Z"),
      want: prorated("3.57 USD", ["PAY-1|card|3.57 USD"], ["2026-03-10", "2026-03-19"]),
    },
    {
      name: "non-leap February 2026: submitted on the last day, nothing left",
      c: sub(FEB26, "2026-02-28T23:59:59Z"),
      want: nothingLeft,
    },
    {
      name: "after the period: nothing left",
      c: sub(FEB26, "2026-03-05T10:00:00Z"),
      want: nothingLeft,
    },
    {
      name: "the first day of the period counts as used",
      c: sub(FEB26, "2026-02-01T08:00:00Z"),
      want: prorated("96.43 USD", ["PAY-1|card|96.43 USD"], ["2026-02-10", "2026-02-19"]),
    },
    {
      name: "before the period: never more than the whole period",
      c: sub(FEB26, "2026-01-20T08:00:00Z"),
      want: prorated("100.00 USD", ["PAY-1|card|100.00 USD"], ["2026-01-29", "2026-02-09"]),
    },
    {
      name: "a half-up tie: 10.01 USD for 14 of 28 days is 5.01",
      c: sub(FEB26, "2026-02-14T12:00:00Z", () => {}, m("10.01")),
      want: prorated("5.01 USD", ["PAY-1|card|5.01 USD"], P0214),
    },
    {
      name: "a half-up tie in a three-decimal currency: 10.005 KWD / 2 is 5.003",
      c: sub(FEB26, "2026-02-14T12:00:00Z", () => {}, m("10.005", "KWD")),
      want: prorated("5.003 KWD", ["PAY-1|card|5.003 KWD"], P0214),
    },
    {
      name: "a zero-decimal currency: 3100 JPY * 18/28 is 1993",
      c: sub(FEB26, "2026-02-10T12:00:00Z", () => {}, m("3100", "JPY")),
      want: prorated("1993 JPY", ["PAY-1|card|1993 JPY"], P26),
    },
    {
      name: "days are counted in the policy time zone (Bangkok: submitted 02-11 local)",
      c: sub(FEB26, "2026-02-10T18:00:00Z", (c) => void (c.policy = { timezone: "Asia/Bangkok" })),
      want: prorated("60.71 USD", ["PAY-1|card|60.71 USD"], ["2026-02-20", "2026-03-03"]),
    },
    {
      name: "an extra payment of the period is not pro-rated",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => {
        c.payments.push(pay("PAY-2", m("100.00"), "2026-02-01T00:05:00Z", "card", "SUB-1/P"));
      }),
      want: prorated("64.29 USD", ["PAY-1|card|64.29 USD"], P26),
    },
    {
      name: "payments of other periods are not refunded",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => {
        c.payments.unshift(pay("PAY-0", m("100.00"), "2026-01-01T00:05:00Z", "card", "SUB-1/J"));
      }),
      want: prorated("64.29 USD", ["PAY-1|card|64.29 USD"], P26),
    },
    {
      // 50.00 * 18/28 = 32.142857 each: the currency's total rounds once to 64.29, each line
      // rounds down to 32.14, and the cent left over goes to the payment captured first.
      name: "installments are pro-rated once per currency (largest remainder); the amount is their sum",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => {
        c.payments = [
          pay("PAY-1", m("50.00"), "2026-02-01T00:05:00Z", "card", "SUB-1/P"),
          pay("PAY-2", m("50.00"), "2026-02-15T00:05:00Z", "bank_transfer", "SUB-1/P"),
        ];
      }),
      want: prorated("64.29 USD", ["PAY-1|card|32.15 USD", "PAY-2|bank_transfer|32.14 USD"], P26),
    },
    {
      name: "no payment for the period: a specialist checks",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => void (c.payments = [])),
      want: { outcome: "review", clauses: ["notes.prorated"] },
    },
    {
      name: "crypto, fiat-at-payout: the fiat value owed, pro-rated",
      c: sub(FEB26, "2026-02-10T12:00:00Z", crypto("0.05123456", "BTC")),
      want: prorated("64.29 USD", ["PAY-C|crypto|64.29 USD"], P26),
    },
    {
      name: "crypto, same-coins: the coins, pro-rated (0.05123456 BTC * 18/28)",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => {
        crypto("0.05123456", "BTC")(c);
        sameCoins(c);
      }),
      want: prorated("64.29 USD", ["PAY-C|crypto|0.03293650 BTC"], P26),
    },
    {
      name: "ETH, same-coins: 18 decimals pro-rated on a tie, half-up",
      c: sub(FEB26, "2026-02-14T12:00:00Z", (c) => {
        crypto("1.000000000000000001", "ETH")(c);
        sameCoins(c);
      }),
      want: prorated("50.00 USD", ["PAY-C|crypto|0.500000000000000001 ETH"], P0214),
    },
    {
      name: "ETH, fiat-at-payout: the fiat value owed on a tie",
      c: sub(FEB26, "2026-02-14T12:00:00Z", crypto("1.000000000000000001", "ETH")),
      want: prorated("50.00 USD", ["PAY-C|crypto|50.00 USD"], P0214),
    },
    {
      name: "half card, half crypto, fiat-at-payout: the coins owe the rest",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => {
        c.payments = [
          pay("PAY-1", m("50.00"), "2026-02-01T00:05:00Z", "card", "SUB-1/P"),
          pay("PAY-C", m("0.02", "BTC"), "2026-02-02T00:05:00Z", "crypto", "SUB-1/P"),
        ];
      }),
      // both lines are in USD: rounded once, 64.29 in all, the cent left over to the card
      // payment (captured first)
      want: prorated("64.29 USD", ["PAY-1|card|32.15 USD", "PAY-C|crypto|32.14 USD"], P26),
    },
    {
      name: "half card, half crypto, same-coins",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => {
        c.payments = [
          pay("PAY-1", m("50.00"), "2026-02-01T00:05:00Z", "card", "SUB-1/P"),
          pay("PAY-C", m("0.02", "BTC"), "2026-02-02T00:05:00Z", "crypto", "SUB-1/P"),
        ];
        sameCoins(c);
      }),
      want: prorated("64.29 USD", ["PAY-1|card|32.14 USD", "PAY-C|crypto|0.01285714 BTC"], P26),
    },
    {
      name: "the operator may approve pro-rated refunds automatically",
      c: sub(FEB26, "2026-02-10T12:00:00Z", (c) => {
        c.policy = { autoApprove: ["duplicate_payment", "unused_subscription"] };
      }),
      want: { ...prorated("64.29 USD", ["PAY-1|card|64.29 USD"], P26), autoApprove: true },
    },
  ]);
});

describe("rule 5: not delivered", () => {
  const refund = (
    amount: string,
    refunds: string[],
    payout: readonly [string, string] = PAYOUT_0216,
  ): Want => ({
    outcome: "refund",
    clauses: REFUND_ND,
    amount,
    refunds,
    payout,
  });
  const FULL = refund("4800.00 USD", ["PAY-1|card|4800.00 USD"]);
  const notSubstantiated: Want = { outcome: "deny", clauses: ["eligible.not-delivered"] };
  const clientSide: Want = { outcome: "deny", clauses: ["excluded.client-side"] };
  const external: Want = { outcome: "deny", clauses: ["excluded.external"] };
  const startedLate: Want = {
    outcome: "review",
    clauses: ["eligible.not-delivered", "notes.started"],
    alternatives: ALL_ALTERNATIVES,
  };
  const BTC = pay("PAY-B", m("0.05123456", "BTC"), "2026-02-02T11:00:00Z", "crypto");
  const sameCoins = (c: CaseJ) => void (c.policy = { cryptoRefundValuation: "same-coins" });

  table([
    // a. delivered
    {
      name: "a. delivered: completed, with alternatives",
      c: delivered("not_delivered", "2026-02-12T10:00:00Z", "2026-02-16T09:30:00Z"),
      want: {
        outcome: "deny",
        clauses: ["excluded.completed"],
        alternatives: AFTER_DELIVERY,
        window: "2026-02-20T00:00:00Z",
      },
    },
    // b. no promised dates
    {
      name: "b. no promised dates: review",
      c: nd((c) => {
        c.order.promisedStartBy = null;
        c.order.promisedDeliveryBy = null;
      }),
      want: { outcome: "review", clauses: ["eligible.not-delivered"] },
    },
    // e. nothing breached
    {
      name: "e. before the start deadline: not substantiated",
      c: nd((c) => void (c.request.submittedAt = "2026-02-08T10:00:00Z")),
      want: notSubstantiated,
    },
    {
      name: "e. exactly at the start deadline: not yet breached",
      c: nd((c) => void (c.request.submittedAt = "2026-02-09T10:00:00Z")),
      want: notSubstantiated,
    },
    {
      name: "g. a millisecond after the start deadline: breached",
      c: nd((c) => void (c.request.submittedAt = "2026-02-09T10:00:00.001Z")),
      want: refund("4800.00 USD", ["PAY-1|card|4800.00 USD"], ["2026-02-18", "2026-02-27"]),
    },
    {
      name: "e. started on time, delivery not yet due",
      c: nd((c) => void (c.order.startedAt = "2026-02-05T09:00:00Z")),
      want: notSubstantiated,
    },
    {
      name: "e. started exactly at the deadline",
      c: nd((c) => void (c.order.startedAt = "2026-02-09T10:00:00Z")),
      want: notSubstantiated,
    },
    // g. never started, breached once extended
    { name: "g. never started: everything paid goes back", c: nd(), want: FULL },
    {
      name: "g. only a delivery deadline, passed",
      c: nd((c) => {
        c.order.promisedStartBy = null;
        c.request.submittedAt = "2026-02-24T09:00:00Z";
      }),
      want: refund("4800.00 USD", ["PAY-1|card|4800.00 USD"], ["2026-03-05", "2026-03-16"]),
    },
    {
      name: "g. asOf, not the submission, is when the breach is judged and payouts counted",
      c: nd((c) => {
        c.request.submittedAt = "2026-02-08T10:00:00Z";
        c.asOf = "2026-02-16T09:30:00Z";
      }),
      want: FULL,
    },
    {
      name: "g. an extra payment is not refunded here (rule 2 does that)",
      c: nd((c) => void (c.payments = [PAY1, PAY2])),
      want: FULL,
    },
    {
      name: "g. installments both go back",
      c: nd((c) => {
        c.payments = [
          pay("PAY-1", m("2400.00"), "2026-02-02T10:05:00Z"),
          pay("PAY-2", m("2400.00"), "2026-02-05T10:05:00Z", "bank_transfer"),
        ];
      }),
      want: refund("4800.00 USD", ["PAY-1|card|2400.00 USD", "PAY-2|bank_transfer|2400.00 USD"]),
    },
    {
      name: "g. a payment for another charge is not refunded",
      c: nd((c) =>
        c.payments.push(pay("PAY-9", m("100.00"), "2026-02-03T00:00:00Z", "card", "ORD-9")),
      ),
      want: FULL,
    },
    {
      name: "g. nothing paid: a specialist checks",
      c: nd((c) => void (c.payments = [])),
      want: { outcome: "review", clauses: ["eligible.not-delivered"] },
    },
    {
      name: "g. crypto for a fiat price, fiat-at-payout: the price in USD",
      c: nd((c) => void (c.payments = [BTC])),
      want: refund("4800.00 USD", ["PAY-B|crypto|4800.00 USD"]),
    },
    {
      name: "g. crypto for a fiat price, same-coins: the coins",
      c: nd((c) => {
        c.payments = [BTC];
        sameCoins(c);
      }),
      want: refund("4800.00 USD", ["PAY-B|crypto|0.05123456 BTC"]),
    },
    {
      name: "g. ETH, same-coins: 18 decimals exactly",
      c: nd((c) => {
        c.payments = [
          pay("PAY-E", m("1.000000000000000001", "ETH"), "2026-02-02T11:00:00Z", "crypto"),
        ];
        sameCoins(c);
      }),
      want: refund("4800.00 USD", ["PAY-E|crypto|1.000000000000000001 ETH"]),
    },
    {
      name: "g. half card, half crypto, fiat-at-payout",
      c: nd((c) => void (c.payments = [pay("PAY-1", m("2400.00"), "2026-02-02T10:05:00Z"), BTC])),
      want: refund("4800.00 USD", ["PAY-1|card|2400.00 USD", "PAY-B|crypto|2400.00 USD"]),
    },
    {
      name: "g. half card, half crypto, same-coins",
      c: nd((c) => {
        c.payments = [pay("PAY-1", m("2400.00"), "2026-02-02T10:05:00Z"), BTC];
        sameCoins(c);
      }),
      want: refund("4800.00 USD", ["PAY-1|card|2400.00 USD", "PAY-B|crypto|0.05123456 BTC"]),
    },
    {
      name: "g. a subscription: only the current period's charge goes back",
      c: edit(subscriptionCase("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"), (c) => {
        c.order.placedAt = "2026-02-01T00:00:00Z";
        c.order.promisedStartBy = "2026-02-03T00:00:00Z";
        c.order.startedAt = null;
        c.payments.unshift(pay("PAY-0", m("100.00"), "2026-01-01T00:00:00Z", "card", "SUB-1/J"));
        c.request.reason = "not_delivered";
        c.request.submittedAt = "2026-02-16T09:30:00Z";
      }),
      want: refund("100.00 USD", ["PAY-1|card|100.00 USD"]),
    },
    // h. started, breached once extended
    {
      name: "h. started late: review, with alternatives",
      c: nd((c) => {
        c.order.startedAt = "2026-02-12T09:00:00Z";
        c.order.promisedDeliveryBy = null;
      }),
      want: startedLate,
    },
    {
      name: "h. started on time, delivery overdue",
      c: nd((c) => {
        c.order.startedAt = "2026-02-05T09:00:00Z";
        c.request.submittedAt = "2026-02-24T09:00:00Z";
      }),
      want: startedLate,
    },
    // f. blocked time explains the delay
    {
      name: "f. a client blocker explains the delay",
      c: withEvents([ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-11T00:00:00Z")]),
      want: clientSide,
    },
    {
      name: "f. an external incident explains the delay",
      c: withEvents([ev("external_incident", "2026-02-03T00:00:00Z", "2026-02-11T00:00:00Z")]),
      want: external,
    },
    {
      name: "f. a blocker too short to explain it: refund",
      c: withEvents([ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-05T00:00:00Z")]),
      want: FULL,
    },
    {
      name: "f. a blocker explains a late start",
      c: withEvents([ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-06T00:00:00Z")], (c) => {
        c.order.startedAt = "2026-02-12T09:00:00Z";
        c.order.promisedDeliveryBy = null;
      }),
      want: clientSide,
    },
    {
      name: "f. an open client blocker runs to asOf",
      c: withEvents([ev("client_blocker", "2026-02-05T00:00:00Z", null)]),
      want: clientSide,
    },
    {
      name: "f. an open blocker that began after the deadline does not extend it",
      c: withEvents([ev("client_blocker", "2026-02-10T00:00:00Z", null)]),
      want: FULL,
    },
    {
      name: "f. an open blocker beginning after asOf is not blocked time",
      c: withEvents([ev("client_blocker", "2026-02-20T00:00:00Z", null)]),
      want: FULL,
    },
    {
      name: "c. internal faults do not pause the clock",
      c: withEvents([ev("internal_fault", "2026-02-03T00:00:00Z", "2026-02-11T00:00:00Z")]),
      want: FULL,
    },
    {
      name: "c. overlapping client and external time is merged (7 days, not 9): breached",
      c: withEvents(
        [
          ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-07T00:00:00Z"),
          ev("external_incident", "2026-02-05T00:00:00Z", "2026-02-10T00:00:00Z"),
        ],
        (c) => void (c.request.submittedAt = "2026-02-17T00:00:00Z"),
      ),
      want: refund("4800.00 USD", ["PAY-1|card|4800.00 USD"], ["2026-02-26", "2026-03-09"]),
    },
    {
      name: "f. overlapping, more external time (4 vs 5 days): external",
      c: withEvents([
        ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-07T00:00:00Z"),
        ev("external_incident", "2026-02-05T00:00:00Z", "2026-02-10T00:00:00Z"),
      ]),
      want: external,
    },
    {
      name: "f. overlapping, more client time (5 vs 4 days): client-side",
      c: withEvents([
        ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-08T00:00:00Z"),
        ev("external_incident", "2026-02-06T00:00:00Z", "2026-02-10T00:00:00Z"),
      ]),
      want: clientSide,
    },
    {
      name: "f. equal client and external time: client-side",
      c: withEvents([
        ev("external_incident", "2026-02-07T00:00:00Z", "2026-02-11T00:00:00Z"),
        ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-07T00:00:00Z"),
      ]),
      want: clientSide,
    },
    {
      name: "f. a client blocker inside an external incident: external",
      c: withEvents([
        ev("external_incident", "2026-02-03T00:00:00Z", "2026-02-11T00:00:00Z"),
        ev("client_blocker", "2026-02-04T00:00:00Z", "2026-02-05T00:00:00Z"),
      ]),
      want: external,
    },
    {
      name: "f. overlapping client blockers count once",
      c: withEvents([
        ev("client_blocker", "2026-02-03T00:00:00Z", "2026-02-08T00:00:00Z"),
        ev("client_blocker", "2026-02-04T00:00:00Z", "2026-02-09T00:00:00Z"),
        ev("external_incident", "2026-02-09T00:00:00Z", "2026-02-11T00:00:00Z"),
      ]),
      // client 6 days (not 10), external 2 days; blocked 8 days
      want: clientSide,
    },
    {
      name: "f. time after the latest extended deadline is not attributed",
      c: withEvents(
        [
          ev("client_blocker", "2026-02-03T10:00:00Z", "2026-02-09T10:00:00Z"),
          ev("external_incident", "2026-02-20T00:00:00Z", "2026-02-28T00:00:00Z"),
        ],
        (c) => {
          c.order.promisedDeliveryBy = null;
          c.request.submittedAt = "2026-02-15T09:00:00Z";
        },
      ),
      // extended start deadline 02-15 10:00Z; the external incident lies after it
      want: clientSide,
    },
    // blockers before the order
    {
      name: "a blocker entirely before the order is ignored",
      c: withEvents([ev("client_blocker", "2026-01-10T00:00:00Z", "2026-02-01T00:00:00Z")]),
      want: FULL,
    },
    {
      name: "a blocker straddling placedAt counts only after it (3 days, not 16)",
      c: withEvents([ev("client_blocker", "2026-01-20T00:00:00Z", "2026-02-05T10:00:00Z")]),
      want: FULL,
    },
    {
      name: "a straddling blocker long enough after placedAt explains the delay",
      c: withEvents([ev("client_blocker", "2026-01-01T00:00:00Z", "2026-02-10T10:00:00Z")]),
      want: clientSide,
    },
    {
      name: "attribution counts client time only after placedAt",
      c: withEvents([
        ev("client_blocker", "2026-01-01T00:00:00Z", "2026-02-05T10:00:00Z"),
        ev("external_incident", "2026-02-06T10:00:00Z", "2026-02-11T10:00:00Z"),
      ]),
      // after placedAt: client 3 days, external 5 days
      want: external,
    },
  ]);
});

describe("rule 6: mismatch", () => {
  const review: Want = {
    outcome: "review",
    clauses: ["eligible.mismatch", "procedure.review"],
    alternatives: MISMATCH_ALTERNATIVES,
  };
  table([
    {
      name: "delivered, within the window: review, never a refund",
      c: delivered("mismatch", "2026-02-12T10:00:00Z", "2026-02-16T09:30:00Z"),
      want: { ...review, window: "2026-02-20T00:00:00Z" },
    },
    {
      name: "not delivered: review",
      c: nd((c) => {
        c.order.startedAt = "2026-02-05T09:00:00Z";
        c.request.reason = "mismatch";
      }),
      want: review,
    },
  ]);
});

describe("rule 7: other reasons", () => {
  table([
    {
      name: "not started: review",
      c: nd((c) => void (c.request.reason = "other")),
      want: { outcome: "review", clauses: ["notes.started"] },
    },
    {
      name: "started: not covered, with alternatives",
      c: nd((c) => {
        c.request.reason = "other";
        c.order.startedAt = "2026-02-05T09:00:00Z";
      }),
      want: { outcome: "deny", clauses: ["excluded.not-covered"], alternatives: AFTER_DELIVERY },
    },
    {
      name: "started and delivered, within the window: not covered",
      c: delivered("other", "2026-02-12T10:00:00Z", "2026-02-16T09:30:00Z"),
      want: {
        outcome: "deny",
        clauses: ["excluded.not-covered"],
        alternatives: AFTER_DELIVERY,
        window: "2026-02-20T00:00:00Z",
      },
    },
  ]);
});

describe("payout deadlines and policy overrides", () => {
  /** The base refund (rule 5g) decided at `asOf`, with policy overrides. */
  const at = (asOf: string, policy: Record<string, unknown> = {}): CaseJ =>
    nd((c) => {
      c.request.submittedAt = asOf;
      c.policy = policy;
    });
  const refundWith = (payout: readonly [string, string]): Want => ({
    outcome: "refund",
    clauses: REFUND_ND,
    amount: "4800.00 USD",
    refunds: ["PAY-1|card|4800.00 USD"],
    payout,
  });

  table([
    {
      name: "Friday plus one business day is Monday",
      c: at("2026-02-20T09:00:00Z", { payoutBusinessDays: [1, 1] }),
      want: refundWith(["2026-02-23", "2026-02-23"]),
    },
    {
      name: "zero business days is the day itself",
      c: at("2026-02-20T09:00:00Z", { payoutBusinessDays: [0, 2] }),
      want: refundWith(["2026-02-20", "2026-02-24"]),
    },
    {
      name: "explicit holidays are skipped",
      c: at("2026-02-16T09:30:00Z", { holidays: ["2026-02-17", "2026-02-18"] }),
      want: refundWith(["2026-02-27", "2026-03-10"]),
    },
    {
      name: "US holidays: Thanksgiving 2026-11-26 is skipped",
      c: at("2026-11-20T15:00:00Z", { holidayCountry: "US", payoutBusinessDays: [1, 5] }),
      want: refundWith(["2026-11-23", "2026-11-30"]),
    },
    {
      name: "without US holidays Thanksgiving is a business day",
      c: at("2026-11-20T15:00:00Z", { payoutBusinessDays: [1, 5] }),
      want: refundWith(["2026-11-23", "2026-11-27"]),
    },
    {
      name: "US holidays with the default [7, 14]",
      c: at("2026-11-20T15:00:00Z", { holidayCountry: "US" }),
      want: refundWith(["2026-12-02", "2026-12-11"]),
    },
    {
      name: "the default [7, 14] without holidays",
      c: at("2026-11-20T15:00:00Z"),
      want: refundWith(["2026-12-01", "2026-12-10"]),
    },
    {
      name: "counted from asOf's date in the policy zone (Bangkok: already Friday)",
      c: at("2026-02-19T18:00:00Z", { timezone: "Asia/Bangkok", payoutBusinessDays: [1, 1] }),
      want: refundWith(["2026-02-23", "2026-02-23"]),
    },
    {
      name: "the same instant in UTC is still Thursday",
      c: at("2026-02-19T18:00:00Z", { payoutBusinessDays: [1, 1] }),
      want: refundWith(["2026-02-20", "2026-02-20"]),
    },
    {
      name: "New York, Sunday 23:30 EDT on the DST day: Monday is the first business day",
      c: at("2026-03-09T03:30:00Z", { timezone: "America/New_York", payoutBusinessDays: [1, 5] }),
      want: refundWith(["2026-03-09", "2026-03-13"]),
    },
    {
      name: "the same instant in UTC is Monday already",
      c: at("2026-03-09T03:30:00Z", { payoutBusinessDays: [1, 5] }),
      want: refundWith(["2026-03-10", "2026-03-16"]),
    },
    {
      name: "New York, Sunday 23:30 EST after fall-back",
      c: at("2026-11-02T04:30:00Z", { timezone: "America/New_York", payoutBusinessDays: [1, 1] }),
      want: refundWith(["2026-11-02", "2026-11-02"]),
    },
    {
      name: "holidays are dates in the policy zone",
      c: at("2026-03-09T03:30:00Z", {
        timezone: "America/New_York",
        holidays: ["2026-03-09"],
        payoutBusinessDays: [1, 1],
      }),
      want: refundWith(["2026-03-10", "2026-03-10"]),
    },
    {
      name: "auto-approval of another reason is the operator's choice",
      c: at("2026-02-16T09:30:00Z", { autoApprove: ["not_delivered"] }),
      want: { ...refundWith(PAYOUT_0216), autoApprove: true },
    },
  ]);
});

describe("the decision", () => {
  it("serializes with the spec's fields in order, instants without milliseconds", () => {
    const c = delivered("mismatch", "2026-02-20T17:00:00Z", "2026-02-28T00:00:00Z");
    const r = evaluateRefund(c, defaultPolicy);
    if (!r.ok) throw new Error(r.error.path);
    const json = JSON.parse(serializeDecision(r.value)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      "outcome",
      "amount",
      "refunds",
      "clauses",
      "alternatives",
      "deadlines",
      "policyVersion",
      "explanation",
      "autoApprove",
    ]);
    expect(json.deadlines).toEqual({
      requestWindowEndsAt: "2026-02-28T00:00:00Z",
      payoutEarliest: null,
      payoutLatest: null,
    });
    expect(json).toEqual(decisionToJson(r.value));
  });

  it("cites the version of the policy it was decided under", () => {
    const policy = { ...defaultPolicy, version: "test-7" };
    const r = evaluateRefund(baseCase(), policy);
    expect(r.ok && r.value.policyVersion).toBe("test-7");
  });

  it("decide on a parsed case equals evaluateRefund", () => {
    const c = baseCase();
    const parsed = parseCase(c, defaultPolicy);
    if (!parsed.ok) throw new Error(parsed.error.path);
    expect(serializeDecision(decide(parsed.value, defaultPolicy))).toBe(JSON.stringify(run(c)));
  });

  it("a case's overrides do not leak into the policy or change the input", () => {
    const before = JSON.stringify(defaultPolicy.params);
    const c = nd((x) => {
      x.policy = { timezone: "Asia/Bangkok", holidays: ["2026-02-17"], holidayCountry: "TH" };
    });
    const text = JSON.stringify(c);
    run(c);
    expect(JSON.stringify(defaultPolicy.params)).toBe(before);
    expect(JSON.stringify(c)).toBe(text);
    check(run(baseCase()), {
      outcome: "refund",
      clauses: REFUND_ND,
      amount: "4800.00 USD",
      refunds: ["PAY-1|card|4800.00 USD"],
      payout: PAYOUT_0216,
    });
  });
});

describe("a refund that rounds to nothing", () => {
  it("denies an unused-subscription refund whose share rounds to 0", () => {
    // 1 unused day of 3: 0.01 * 1/3 rounds to 0.00
    const c = edit(
      subscriptionCase("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z", m("0.01")),
      (c) => {
        c.request.submittedAt = "2026-03-02T10:00:00Z";
      },
    );
    const d = run(c);
    expect(d.outcome).toBe("deny");
    expect(d.clauses).toEqual(["notes.prorated"]);
    expect(d.refunds).toEqual([]);
  });
});
