import { describe, expect, it } from "vitest";
import { money } from "../money/money.js";
import { ledgerAt } from "./ledger-at.js";
import {
  judgementChanged,
  NO_JUDGEMENT,
  SimulationTally,
  simulationPeriod,
  type Judgement,
  type SimulatedRequest,
} from "./simulation.js";

const usd = (minor: bigint) => money(minor, "USD");
const refund = (minor: bigint, currency = "USD"): Judgement => ({
  outcome: "refund",
  amount: money(minor, currency),
  clause: "eligible.not-delivered",
});
const deny: Judgement = { outcome: "deny", amount: null, clause: "procedure.window" };
let n = 0;
const request = (
  reason = "not_delivered",
  over: Partial<SimulatedRequest> = {},
): SimulatedRequest => ({
  requestId: `req_${++n}`,
  orderId: `ORD-${n}`,
  reason,
  submittedAt: Date.parse("2026-03-02T09:00:00Z") + n,
  evaluatedAt: Date.parse("2026-03-02T09:00:00Z") + n,
  orderEditedAfter: false,
  ...over,
});

describe("judgementChanged", () => {
  it("is another outcome or another amount, never the clause alone", () => {
    expect(judgementChanged(refund(100n), refund(100n))).toBe(false);
    expect(judgementChanged(refund(100n), { ...refund(100n), clause: "notes.started" })).toBe(
      false,
    );
    expect(judgementChanged(refund(100n), refund(99n))).toBe(true);
    expect(judgementChanged(refund(100n), refund(100n, "EUR"))).toBe(true);
    expect(judgementChanged(refund(100n), deny)).toBe(true);
    expect(judgementChanged(deny, { ...deny, amount: usd(0n) })).toBe(true);
    expect(judgementChanged(NO_JUDGEMENT, NO_JUDGEMENT)).toBe(false);
  });
});

describe("SimulationTally", () => {
  it("counts the matrix, reasons, clauses, exact totals per currency and a bounded sample", () => {
    const t = new SimulationTally("v2", { from: "2026-03-01", to: null }, 2);
    t.add(request(), refund(10_000_000_000_000_000_01n), refund(10_000_000_000_000_000_01n));
    t.add(request(), refund(5000n), deny);
    t.add(request("mismatch"), refund(250n, "EUR"), refund(200n, "EUR"));
    t.add(request("mismatch", { orderEditedAfter: true }), NO_JUDGEMENT, refund(1n));
    t.add(request(), deny, NO_JUDGEMENT);
    const r = t.report();
    expect(r.requests).toBe(5);
    expect(r.changed).toBe(4);
    expect(r.withoutRecommendation).toBe(1);
    expect(r.refusedByCandidate).toBe(1);
    expect(r.orderEditedAfter).toBe(1);
    expect(r.matrix).toHaveLength(25);
    const cell = (from: string, to: string) =>
      r.matrix.find((c) => c.from === from && c.to === to)?.count;
    expect(cell("refund", "refund")).toBe(2);
    expect(cell("refund", "deny")).toBe(1);
    expect(cell("none", "refund")).toBe(1);
    expect(cell("deny", "none")).toBe(1);
    expect(r.matrix.reduce((s, c) => s + c.count, 0)).toBe(5);
    expect(r.byReason).toEqual([
      { reason: "mismatch", requests: 2, changed: 2 },
      { reason: "not_delivered", requests: 3, changed: 2 },
    ]);
    expect(r.byClause).toEqual([
      { clause: "(none)", before: 1, after: 1 },
      { clause: "eligible.not-delivered", before: 3, after: 3 },
      { clause: "procedure.window", before: 1, after: 1 },
    ]);
    expect(r.totals).toEqual([
      { currency: "EUR", before: "2.50", after: "2.00", change: "-0.50" },
      // Beyond 2^53 minor units: exact.
      {
        currency: "USD",
        before: "10000000000000050.01",
        after: "10000000000000000.02",
        change: "-49.99",
      },
    ]);
    expect(r.sample.map((s) => [s.before.outcome, s.after.outcome])).toEqual([
      ["refund", "deny"],
      ["refund", "refund"],
    ]);
    expect(r.sample[1]?.after.amount).toEqual({ amount: "2.00", currency: "EUR" });
    expect(r.period).toEqual({ from: "2026-03-01", to: null });
    expect(r.candidateVersion).toBe("v2");
  });
});

describe("simulationPeriod", () => {
  it("turns days in the zone into a half-open range of instants, either end open", () => {
    const p = simulationPeriod({ from: "2026-03-01", to: "2026-03-31" }, "Asia/Bangkok");
    expect(p).toEqual({
      ok: true,
      value: {
        from: "2026-03-01",
        to: "2026-03-31",
        startsAt: Date.parse("2026-02-28T17:00:00Z"),
        endsAt: Date.parse("2026-03-31T17:00:00Z"),
      },
    });
    expect(simulationPeriod({}, "UTC")).toEqual({
      ok: true,
      value: { from: null, to: null, startsAt: null, endsAt: null },
    });
  });

  it("names the field it refuses", () => {
    expect(simulationPeriod({ from: "2026-02-30" }, "UTC", "body.")).toMatchObject({
      ok: false,
      error: { path: "body.from" },
    });
    expect(simulationPeriod({ from: "2026-03-02", to: "2026-03-01" }, "UTC", "--")).toMatchObject({
      ok: false,
      error: { path: "--to", message: "must not be before from" },
    });
  });
});

describe("ledgerAt", () => {
  const payments = [
    { id: "p1", captured: usd(1000n), recordedAt: 10 },
    { id: "p2", captured: usd(500n), recordedAt: 50 },
  ];
  const payouts = (id: string) =>
    id === "p1"
      ? [
          {
            requestId: "r0",
            amount: usd(300n),
            status: "succeeded",
            createdAt: 20,
            updatedAt: 30,
            succeededAt: 30,
          },
          {
            requestId: "r0",
            amount: usd(100n),
            status: "failed",
            createdAt: 21,
            updatedAt: 25,
            succeededAt: null,
          },
          {
            requestId: "r0",
            amount: usd(50n),
            status: "failed",
            createdAt: 22,
            updatedAt: 45,
            succeededAt: null,
          },
          {
            requestId: "r9",
            amount: usd(200n),
            status: "scheduled",
            createdAt: 40,
            updatedAt: 40,
            succeededAt: null,
          },
        ]
      : [];

  it("keeps the payments and payouts recorded by then, in the states they had", () => {
    const facts = ledgerAt(usd(1500n), payments, payouts, 40, "r1");
    expect(facts.payments.map((p) => p.id)).toEqual(["p1"]);
    const p1 = facts.payments[0]!;
    expect(p1.refunded).toBe(300n);
    expect(p1.payouts.map((y) => [y.amount.minor, y.state])).toEqual([
      [300n, "succeeded"],
      [50n, "in_flight"], // failed after 40
      [200n, "in_flight"],
    ]);
    // Before it succeeded, the first payout was in flight.
    const early = ledgerAt(usd(1500n), payments, payouts, 25, "r1").payments[0]!;
    expect(early.refunded).toBe(0n);
    expect(early.payouts.map((y) => y.state)).toEqual(["in_flight", "in_flight"]);
  });

  it("never counts the request's own payouts", () => {
    const p1 = ledgerAt(usd(1500n), payments, payouts, 60, "r9").payments[0]!;
    expect(p1.payouts.map((y) => y.amount.minor)).toEqual([300n]);
  });
});
