import { describe, expect, it } from "vitest";
import { money } from "../money/money.js";
import { capOf, refundable, type LedgerFacts, type LedgerPaymentFacts } from "./refundable.js";

const USD = (n: bigint) => money(n, "USD");
const pay = (
  id: string,
  captured: bigint,
  refunded = 0n,
  payouts: LedgerPaymentFacts["payouts"] = [],
) => ({ id, captured: USD(captured), refunded, payouts }) satisfies LedgerPaymentFacts;
const facts = (over: Partial<LedgerFacts> = {}): LedgerFacts => ({
  price: USD(10000n),
  payments: [],
  approvedWithoutPayouts: 0n,
  ...over,
});

describe("refundable (the ledger's one rule)", () => {
  it("a payment gives back what it captured less succeeded and in-flight refunds", () => {
    const r = refundable(
      facts({
        payments: [
          pay("p1", 10000n, 2000n, [
            { id: "y1", amount: USD(2000n), state: "succeeded" },
            { id: "y2", amount: USD(3000n), state: "in_flight" },
          ]),
        ],
      }),
    );
    // The succeeded payout is already in `refunded` (the payment row's total): not counted twice.
    expect(r.payments.get("p1")).toEqual({
      id: "p1",
      currency: "USD",
      left: 5000n,
      leftInPriceCurrency: 5000n,
    });
    expect(r.total).toEqual(USD(5000n));
  });

  it("a fully refunded payment has nothing left: no new refund line may take from it", () => {
    const r = refundable(facts({ payments: [pay("p1", 10000n, 10000n), pay("p2", 500n)] }));
    expect(r.payments.get("p1")?.left).toBe(0n);
    expect(capOf(r.payments.get("p1")!, "USD", "USD")).toBe(0n);
    expect(r.total).toEqual(USD(500n));
  });

  it("never goes below zero, per payment and in total", () => {
    const r = refundable(
      facts({
        payments: [pay("p1", 1000n, 900n, [{ id: "y", amount: USD(500n), state: "in_flight" }])],
        approvedWithoutPayouts: 5000n,
      }),
    );
    expect(r.payments.get("p1")?.left).toBe(0n);
    expect(r.total).toEqual(USD(0n));
  });

  it("nets approvals whose payouts are not written yet from the total only", () => {
    const r = refundable(facts({ payments: [pay("p1", 10000n)], approvedWithoutPayouts: 4000n }));
    expect(r.payments.get("p1")?.left).toBe(10000n);
    expect(r.total).toEqual(USD(6000n));
  });

  it("values a payment in another currency at the price less what went back from it in the price's currency", () => {
    const eth: LedgerPaymentFacts = {
      id: "c1",
      captured: money(2_000_000_000_000_000_000n, "ETH"),
      refunded: 0n,
      payouts: [
        { id: "y1", amount: USD(3000n), state: "succeeded" },
        { id: "y2", amount: USD(1000n), state: "in_flight" },
      ],
    };
    const r = refundable(facts({ payments: [eth] }));
    const c1 = r.payments.get("c1")!;
    expect(c1.left).toBe(2_000_000_000_000_000_000n);
    expect(c1.leftInPriceCurrency).toBe(6000n);
    expect(capOf(c1, "USD", "USD")).toBe(6000n);
    expect(capOf(c1, "ETH", "USD")).toBe(2_000_000_000_000_000_000n);
    expect(capOf(c1, "EUR", "USD")).toBe(0n);
    expect(r.total).toEqual(USD(6000n));
  });

  it("leaves one payout out when asked (the worker checking the payout it claims)", () => {
    const p = pay("p1", 10000n, 6000n, [{ id: "y1", amount: USD(4000n), state: "in_flight" }]);
    expect(refundable(facts({ payments: [p] })).payments.get("p1")?.left).toBe(0n);
    expect(
      refundable(facts({ payments: [p] }), { excludingPayout: "y1" }).payments.get("p1")?.left,
    ).toBe(4000n);
    // Once the payment's other refunds took everything, the claimed payout no longer fits.
    const full = pay("p1", 10000n, 10000n, [{ id: "y1", amount: USD(4000n), state: "in_flight" }]);
    expect(
      refundable(facts({ payments: [full] }), { excludingPayout: "y1" }).payments.get("p1")?.left,
    ).toBe(0n);
  });
});

describe("refundable with disputes (issue 20)", () => {
  const pay = (over: Partial<LedgerPaymentFacts> = {}): LedgerPaymentFacts => ({
    id: "p1",
    captured: money(10_000n, "USD"),
    refunded: 2_000n,
    payouts: [],
    ...over,
  });
  const facts = (p: LedgerPaymentFacts): LedgerFacts => ({
    price: money(10_000n, "USD"),
    payments: [p],
    approvedWithoutPayouts: 0n,
  });

  it("an open dispute leaves nothing to refund from the charge", () => {
    const r = refundable(facts(pay({ disputes: { open: true, lostMinor: 0n } })));
    expect(r.payments.get("p1")).toMatchObject({ left: 0n, leftInPriceCurrency: 0n });
    expect(r.total.minor).toBe(0n);
  });

  it("a lost dispute counts its amount as returned; a won one changes nothing", () => {
    expect(
      refundable(facts(pay({ disputes: { open: false, lostMinor: 5_000n } }))).total.minor,
    ).toBe(3_000n);
    expect(
      refundable(facts(pay({ disputes: { open: false, lostMinor: 9_000n } }))).total.minor,
    ).toBe(0n);
    expect(refundable(facts(pay({ disputes: { open: false, lostMinor: 0n } }))).total.minor).toBe(
      8_000n,
    );
  });
});
