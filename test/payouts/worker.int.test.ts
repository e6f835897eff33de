// Card payouts through the worker, the official Stripe SDK and the stand-in that speaks Stripe's
// wire format, on a real database (SQLite, or PostgreSQL with DATABASE_URL): a payout goes out
// once; 50 concurrent executions of one payout make one refund; timeouts after the refund was
// applied are reconciled, never resent blindly; failures keep the provider's reason; what keeps
// failing is parked for finance; webhooks are verified and applied once.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimCardPayouts,
  runClaimedPayout,
  type PayoutRunnerOptions,
} from "../../src/app/payouts/execute.js";
import { verifyAudit } from "../../src/db/audit.js";
import { signStripePayload, standInGate } from "../../src/payouts/stripe/index.js";
import { createWorker } from "../../src/worker/worker.js";
import { apiCalls, newClient, newOrder } from "../support/api-world.js";
import { FAST_RUNNER, payoutWorld, WEBHOOK_SECRET, type PayoutWorld } from "./support.js";

let w: PayoutWorld;

beforeAll(async () => {
  w = await payoutWorld();
}, 60_000);
afterAll(() => w.close());

const runner = (workerId: string): PayoutRunnerOptions => ({ ...FAST_RUNNER, workerId });

async function payout(id: string) {
  return w.t.db.db.selectFrom("payouts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

async function refundedOf(paymentId: string): Promise<string> {
  const pay = await w.t.db.db
    .selectFrom("payments")
    .select("refunded_minor")
    .where("id", "=", paymentId)
    .executeTakeFirstOrThrow();
  return pay.refunded_minor;
}

function refundsFor(id: string) {
  return w.stripe.refunds().filter((r) => r.metadata["payout_id"] === id);
}

/** Ticks workers until every payout named has settled (or the time runs out). */
async function drain(ids: readonly string[], workerId = "drain", ms = 60_000) {
  const worker = createWorker(w.t.deps, {
    workerId,
    cardProvider: w.provider,
    runner: FAST_RUNNER,
    autoStart: false,
  });
  const end = Date.now() + ms;
  for (;;) {
    w.t.setNow(Date.now());
    await worker.tick();
    const rows = await w.t.db.db
      .selectFrom("payouts")
      .select(["id", "status"])
      .where("id", "in", [...ids])
      .execute();
    if (rows.every((r) => r.status === "succeeded" || r.status === "failed")) return rows;
    if (Date.now() > end) throw new Error(`not settled: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("card payouts", () => {
  it("a released payout is refunded once, with its idempotency key and payout id", async () => {
    const [id] = await w.releasedCardPayouts(1);
    await drain([id!]);
    const row = await payout(id!);
    expect(row.status).toBe("succeeded");
    const refunds = refundsFor(id!);
    expect(refunds).toHaveLength(1);
    expect(row.provider_ref).toBe(refunds[0]!.id);
    expect(refunds[0]!.amount).toBe(48_000);
    const log = w.stripe.requests().filter((r) => r.idempotencyKey === row.idempotency_key);
    expect(log.length).toBeGreaterThanOrEqual(1);
    expect(await refundedOf(row.payment_id)).toBe("48000");
    const sent = await w.t.db.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", "notify.refund_sent")
      .execute();
    expect(sent.filter((s) => JSON.parse(s.payload).payoutId === id)).toHaveLength(1);
    expect((await verifyAudit(w.t.db.db)).ok).toBe(true);
  });

  it("a payout that is not released is never sent", async () => {
    const [released] = await w.releasedCardPayouts(1);
    // A payout above the threshold with one approval only.
    const big = await w.t.db.db
      .updateTable("payouts")
      .set({ next_attempt_at: null, approvals: "[]" })
      .where("id", "=", released!)
      .returning("id")
      .executeTakeFirstOrThrow();
    w.t.setNow(Date.now());
    const claimed = await claimCardPayouts(w.t.deps, runner("w-unreleased"), 50);
    expect(claimed.map((c) => c.row.id)).not.toContain(big.id);
    expect(refundsFor(big.id)).toHaveLength(0);
  });

  it("a released payout whose payment was refunded in full meanwhile is refused at the claim, never sent", async () => {
    const [id] = await w.releasedCardPayouts(1);
    const row = await payout(id!);
    // Another refund of the whole capture went through (e.g. recorded by hand) after the approval.
    const pay = await w.t.db.db
      .selectFrom("payments")
      .select("amount_minor")
      .where("id", "=", row.payment_id)
      .executeTakeFirstOrThrow();
    await w.t.db.db
      .updateTable("payments")
      .set({ refunded_minor: pay.amount_minor })
      .where("id", "=", row.payment_id)
      .execute();
    await drain([id!]);
    const after = await payout(id!);
    expect(after.status).toBe("failed");
    expect(after.failure_reason).toBe("the payment cannot give this amount back any more");
    expect(refundsFor(id!)).toHaveLength(0);
    expect(await refundedOf(row.payment_id)).toBe(pay.amount_minor);
  });

  it("50 concurrent executions of one payout make exactly one provider refund", async () => {
    const [id] = await w.releasedCardPayouts(1);
    w.t.setNow(Date.now());
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const claimed = await claimCardPayouts(w.t.deps, runner(`w-${i}`), 10);
        await Promise.all(
          claimed.map((c) => runClaimedPayout(w.t.deps, w.provider, runner(`w-${i}`), c)),
        );
      }),
    );
    await drain([id!]);
    expect(refundsFor(id!)).toHaveLength(1);
    expect((await payout(id!)).status).toBe("succeeded");
  });

  it("the provider applies the refund then times out on 30% of 200 calls: all reconciled, none doubled", async () => {
    // A short client timeout so the held answers turn into `unknown` quickly.
    const quick = await payoutWorld({ timeoutMs: 300 });
    try {
      const ids = await quick.releasedCardPayouts(200, 1_000);
      quick.stripe.setChaos({ applyThenTimeout: 0.3, seed: 42 });
      const worker = createWorker(quick.t.deps, {
        workerId: "chaos",
        cardProvider: quick.provider,
        runner: FAST_RUNNER,
        batch: 40,
        autoStart: false,
      });
      const end = Date.now() + 120_000;
      let rows: { id: string; status: string }[] = [];
      for (;;) {
        quick.t.setNow(Date.now());
        await worker.tick();
        rows = await quick.t.db.db.selectFrom("payouts").select(["id", "status"]).execute();
        if (rows.every((r) => r.status === "succeeded")) break;
        if (Date.now() > end)
          throw new Error(`not settled: ${rows.filter((r) => r.status !== "succeeded").length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const held = quick.stripe
        .requests()
        .filter((r) => r.method === "POST" && r.answer === "held");
      expect(held.length).toBeGreaterThan(20);
      const refunds = quick.stripe.refunds();
      for (const id of ids) {
        expect(
          refunds.filter((r) => r.metadata["payout_id"] === id),
          id,
        ).toHaveLength(1);
      }
      expect(refunds).toHaveLength(200);
    } finally {
      await quick.close();
    }
  }, 180_000);

  it("a refund pending at the provider is looked up after the poll interval, not every tick", async () => {
    const [id] = await w.releasedCardPayouts(1);
    w.stripe.queue("refunds.create", { kind: "status", status: "pending" });
    const worker = createWorker(w.t.deps, {
      workerId: "poller",
      cardProvider: w.provider,
      runner: { ...FAST_RUNNER, pendingPollMs: 60_000 },
      autoStart: false,
    });
    const t0 = Date.now();
    w.t.setNow(t0);
    await worker.tick();
    expect((await payout(id!)).status).toBe("pending");
    const lookups = () => w.stripe.requests().filter((r) => r.method === "GET").length;
    const before = lookups();
    for (let i = 0; i < 5; i++) {
      w.t.setNow(t0 + 1_000 * (i + 1));
      await worker.tick();
    }
    expect(lookups()).toBe(before);
    // The first poll finds it still pending: the next one waits another interval.
    w.t.setNow(t0 + 61_000);
    await worker.tick();
    expect(lookups()).toBe(before + 1);
    for (let i = 0; i < 5; i++) {
      w.t.setNow(t0 + 62_000 + 1_000 * i);
      await worker.tick();
    }
    expect(lookups()).toBe(before + 1);
    expect((await payout(id!)).status).toBe("pending");
    // The provider settles it; the next poll finds out.
    w.stripe.settleRefund(refundsFor(id!)[0]!.id, "succeeded");
    w.t.setNow(t0 + 122_000);
    await worker.tick();
    expect((await payout(id!)).status).toBe("succeeded");
    expect(lookups()).toBe(before + 2);
    expect(refundsFor(id!)).toHaveLength(1);
    // Back to the wall clock for the tests that follow (their payouts are released "now").
    w.t.setNow(Date.now());
  });

  it("a worker stopped while the provider has not answered leaves the payout unknown with its lease returned; it goes out once", async () => {
    const [id] = await w.releasedCardPayouts(1);
    const gate = standInGate();
    w.stripe.queue("refunds.create", { kind: "gate", gate });
    w.t.setNow(Date.now());
    const errors: unknown[] = [];
    const worker = createWorker(w.t.deps, {
      workerId: "stopping",
      cardProvider: w.provider,
      runner: FAST_RUNNER,
      idleMs: 5,
      onError: (e) => errors.push(e),
    });
    await gate.reached;
    expect((await payout(id!)).status).toBe("submitting");
    const t0 = Date.now();
    await worker.stop(100);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const left = await payout(id!);
    expect(left).toMatchObject({ status: "unknown", claimed_by: null, claimed_until: null });
    // The provider answers after all; the payout is then looked up, never sent blindly again.
    gate.open();
    const [settled] = await drain([id!], "after-stop");
    expect(settled!.status).toBe("succeeded");
    expect(refundsFor(id!)).toHaveLength(1);
    expect((await verifyAudit(w.t.db.db)).ok).toBe(true);
  });

  it("a stopping worker finishes the payout it is sending when the provider answers in time", async () => {
    const [id] = await w.releasedCardPayouts(1);
    w.stripe.queue("refunds.create", { kind: "delay", ms: 300 });
    w.t.setNow(Date.now());
    const worker = createWorker(w.t.deps, {
      workerId: "finishing",
      cardProvider: w.provider,
      runner: FAST_RUNNER,
      idleMs: 5,
    });
    for (let i = 0; i < 200 && (await payout(id!)).status !== "submitting"; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await worker.stop(5_000);
    expect(await payout(id!)).toMatchObject({ status: "succeeded", claimed_by: null });
    expect(refundsFor(id!)).toHaveLength(1);
  });

  it("a refund the provider fails keeps its reason, and the client is told", async () => {
    const [id] = await w.releasedCardPayouts(1);
    w.stripe.queue("refunds.create", {
      kind: "status",
      status: "failed",
      failureReason: "expired_or_canceled_card",
    });
    await drain([id!]);
    const row = await payout(id!);
    expect(row.status).toBe("failed");
    expect(row.failure_reason).toContain("expired_or_canceled_card");
    const told = await w.t.db.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", "notify.refund_failed")
      .execute();
    expect(told.filter((s) => JSON.parse(s.payload).payoutId === id)).toHaveLength(1);
    expect(await refundedOf(row.payment_id)).toBe("0");
  });

  it("a provider that keeps answering 500 parks the payout; finance sends it back and it goes out once", async () => {
    const [id] = await w.releasedCardPayouts(1);
    const error = { kind: "error" as const, status: 500, type: "api_error" };
    // Attempt 1 submits (500: unknown); attempts 2 and 3 look it up first (500: unknown): parked.
    w.stripe.queue("refunds.create", error);
    w.stripe.queue("refunds.list", error, error);
    const worker = createWorker(w.t.deps, {
      workerId: "parking",
      cardProvider: w.provider,
      runner: { ...FAST_RUNNER, maxAttempts: 3 },
      autoStart: false,
    });
    for (let i = 0; i < 50 && (await payout(id!)).parked_at === null; i++) {
      w.t.setNow(Date.now());
      await worker.tick();
      await new Promise((r) => setTimeout(r, 5));
    }
    const parked = await payout(id!);
    expect(parked.parked_at).not.toBeNull();
    expect(parked.status).toBe("unknown");
    expect(parked.attempts).toBe(3);
    const list = await apiCalls(w.t).get("/payouts?parked=true", w.finance);
    expect(list.json<{ items: { id: string }[] }>().items.map((p) => p.id)).toContain(id);
    expect(refundsFor(id!)).toHaveLength(0);
    // Parked payouts are left alone.
    w.t.setNow(Date.now());
    await worker.tick();
    expect((await payout(id!)).attempts).toBe(3);

    // The provider is back: finance sends the payout back; the worker looks it up, finds nothing,
    // and sends it with the same idempotency key.
    const retry = await apiCalls(w.t).post(`/payouts/${id}/retry`, w.finance, {
      expectedVersion: parked.version,
    });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ parked: false });
    await drain([id!]);
    expect((await payout(id!)).status).toBe("succeeded");
    expect(refundsFor(id!)).toHaveLength(1);
  });
});

describe("provider webhooks", () => {
  const SECRET = WEBHOOK_SECRET;

  function event(refund: {
    id: string;
    status: string;
    payoutId: string;
    charge: string;
    amount: number;
  }) {
    return JSON.stringify({
      id: `evt_${refund.id}_${refund.status}`,
      object: "event",
      api_version: "2025-01-01",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: refund.status === "failed" ? "refund.failed" : "refund.updated",
      data: {
        object: {
          id: refund.id,
          object: "refund",
          amount: refund.amount,
          currency: "usd",
          charge: refund.charge,
          payment_intent: null,
          status: refund.status,
          failure_reason: refund.status === "failed" ? "lost_or_stolen_card" : null,
          metadata: { payout_id: refund.payoutId },
          created: Math.floor(Date.now() / 1000),
          reason: null,
        },
      },
    });
  }

  function deliver(body: string, signature: string | undefined) {
    return w.t.app.inject({
      method: "POST",
      url: "/api/v1/webhooks/stripe",
      headers: {
        "content-type": "application/json",
        ...(signature === undefined ? {} : { "stripe-signature": signature }),
      },
      payload: body,
    });
  }

  async function pendingPayout() {
    const [id] = await w.releasedCardPayouts(1);
    w.stripe.queue("refunds.create", { kind: "status", status: "pending" });
    w.t.setNow(Date.now());
    const claimed = await claimCardPayouts(w.t.deps, runner("hook"), 50);
    const mine = claimed.filter((c) => c.row.id === id);
    await Promise.all(
      claimed.map((c) => runClaimedPayout(w.t.deps, w.provider, runner("hook"), c)),
    );
    expect(mine).toHaveLength(1);
    const row = await payout(id!);
    expect(row.status).toBe("pending");
    const refund = refundsFor(id!)[0]!;
    return { id: id!, row, refund };
  }

  it("refuses 50 forged deliveries and changes nothing", async () => {
    const { id, refund } = await pendingPayout();
    const body = event({
      id: refund.id,
      status: "succeeded",
      payoutId: id,
      charge: String(refund.charge),
      amount: refund.amount,
    });
    // The server judges a signature's age by its own clock (set by pendingPayout): a forgery
    // "301 s old" must be so by that clock, not by the wall clock, which has moved on meanwhile
    // (more than a second on a loaded machine made it 300 s old, within the tolerance).
    const now = Math.floor(w.t.deps.clock() / 1000);
    const forgeries: [string, string | undefined][] = [];
    for (let i = 0; i < 50; i++) {
      switch (i % 5) {
        case 0:
          forgeries.push([body, undefined]);
          break;
        case 1:
          forgeries.push([body, signStripePayload(body, "whsec_wrong_secret", now)]);
          break;
        case 2:
          forgeries.push([
            body.replace('"succeeded"', '"failed"'),
            signStripePayload(body, SECRET, now),
          ]);
          break;
        case 3:
          forgeries.push([body, signStripePayload(body, SECRET, now - 301)]);
          break;
        default:
          forgeries.push([body, `t=${now},v1=${"0".repeat(64)}`]);
      }
    }
    const before = await w.t.db.db.selectFrom("provider_events").select("id").execute();
    const results = await Promise.all(forgeries.map(([b, s]) => deliver(b, s)));
    for (const r of results) {
      expect(r.statusCode, r.body).toBe(400);
      expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
    expect((await payout(id)).status).toBe("pending");
    expect(await w.t.db.db.selectFrom("provider_events").select("id").execute()).toEqual(before);
  });

  it("records a captured charge for one of our orders once; a duplicate opens its own case", async () => {
    // An order already paid once by card; the provider reports a second capture of the same charge.
    w.t.setNow(Date.now());
    const client = await newClient(w.t);
    const { order } = await newOrder(w.t, client, {
      payment: { provider_ref: "ch_first_capture" },
    });
    const created = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      id: "evt_charge_second_capture",
      object: "event",
      api_version: "2025-01-01",
      created,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: "charge.succeeded",
      data: {
        object: {
          id: "ch_second_capture",
          object: "charge",
          amount: 480000,
          currency: "usd",
          captured: true,
          created,
          payment_intent: null,
          metadata: { order_id: order.id },
        },
      },
    });
    const sig = signStripePayload(body, SECRET, created);
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(body, sig)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(
      results.filter((r) => r.json().applied === true),
      results.map((r) => r.body).join(),
    ).toHaveLength(1);
    const payments = await w.t.db.db
      .selectFrom("payments")
      .select(["provider_ref", "method", "amount_minor"])
      .where("order_id", "=", order.id)
      .orderBy("captured_at")
      .execute();
    expect(payments.map((p) => p.provider_ref).sort()).toEqual([
      "ch_first_capture",
      "ch_second_capture",
    ]);
    const cases = await w.t.db.db
      .selectFrom("refund_requests")
      .select(["id", "reason", "status"])
      .where("order_id", "=", order.id)
      .execute();
    expect(cases).toEqual([{ id: cases[0]!.id, reason: "duplicate_payment", status: "approved" }]);
    const scheduled = await w.t.db.db
      .selectFrom("payouts")
      .select(["amount_minor", "status"])
      .where("request_id", "=", cases[0]!.id)
      .execute();
    expect(scheduled).toEqual([{ amount_minor: "480000", status: "scheduled" }]);
  });

  it("applies one genuine event delivered 10 times at once exactly once", async () => {
    const { id, refund, row } = await pendingPayout();
    const body = event({
      id: refund.id,
      status: "succeeded",
      payoutId: id,
      charge: String(refund.charge),
      amount: refund.amount,
    });
    const sig = signStripePayload(body, SECRET, Math.floor(Date.now() / 1000));
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(body, sig)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(results.filter((r) => r.json().applied === true)).toHaveLength(1);
    expect(results.filter((r) => r.json().duplicate === true)).toHaveLength(9);
    const after = await payout(id);
    expect(after.status).toBe("succeeded");
    expect(await refundedOf(row.payment_id)).toBe("48000");
    const audits = await w.t.db.db
      .selectFrom("audit_events")
      .select("action")
      .where("entity_id", "=", id)
      .where("action", "=", "payout.succeeded")
      .execute();
    expect(audits).toHaveLength(1);
    // A later, older event (pending) changes nothing either.
    const late = event({
      id: refund.id,
      status: "pending",
      payoutId: id,
      charge: String(refund.charge),
      amount: refund.amount,
    });
    const lateRes = await deliver(
      late,
      signStripePayload(late, SECRET, Math.floor(Date.now() / 1000)),
    );
    expect(lateRes.json()).toMatchObject({ applied: false });
    expect((await payout(id)).status).toBe("succeeded");
  });
});
