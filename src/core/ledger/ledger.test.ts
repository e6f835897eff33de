import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canRefund,
  findExtras,
  mayHaveExtras,
  stillRefundable,
  type LedgerPayment,
} from "./ledger.js";

const USD = (minor: bigint) => ({ minor, currency: "USD" });
const p = (
  id: string,
  minor: bigint,
  capturedAt: number,
  chargeRef = "ORD-1",
  currency = "USD",
): LedgerPayment => ({ id, chargeRef, amount: { minor, currency }, capturedAt });

const price = USD(480000n); // 4800.00 USD

describe("mayHaveExtras", () => {
  it("a lone payment with something due is never extra; two, or nothing due, may be", () => {
    expect(mayHaveExtras(0, false)).toBe(false);
    expect(mayHaveExtras(1, false)).toBe(false);
    expect(mayHaveExtras(2, false)).toBe(true);
    expect(mayHaveExtras(0, true)).toBe(false);
    expect(mayHaveExtras(1, true)).toBe(true);
  });

  it("agrees with findExtras: when it says no, no payment is extra", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 900000n }), fc.nat(10)), { maxLength: 3 }),
        fc.bigInt({ min: 0n, max: 900000n }),
        (rows, due) => {
          const ps = rows.map(([minor, at], i) => p(`P${i}`, minor, at));
          if (!mayHaveExtras(ps.length, due <= 0n)) {
            expect(findExtras(ps, USD(due)).some(Boolean)).toBe(false);
          }
        },
      ),
    );
  });
});

describe("findExtras (rule 2)", () => {
  it("with nothing due (a price of 0) every payment is extra, alone or not", () => {
    expect(findExtras([p("A", 100n, 1)], USD(0n))).toEqual([true]);
    expect(findExtras([p("A", 100n, 1), p("B", 100n, 2)], USD(0n))).toEqual([true, true]);
  });

  it.each([
    ["no payments", [], []],
    ["one payment in full", [p("A", 480000n, 1)], [false]],
    ["one payment beyond the price", [p("A", 990000n, 1)], [false]],
    [
      "two full payments: the later is extra",
      [p("A", 480000n, 1), p("B", 480000n, 2)],
      [false, true],
    ],
    ["order of capture, not of input", [p("B", 480000n, 2), p("A", 480000n, 1)], [true, false]],
    ["installments: two halves", [p("A", 240000n, 1), p("B", 240000n, 2)], [false, false]],
    [
      "installments: a third half is extra",
      [p("A", 240000n, 1), p("B", 240000n, 2), p("C", 240000n, 3)],
      [false, false, true],
    ],
    [
      "a payment covering partly is not extra until the charge is covered",
      [p("A", 300000n, 1), p("B", 300000n, 2), p("C", 300000n, 3)],
      [false, false, true],
    ],
    [
      "everything after coverage is extra",
      [p("A", 480000n, 1), p("B", 100n, 2), p("C", 480000n, 3)],
      [false, true, true],
    ],
    [
      "crypto covers the whole charge: a later fiat payment is extra",
      [p("A", 5123456n, 1, "ORD-1", "BTC"), p("B", 480000n, 2)],
      [false, true],
    ],
    [
      "crypto after a fiat half covers the rest; a later payment is extra",
      [p("A", 240000n, 1), p("B", 5n, 2, "ORD-1", "ETH"), p("C", 240000n, 3)],
      [false, false, true],
    ],
    [
      "a second crypto payment is extra",
      [p("A", 1n, 1, "ORD-1", "BTC"), p("B", 1n, 2, "ORD-1", "BTC")],
      [false, true],
    ],
    [
      "groups by chargeRef",
      [p("A", 480000n, 1, "ORD-1"), p("B", 480000n, 2, "ORD-2")],
      [false, false],
    ],
    [
      "groups by chargeRef, interleaved",
      [
        p("A", 480000n, 1, "ORD-1"),
        p("B", 480000n, 2, "ORD-2"),
        p("C", 480000n, 3, "ORD-1"),
        p("D", 480000n, 4, "ORD-2"),
      ],
      [false, false, true, true],
    ],
    [
      "ties in capturedAt keep the given order",
      [p("A", 480000n, 5), p("B", 480000n, 5)],
      [false, true],
    ],
    [
      "ties in capturedAt keep the given order (swapped)",
      [p("B", 480000n, 5), p("A", 480000n, 5)],
      [false, true],
    ],
    [
      "a tie after an earlier payment",
      [p("C", 480000n, 5), p("A", 480000n, 1), p("B", 480000n, 5)],
      [true, false, true],
    ],
  ])("%s", (_name, payments, want) => {
    expect(findExtras(payments, price)).toEqual(want);
  });

  const arbPayments = fc.array(
    fc.record({
      id: fc.string(),
      chargeRef: fc.constantFrom("ORD-1", "ORD-2", "SUB/1"),
      amount: fc.oneof(
        fc.bigInt({ min: 1n, max: 600000n }).map(USD),
        fc.bigInt({ min: 1n, max: 10n ** 8n }).map((minor) => ({ minor, currency: "BTC" })),
      ),
      capturedAt: fc.integer({ min: 0, max: 20 }),
    }),
    { maxLength: 8 },
  );

  it("per charge, the non-extra payments are exactly those made before it was covered (property)", () => {
    fc.assert(
      fc.property(arbPayments, (payments) => {
        const extra = findExtras(payments, price);
        expect(extra).toHaveLength(payments.length);
        for (const ref of new Set(payments.map((x) => x.chargeRef))) {
          const idx = payments
            .map((x, i) => [x, i] as const)
            .filter(([x]) => x.chargeRef === ref)
            .sort(([a, i], [b, j]) => a.capturedAt - b.capturedAt || i - j)
            .map(([, i]) => i);
          // the first payment of a charge is never extra (the price is positive)
          expect(extra[idx[0] as number]).toBe(false);
          let covered = 0n;
          for (const i of idx) {
            const pay = payments[i] as LedgerPayment;
            expect(extra[i]).toBe(covered >= price.minor);
            if (pay.amount.currency === "USD") covered += pay.amount.minor;
            else covered = covered > price.minor ? covered : price.minor;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("does not depend on the order of input other than for ties (property)", () => {
    fc.assert(
      fc.property(arbPayments, (payments) => {
        // distinct capture times: any permutation gives the same flags per payment
        const distinct = payments.map((x, i) => ({
          ...x,
          id: String(i),
          capturedAt: x.capturedAt * 100 + i,
        }));
        const flags = new Map(distinct.map((x, i) => [x.id, findExtras(distinct, price)[i]]));
        const reversed = [...distinct].reverse();
        const back = findExtras(reversed, price);
        reversed.forEach((x, i) => expect(back[i]).toBe(flags.get(x.id)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("what a payment may still give back", () => {
  it.each([
    [480000n, 0n, 0n, 480000n],
    [480000n, 100000n, 0n, 380000n],
    [480000n, 100000n, 80000n, 300000n],
    [480000n, 480000n, 0n, 0n],
    [480000n, 400000n, 200000n, 0n], // never below 0
  ])("captured %s, refunded %s, in flight %s: %s left", (captured, refunded, inFlight, left) => {
    expect(stillRefundable({ captured: USD(captured), refunded, inFlight })).toBe(left);
  });

  it.each([
    [300000n, true],
    [300001n, false],
    [1n, true],
    [0n, false],
    [-1n, false],
  ])("captured 4800.00, 1000.00 refunded, 800.00 in flight: refund %s fits: %s", (amount, fits) => {
    expect(canRefund({ captured: USD(480000n), refunded: 100000n, inFlight: 80000n }, amount)).toBe(
      fits,
    );
  });
});
