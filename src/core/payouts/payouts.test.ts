import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { money } from "../money/money.js";
import { DEFAULT_PARAMS } from "../policy/policy-file.js";
import {
  allocate,
  applyOutcome,
  approvalsNeeded,
  approve,
  checkDestination,
  dueWindow,
  recordManual,
  thresholdsOf,
  type PayoutState,
} from "./payouts.js";

const thresholds = thresholdsOf({ secondApprovalAbove: { USD: "1000.00" } });

function payout(over: Partial<PayoutState> = {}): PayoutState {
  return {
    id: "pyo_1",
    method: "card",
    amount: money(50_000n, "USD"),
    status: "scheduled",
    approvals: [],
    decidedBy: "u-qa",
    destination: null,
    ...over,
  };
}

describe("dueWindow", () => {
  it("counts 7 and 14 business days from the day after approval, in the policy's zone", () => {
    // Friday 2026-11-27 12:00 UTC -> +7 business days = Tue 2026-12-08, +14 = Thu 2026-12-17.
    const w = dueWindow(Date.parse("2026-11-27T12:00:00Z"), DEFAULT_PARAMS);
    expect(w).toEqual({ earliest: "2026-12-08", latest: "2026-12-17" });
  });

  it("uses the local date: late Friday evening in Bangkok is already Saturday", () => {
    const params = { ...DEFAULT_PARAMS, timezone: "Asia/Bangkok" };
    // 2026-11-27T18:00Z = Saturday 01:00 in Bangkok: counting starts Monday.
    const w = dueWindow(Date.parse("2026-11-27T18:00:00Z"), params);
    expect(w).toEqual({ earliest: "2026-12-08", latest: "2026-12-17" });
  });

  it("skips the policy's holidays", () => {
    const params = { ...DEFAULT_PARAMS, holidays: ["2026-12-01"] };
    const w = dueWindow(Date.parse("2026-11-27T12:00:00Z"), params);
    expect(w).toEqual({ earliest: "2026-12-09", latest: "2026-12-18" });
  });
});

describe("allocate", () => {
  const p = (id: string, refundable: bigint, capturedAt: number, currency = "USD") => ({
    id,
    method: "card" as const,
    currency,
    capturedAt,
    refundable,
  });

  it("takes from the latest payment first, each up to what it may give back", () => {
    const lines = allocate(money(700n, "USD"), [p("a", 500n, 1), p("b", 400n, 2)]);
    expect(lines).toEqual([
      { paymentId: "b", method: "card", amount: money(400n, "USD") },
      { paymentId: "a", method: "card", amount: money(300n, "USD") },
    ]);
  });

  it("ignores other currencies and refuses what the payments cannot cover", () => {
    expect(allocate(money(700n, "USD"), [p("a", 500n, 1), p("b", 9_000n, 2, "BTC")])).toBeNull();
    expect(allocate(money(0n, "USD"), [p("a", 500n, 1)])).toBeNull();
  });

  it("never gives more than asked nor more than a payment may give back", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10_000n }), { minLength: 1, maxLength: 6 }),
        fc.bigInt({ min: 1n, max: 60_000n }),
        (amounts, want) => {
          const payments = amounts.map((a, i) => p(`p${i}`, a, i));
          const lines = allocate(money(want, "USD"), payments);
          const total = amounts.reduce((s, a) => s + a, 0n);
          if (lines === null) return want > total;
          const sum = lines.reduce((s, l) => s + l.amount.minor, 0n);
          return (
            sum === want &&
            lines.every(
              (l) =>
                l.amount.minor > 0n &&
                l.amount.minor <= payments.find((x) => x.id === l.paymentId)!.refundable,
            )
          );
        },
      ),
    );
  });
});

describe("four-eyes", () => {
  it("needs one approval up to the threshold, two above it, two for an unlisted currency", () => {
    expect(approvalsNeeded(money(100_000n, "USD"), thresholds)).toBe(1);
    expect(approvalsNeeded(money(100_001n, "USD"), thresholds)).toBe(2);
    expect(approvalsNeeded(money(1n, "EUR"), thresholds)).toBe(2);
  });

  it("releases a small payout on the first approval", () => {
    const r = approve(payout(), "u-fin", 1, thresholds);
    expect(r.ok && r.value.released).toBe(true);
  });

  it("needs a second, different person above the threshold", () => {
    const big = payout({ amount: money(200_000n, "USD") });
    const first = approve(big, "u-fin", 1, thresholds);
    expect(first.ok && first.value.released).toBe(false);
    const after = payout({ ...big, approvals: first.ok ? first.value.approvals : [] });
    expect(approve(after, "u-fin", 2, thresholds)).toEqual({
      ok: false,
      error: { code: "already_approved_by_you" },
    });
    const second = approve(after, "u-fin2", 3, thresholds);
    expect(second.ok && second.value.released).toBe(true);
    const released = payout({ ...after, approvals: second.ok ? second.value.approvals : [] });
    expect(approve(released, "u-fin3", 4, thresholds)).toEqual({
      ok: false,
      error: { code: "already_released" },
    });
  });

  it("refuses the person who made the decision, and payouts no longer scheduled", () => {
    expect(approve(payout({ decidedBy: "u-fin" }), "u-fin", 1, thresholds)).toEqual({
      ok: false,
      error: { code: "own_decision" },
    });
    expect(approve(payout({ status: "pending" }), "u-fin", 1, thresholds)).toEqual({
      ok: false,
      error: { code: "invalid_state", status: "pending" },
    });
  });
});

describe("applyOutcome", () => {
  const sub = { status: "submitting" as const, amount: money(500n, "USD") };

  it("succeeded adds to the refunded total and tells the client once", () => {
    expect(applyOutcome(sub, null, { kind: "succeeded", providerRef: "re_1" })).toEqual({
      status: "succeeded",
      providerRef: "re_1",
      failureReason: null,
      refunded: 500n,
      notify: "refund_sent",
    });
    expect(
      applyOutcome({ ...sub, status: "succeeded" }, "re_1", {
        kind: "succeeded",
        providerRef: "re_1",
      }),
    ).toBeNull();
  });

  it("keeps the provider's failure reason, and a settled payout never moves again", () => {
    const failed = applyOutcome(sub, "re_1", {
      kind: "failed",
      providerRef: null,
      reason: "expired_or_canceled_card",
    });
    expect(failed).toMatchObject({
      status: "failed",
      providerRef: "re_1",
      failureReason: "expired_or_canceled_card",
      notify: "refund_failed",
    });
    expect(
      applyOutcome({ ...sub, status: "failed" }, "re_1", {
        kind: "succeeded",
        providerRef: "re_1",
      }),
    ).toBeNull();
    expect(
      applyOutcome({ ...sub, status: "scheduled" }, null, { kind: "pending", providerRef: "re_1" }),
    ).toBeNull();
  });

  it("a repeated pending answer changes nothing; unknown keeps the payout open", () => {
    expect(
      applyOutcome({ ...sub, status: "pending" }, "re_1", { kind: "pending", providerRef: "re_1" }),
    ).toBeNull();
    expect(applyOutcome(sub, null, { kind: "unknown", reason: "timeout" })).toMatchObject({
      status: "unknown",
      refunded: 0n,
      notify: null,
    });
  });
});

describe("recordManual", () => {
  const released = [{ userId: "u-fin", at: 1 }];

  it("bank transfers need a released payout and a bank reference", () => {
    const bank = payout({ method: "bank_transfer", approvals: released });
    expect(
      recordManual(bank, { reference: "SEPA-2026-0042" }, "fiat-at-payout", thresholds),
    ).toEqual({ ok: true, value: { status: "succeeded" } });
    expect(recordManual(bank, { reference: " " }, "fiat-at-payout", thresholds)).toMatchObject({
      ok: false,
      error: { code: "reference_required", field: "reference" },
    });
    expect(
      recordManual(
        payout({ method: "bank_transfer" }),
        { reference: "SEPA-1" },
        "same-coins",
        thresholds,
      ),
    ).toEqual({ ok: false, error: { code: "not_released" } });
    expect(
      recordManual(payout({ approvals: released }), { reference: "x" }, "same-coins", thresholds),
    ).toEqual({
      ok: false,
      error: { code: "wrong_method", method: "card" },
    });
  });

  const btc = {
    asset: "BTC",
    network: "bitcoin",
    address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
  };
  const hash = "a".repeat(64);

  it("crypto needs the destination and a transaction hash; fiat-valued needs rate and coins", () => {
    const fiat = payout({ method: "crypto", approvals: released });
    expect(recordManual(fiat, { reference: hash }, "fiat-at-payout", thresholds)).toEqual({
      ok: false,
      error: { code: "destination_missing" },
    });
    const withDest = payout({ ...fiat, destination: btc });
    expect(
      recordManual(withDest, { reference: "not-a-hash" }, "fiat-at-payout", thresholds),
    ).toMatchObject({
      ok: false,
      error: { field: "reference" },
    });
    expect(recordManual(withDest, { reference: hash }, "fiat-at-payout", thresholds)).toMatchObject(
      {
        ok: false,
        error: { field: "crypto" },
      },
    );
    expect(
      recordManual(
        withDest,
        { reference: hash, crypto: { rate: "65000.00", coins: money(76_923n, "BTC") } },
        "fiat-at-payout",
        thresholds,
      ),
    ).toEqual({ ok: true, value: { status: "succeeded" } });
    // Same coins: the payout is in BTC already; the hash is enough.
    const coins = payout({
      method: "crypto",
      amount: money(76_923n, "BTC"),
      approvals: [
        { userId: "u-fin", at: 1 },
        { userId: "u-fin2", at: 2 },
      ],
      destination: btc,
    });
    expect(recordManual(coins, { reference: hash }, "same-coins", thresholds)).toEqual({
      ok: true,
      value: { status: "succeeded" },
    });
  });
});

describe("checkDestination", () => {
  it.each([
    ["BTC", "bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", null],
    ["BTC", "bitcoin", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", null],
    ["BTC", "bitcoin", "0x52908400098527886E0F7030069857D2E4169EE7", "address"],
    ["ETH", "ethereum", "0x52908400098527886E0F7030069857D2E4169EE7", null],
    ["ETH", "ethereum", "0x5290840009852788", "address"],
    ["USDT", "tron", "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL", null],
    ["USDT", "bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "network"],
    ["USDC", "solana", "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV", null],
    ["DOGE", "dogecoin", "D5…", "asset"],
  ] as const)("%s on %s: %s -> %s", (asset, network, address, field) => {
    expect(checkDestination({ asset, network, address })?.field ?? null).toBe(field);
  });
});
