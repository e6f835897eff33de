// The Stripe card provider through the official SDK against the stand-in: outcomes, idempotency,
// refusals, and reconciliation after answers that never arrived.

import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import type {
  CardProvider,
  CardRefundInstruction,
  ProviderOutcome,
} from "../../app/payouts/ports.js";
import {
  createStripeCardProvider,
  outcomeOfError,
  outcomeOfRefund,
  refundTargetOf,
} from "./adapter.js";
import {
  standInGate,
  startStripeStandIn,
  type StandInOptions,
  type StripeStandIn,
} from "./stand-in.js";

const open: StripeStandIn[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function setup(
  opts: { timeoutMs?: number; standIn?: StandInOptions } = {},
): Promise<{ standIn: StripeStandIn; provider: CardProvider }> {
  const standIn = await startStripeStandIn(opts.standIn);
  open.push(standIn);
  const provider = createStripeCardProvider({
    apiKey: standIn.apiKey,
    host: standIn.host,
    port: standIn.port,
    protocol: "http",
    timeoutMs: opts.timeoutMs ?? 5000,
  });
  return { standIn, provider };
}

function instruction(
  chargeRef: string,
  payoutId: string,
  amountMinor: bigint,
  over: Partial<CardRefundInstruction> = {},
): CardRefundInstruction {
  return {
    payoutId,
    idempotencyKey: `payout:${payoutId}`,
    chargeRef,
    amountMinor,
    currency: "EUR",
    ...over,
  };
}

/** What the worker does with an unknown: look up, and only when nothing is found, resubmit. */
async function settle(
  provider: CardProvider,
  ins: CardRefundInstruction,
  maxRounds = 30,
): Promise<{ outcome: ProviderOutcome; submits: number; lookups: number }> {
  let outcome = await provider.submitRefund(ins);
  let submits = 1;
  let lookups = 0;
  for (let round = 0; outcome.kind === "unknown" && round < maxRounds; round += 1) {
    const found = await provider.lookupRefund(ins.chargeRef, ins.payoutId);
    lookups += 1;
    if (found === null) {
      outcome = await provider.submitRefund(ins);
      submits += 1;
    } else {
      outcome = found;
    }
  }
  return { outcome, submits, lookups };
}

describe("refundTargetOf", () => {
  it.each([
    ["ch_3Nabc", { charge: "ch_3Nabc" }],
    ["py_1Pxyz", { charge: "py_1Pxyz" }],
    ["pi_3Qdef", { payment_intent: "pi_3Qdef" }],
    ["re_1abc", null],
    ["ch_", null],
    ["ch_a/../b", null],
    ["card_123", null],
  ])("%s", (ref, target) => {
    expect(refundTargetOf(ref)).toEqual(target);
  });
});

describe("outcomeOfRefund (status mapping)", () => {
  it.each([
    ["succeeded", undefined, { kind: "succeeded", providerRef: "re_1" }],
    ["pending", undefined, { kind: "pending", providerRef: "re_1" }],
    ["requires_action", undefined, { kind: "pending", providerRef: "re_1" }],
    [
      "failed",
      "lost_or_stolen_card",
      { kind: "failed", providerRef: "re_1", reason: "lost_or_stolen_card" },
    ],
    [
      "failed",
      "expired_or_canceled_card",
      { kind: "failed", providerRef: "re_1", reason: "expired_or_canceled_card" },
    ],
    ["failed", undefined, { kind: "failed", providerRef: "re_1", reason: "failed" }],
    ["canceled", undefined, { kind: "failed", providerRef: "re_1", reason: "canceled" }],
    ["some_future_status", undefined, { kind: "pending", providerRef: "re_1" }],
    [null, undefined, { kind: "pending", providerRef: "re_1" }],
  ])("%s (%s)", (status, failureReason, expected) => {
    expect(outcomeOfRefund({ id: "re_1", status, failure_reason: failureReason })).toEqual(
      expected,
    );
  });
});

describe("outcomeOfError (error mapping)", () => {
  const v1 = (raw: Record<string, unknown>) => Stripe.errors.generateV1Error(raw as never);
  it.each([
    [
      "400 charge_already_refunded",
      v1({
        statusCode: 400,
        type: "invalid_request_error",
        code: "charge_already_refunded",
        message: "Charge ch_1 has already been refunded.",
      }),
      "failed",
      "charge_already_refunded: Charge ch_1 has already been refunded.",
    ],
    [
      "400 amount_too_large",
      v1({
        statusCode: 400,
        type: "invalid_request_error",
        code: "amount_too_large",
        message: "too large",
      }),
      "failed",
      "amount_too_large: too large",
    ],
    [
      "402 card_error",
      v1({ statusCode: 402, type: "card_error", code: "card_declined", message: "declined" }),
      "failed",
      "card_declined: declined",
    ],
    [
      "404 resource_missing",
      v1({
        statusCode: 404,
        type: "invalid_request_error",
        code: "resource_missing",
        message: "m",
      }),
      "failed",
      "resource_missing: m",
    ],
    [
      "401 bad key",
      v1({ statusCode: 401, type: "invalid_request_error", message: "Invalid API Key" }),
      "failed",
      "Invalid API Key",
    ],
    [
      "403 permission",
      v1({ statusCode: 403, type: "invalid_request_error", message: "no" }),
      "failed",
      "no",
    ],
    [
      "400 idempotency_error (key reused with other parameters)",
      v1({ statusCode: 400, type: "idempotency_error", message: "Keys for idempotent..." }),
      "unknown",
      "idempotency: Keys for idempotent...",
    ],
    [
      "409 key in flight",
      v1({ statusCode: 409, type: "idempotency_error", message: "in progress" }),
      "unknown",
      "HTTP 409: in progress",
    ],
    [
      "429 rate limit",
      v1({ statusCode: 429, type: "invalid_request_error", code: "rate_limit", message: "slow" }),
      "unknown",
      "rate limited: rate_limit: slow",
    ],
    [
      "400 rate_limit",
      v1({ statusCode: 400, type: "invalid_request_error", code: "rate_limit", message: "slow" }),
      "unknown",
      "rate limited: rate_limit: slow",
    ],
    [
      "500 api_error",
      v1({ statusCode: 500, type: "api_error", message: "boom" }),
      "unknown",
      "HTTP 500: boom",
    ],
    [
      "503",
      v1({ statusCode: 503, type: "api_error", message: "later" }),
      "unknown",
      "HTTP 503: later",
    ],
    [
      "connection error",
      new Stripe.errors.StripeConnectionError({ message: "socket hang up" }),
      "unknown",
      "connection: socket hang up",
    ],
    [
      "invalid JSON from the API",
      new Stripe.errors.StripeAPIError({ message: "Invalid JSON received from the Stripe API" }),
      "unknown",
      "Invalid JSON received from the Stripe API",
    ],
    ["not a Stripe error", new TypeError("x"), "unknown", "unexpected error: TypeError: x"],
  ])("%s", (_name, error, kind, reason) => {
    const out = outcomeOfError(error);
    expect(out.kind).toBe(kind);
    expect(out).toMatchObject({ reason });
    if (out.kind === "failed") expect(out.providerRef).toBeNull();
  });
});

describe("createStripeCardProvider against the stand-in", () => {
  it("refunds a charge: succeeded, with our payout id as metadata", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 5000, currency: "eur" });
    const out = await provider.submitRefund(instruction(c.charge, "p1", 1250n));
    expect(out.kind).toBe("succeeded");
    const refunds = standIn.refunds();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      amount: 1250,
      charge: c.charge,
      currency: "eur",
      metadata: { payout_id: "p1" },
      status: "succeeded",
    });
    expect(out).toEqual({ kind: "succeeded", providerRef: refunds[0]?.id });
    expect(standIn.charge(c.charge)).toEqual({
      amount: 5000,
      amountRefunded: 1250,
      currency: "eur",
    });
    const [req] = standIn.requests();
    expect(req).toMatchObject({ method: "POST", path: "/v1/refunds", idempotencyKey: "payout:p1" });
  });

  it("refunds a payment intent through payment_intent", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 900, currency: "usd" });
    const out = await provider.submitRefund(instruction(c.paymentIntent, "p-pi", 900n));
    expect(out.kind).toBe("succeeded");
    expect(standIn.refunds()[0]).toMatchObject({
      charge: c.charge,
      payment_intent: c.paymentIntent,
      amount: 900,
    });
  });

  it("an idempotent replay returns the same refund and creates one", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 5000, currency: "eur" });
    const ins = instruction(c.charge, "p2", 700n);
    const first = await provider.submitRefund(ins);
    const second = await provider.submitRefund(ins);
    expect(first.kind).toBe("succeeded");
    expect(second).toEqual(first);
    expect(standIn.refunds()).toHaveLength(1);
    expect(standIn.requests().map((r) => r.replayed)).toEqual([false, true]);
  });

  it("the same key with other parameters is refused, and no second refund is made", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 5000, currency: "eur" });
    const first = await provider.submitRefund(instruction(c.charge, "p3", 500n));
    const other = await provider.submitRefund(
      instruction(c.charge, "p3", 600n, { idempotencyKey: "payout:p3" }),
    );
    expect(first.kind).toBe("succeeded");
    expect(other.kind).toBe("unknown");
    expect(other).toMatchObject({
      reason: expect.stringMatching(/^idempotency: Keys for idempotent/),
    });
    expect(standIn.refunds()).toHaveLength(1);
    // Reconciliation finds the refund the key did make.
    expect(await provider.lookupRefund(c.charge, "p3")).toEqual(first);
  });

  it("refuses more than the remaining capture: failed with Stripe's code, nothing refunded", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    const tooMuch = await provider.submitRefund(instruction(c.charge, "p4", 1001n));
    expect(tooMuch).toEqual({
      kind: "failed",
      providerRef: null,
      reason: expect.stringMatching(/^amount_too_large: Refund amount \(1001 eur\) is greater/),
    });
    expect(standIn.refunds()).toHaveLength(0);
    expect((await provider.submitRefund(instruction(c.charge, "p5", 1000n))).kind).toBe(
      "succeeded",
    );
    const again = await provider.submitRefund(instruction(c.charge, "p6", 1n));
    expect(again).toEqual({
      kind: "failed",
      providerRef: null,
      reason: `charge_already_refunded: Charge ${c.charge} has already been refunded.`,
    });
    expect(standIn.refunds()).toHaveLength(1);
  });

  it("an unknown charge is failed (resource_missing), and its lookup finds nothing", async () => {
    const { provider } = await setup();
    const out = await provider.submitRefund(instruction("ch_doesnotexist", "p7", 10n));
    expect(out).toEqual({
      kind: "failed",
      providerRef: null,
      reason: "resource_missing: No such charge: 'ch_doesnotexist'",
    });
    expect(await provider.lookupRefund("ch_doesnotexist", "p7")).toBeNull();
  });

  it("a reference that is no charge or payment intent is failed without a call", async () => {
    const { standIn, provider } = await setup();
    const out = await provider.submitRefund(instruction("order-17", "p8", 10n));
    expect(out).toMatchObject({ kind: "failed", providerRef: null });
    expect(await provider.lookupRefund("order-17", "p8")).toBeNull();
    expect(standIn.requests()).toHaveLength(0);
  });

  it("a zero or negative amount is failed without a call", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    expect((await provider.submitRefund(instruction(c.charge, "p9", 0n))).kind).toBe("failed");
    expect((await provider.submitRefund(instruction(c.charge, "p9", -5n))).kind).toBe("failed");
    expect(standIn.requests()).toHaveLength(0);
  });

  it("a wrong key is failed (nothing was done)", async () => {
    const { standIn } = await setup();
    const provider = createStripeCardProvider({
      apiKey: "sk_test_wrong",
      host: standIn.host,
      port: standIn.port,
      protocol: "http",
    });
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    const out = await provider.submitRefund(instruction(c.charge, "p10", 10n));
    expect(out).toMatchObject({ kind: "failed", reason: expect.stringMatching(/Invalid API Key/) });
    expect(standIn.refunds()).toHaveLength(0);
  });

  it.each([
    ["pending", undefined, "pending", undefined],
    ["requires_action", undefined, "pending", undefined],
    ["failed", "lost_or_stolen_card", "failed", "lost_or_stolen_card"],
    ["failed", "expired_or_canceled_card", "failed", "expired_or_canceled_card"],
    ["canceled", "merchant_request", "failed", "merchant_request"],
  ] as const)("a refund created %s (%s) is %s", async (status, failureReason, kind, reason) => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.create", {
      kind: "status",
      status,
      ...(failureReason === undefined ? {} : { failureReason }),
    });
    const out = await provider.submitRefund(instruction(c.charge, "p11", 100n));
    const [refund] = standIn.refunds();
    expect(out).toEqual({
      kind,
      providerRef: refund?.id,
      ...(reason === undefined ? {} : { reason }),
    });
  });

  it.each([
    [
      { kind: "error", status: 402, type: "card_error", code: "card_declined", message: "no" },
      "failed",
    ],
    [{ kind: "error", status: 429, type: "invalid_request_error", code: "rate_limit" }, "unknown"],
    [{ kind: "error", status: 503, type: "api_error" }, "unknown"],
  ] as const)("an injected %j is %s", async (behaviour, kind) => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.create", behaviour);
    const out = await provider.submitRefund(instruction(c.charge, "p12", 100n));
    expect(out.kind).toBe(kind);
    expect(standIn.refunds()).toHaveLength(0);
    // The SDK does not retry on its own: one request only.
    expect(standIn.requests()).toHaveLength(1);
  });

  it("a 500 is unknown; the lookup finds nothing; the resubmission refunds once", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.create", { kind: "error", status: 500, type: "api_error" });
    const ins = instruction(c.charge, "p13", 400n);
    const out = await provider.submitRefund(ins);
    expect(out).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/^HTTP 500/) });
    expect(standIn.requests()).toHaveLength(1);
    expect(await provider.lookupRefund(c.charge, "p13")).toBeNull();
    const again = await provider.submitRefund(ins);
    expect(again.kind).toBe("succeeded");
    expect(standIn.refunds()).toHaveLength(1);
  });

  it("a 500 stored under the key is replayed to a resubmission: still unknown, never a refund", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.create", { kind: "error", status: 500, type: "api_error", store: true });
    const ins = instruction(c.charge, "p13b", 400n);
    const { outcome, submits } = await settle(provider, ins, 3);
    expect(outcome.kind).toBe("unknown");
    expect(submits).toBe(4);
    expect(standIn.refunds()).toHaveLength(0);
  });

  it("a timeout without apply is unknown; lookup finds nothing; resubmitting refunds once", async () => {
    const { standIn, provider } = await setup({ timeoutMs: 500 });
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.create", { kind: "timeout" });
    const ins = instruction(c.charge, "p14", 300n);
    const out = await provider.submitRefund(ins);
    expect(out).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/timeout/) });
    expect(standIn.refunds()).toHaveLength(0);
    expect(await provider.lookupRefund(c.charge, "p14")).toBeNull();
    expect((await provider.submitRefund(ins)).kind).toBe("succeeded");
    expect(standIn.refunds()).toHaveLength(1);
  });

  it("apply-then-timeout is unknown; lookup finds the refund; a resubmission replays it", async () => {
    const { standIn, provider } = await setup({ timeoutMs: 500 });
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.create", { kind: "apply-then-timeout" });
    const ins = instruction(c.charge, "p15", 300n);
    const out = await provider.submitRefund(ins);
    expect(out.kind).toBe("unknown");
    const [refund] = standIn.refunds();
    expect(refund).toBeDefined();
    const found = await provider.lookupRefund(c.charge, "p15");
    expect(found).toEqual({ kind: "succeeded", providerRef: refund?.id });
    // Even a worker that resubmits instead (same key) gets the same refund back.
    expect(await provider.submitRefund(ins)).toEqual(found);
    expect(standIn.refunds()).toHaveLength(1);
  });

  it("a twin submitted while the first is in flight gets 409: unknown, one refund", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    const gate = standInGate();
    standIn.queue("refunds.create", { kind: "gate", gate });
    const ins = instruction(c.charge, "p16", 250n);
    const first = provider.submitRefund(ins);
    await gate.reached; // the first holds the key, in flight
    expect(await provider.submitRefund(ins)).toEqual({
      kind: "unknown",
      reason: expect.stringMatching(/^HTTP 409: There is currently another in-progress request/),
    });
    expect(standIn.refunds()).toHaveLength(0);
    gate.open();
    expect(await first).toEqual({ kind: "succeeded", providerRef: standIn.refunds()[0]?.id });
    expect(standIn.refunds()).toHaveLength(1);
  });

  it("lookup pages through more than 100 refunds of one charge", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1_000_000, currency: "eur" });
    for (let i = 0; i < 130; i += 1) {
      expect((await provider.submitRefund(instruction(c.charge, `page-${i}`, 10n))).kind).toBe(
        "succeeded",
      );
    }
    const oldest = standIn.refunds()[0];
    expect(await provider.lookupRefund(c.charge, "page-0")).toEqual({
      kind: "succeeded",
      providerRef: oldest?.id,
    });
    expect(await provider.lookupRefund(c.paymentIntent, "page-0")).toEqual({
      kind: "succeeded",
      providerRef: oldest?.id,
    });
    expect(await provider.lookupRefund(c.charge, "page-none")).toBeNull();
    const lists = standIn.requests().filter((r) => r.method === "GET");
    expect(lists.length).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it("a lookup that gets no answer is unknown, never null", async () => {
    const { standIn, provider } = await setup({ timeoutMs: 500 });
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.list", { kind: "error", status: 500, type: "api_error" });
    expect(await provider.lookupRefund(c.charge, "p17")).toMatchObject({ kind: "unknown" });
    standIn.queue("refunds.list", { kind: "timeout" });
    expect(await provider.lookupRefund(c.charge, "p17")).toMatchObject({ kind: "unknown" });
    standIn.queue("refunds.list", { kind: "error", status: 400, type: "invalid_request_error" });
    expect(await provider.lookupRefund(c.charge, "p17")).toMatchObject({ kind: "unknown" });
    expect(await provider.lookupRefund(c.charge, "p17")).toBeNull();
  });

  it("lookup reports a failed refund as failed, and prefers a live one", async () => {
    const { standIn, provider } = await setup();
    const c = standIn.seedCharge({ amount: 1000, currency: "eur" });
    standIn.queue("refunds.create", {
      kind: "status",
      status: "failed",
      failureReason: "expired_or_canceled_card",
    });
    const out = await provider.submitRefund(instruction(c.charge, "p18", 100n));
    expect(await provider.lookupRefund(c.charge, "p18")).toEqual(out);
    // A second refund under another key for the same payout (e.g. a key that expired).
    const retried = await provider.submitRefund(
      instruction(c.charge, "p18", 100n, { idempotencyKey: "payout:p18:2" }),
    );
    expect(retried.kind).toBe("succeeded");
    expect(await provider.lookupRefund(c.charge, "p18")).toEqual(retried);
    // Two live refunds for one payout: only a person can settle that.
    await provider.submitRefund(
      instruction(c.charge, "p18", 100n, { idempotencyKey: "payout:p18:3" }),
    );
    expect(await provider.lookupRefund(c.charge, "p18")).toMatchObject({
      kind: "unknown",
      reason: expect.stringMatching(/several refunds carry payout_id=p18/),
    });
  });
});

describe("reconciliation under trouble (issue 4's required test)", () => {
  async function run(chaos: Parameters<StripeStandIn["setChaos"]>[0], payouts: number) {
    const { standIn, provider } = await setup({ timeoutMs: 500 });
    const charges = Array.from({ length: 20 }, () =>
      standIn.seedCharge({ amount: 100_000, currency: "eur" }),
    );
    standIn.setChaos(chaos);
    const work = Array.from({ length: payouts }, (_, i) => {
      const c = charges[i % charges.length];
      if (c === undefined) throw new Error("unreachable");
      // Alternate charge and payment-intent references.
      const ref = i % 2 === 0 ? c.charge : c.paymentIntent;
      return instruction(ref, `chaos-${i}`, BigInt(100 + i));
    });
    const results: { outcome: ProviderOutcome; submits: number; lookups: number }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < work.length) {
          const ins = work[next];
          const at = next;
          next += 1;
          if (ins === undefined) break;
          results[at] = await settle(provider, ins);
        }
      }),
    );
    standIn.setChaos(null);
    return { standIn, work, results };
  }

  function assertExactlyOnce(
    standIn: StripeStandIn,
    work: CardRefundInstruction[],
    results: { outcome: ProviderOutcome }[],
  ): void {
    const refunds = standIn.refunds();
    const byPayout = new Map<string, number>();
    for (const r of refunds) {
      const id = r.metadata.payout_id ?? "";
      byPayout.set(id, (byPayout.get(id) ?? 0) + 1);
    }
    expect(refunds).toHaveLength(work.length);
    for (const [i, ins] of work.entries()) {
      expect(byPayout.get(ins.payoutId)).toBe(1);
      const refund = refunds.find((r) => r.metadata.payout_id === ins.payoutId);
      expect(refund?.amount).toBe(Number(ins.amountMinor));
      expect(results[i]?.outcome).toEqual({ kind: "succeeded", providerRef: refund?.id });
    }
  }

  it("30% apply-then-timeout over 200 calls: every refund exists exactly once", async () => {
    const { standIn, work, results } = await run({ applyThenTimeout: 0.3, seed: 42 }, 200);
    assertExactlyOnce(standIn, work, results);
    const held = standIn.requests().filter((r) => r.answer === "held").length;
    expect(held).toBeGreaterThan(30);
    // Every unknown was settled by a lookup that found the refund, not by sending it again.
    expect(results.filter((r) => r.lookups > 0).length).toBeGreaterThanOrEqual(held);
  }, 120_000);

  it("mixed trouble (apply-then-timeout, timeout, 500) over 200 calls: exactly once", async () => {
    const { standIn, work, results } = await run(
      { applyThenTimeout: 0.2, timeout: 0.1, serverError: 0.1, seed: 7 },
      200,
    );
    assertExactlyOnce(standIn, work, results);
    expect(results.some((r) => r.submits > 1)).toBe(true);
  }, 120_000);
});
