// A failed payout has a way forward (issue 11), through the worker, the official Stripe SDK and the
// stand-in, on a real database (SQLite, or PostgreSQL with DATABASE_URL): finance is alerted at
// once; a failed card payout is retried as a new attempt with its own idempotency key after the
// failed attempt is reconciled (a refund never goes out twice); a card that cannot take refunds is
// reissued by bank transfer (justification, four-eyes, the client's bank details); a payout paid
// another way is recorded as paid outside. The payment's ledger stays exact throughout.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/db/audit.js";
import { createWorker } from "../../src/worker/worker.js";
import { FAST_RUNNER, payoutWorld, type PayoutWorld } from "./support.js";

let w: PayoutWorld;

beforeAll(async () => {
  w = await payoutWorld();
}, 60_000);
afterAll(() => w.close());

async function payout(id: string) {
  return w.t.db.db.selectFrom("payouts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

async function payment(id: string) {
  return w.t.db.db
    .selectFrom("payments")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

function refundsFor(id: string) {
  return w.stripe.refunds().filter((r) => r.metadata["payout_id"] === id);
}

async function tick(times = 3) {
  const worker = createWorker(w.t.deps, {
    workerId: "wf",
    cardProvider: w.provider,
    runner: FAST_RUNNER,
    autoStart: false,
  });
  for (let i = 0; i < times; i++) {
    w.t.setNow(Date.now());
    await worker.tick();
  }
}

async function call(method: "GET" | "POST" | "PUT", url: string, actor: string, payload?: unknown) {
  return w.t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { "x-test-actor": actor },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

async function outboxFor(payoutId: string): Promise<string[]> {
  const rows = await w.t.db.db.selectFrom("outbox").select(["topic", "payload"]).execute();
  return rows.filter((r) => JSON.parse(r.payload).payoutId === payoutId).map((r) => r.topic);
}

async function clientActorOf(payoutId: string): Promise<string> {
  const row = await w.t.db.db
    .selectFrom("payouts")
    .innerJoin("refund_requests", "refund_requests.id", "payouts.request_id")
    .innerJoin("users", "users.client_id", "refund_requests.client_id")
    .select(["refund_requests.client_id", "users.id"])
    .where("payouts.id", "=", payoutId)
    .executeTakeFirstOrThrow();
  return `client:${row.client_id}:${row.id}`;
}

describe("a failed card payout", () => {
  it("alerts finance at once, then a retry is a new attempt that goes out exactly once", async () => {
    const [id] = await w.releasedCardPayouts(1);
    w.stripe.queue("refunds.create", {
      kind: "status",
      status: "failed",
      failureReason: "declined",
    });
    await tick();
    const failed = await payout(id!);
    expect(failed).toMatchObject({ status: "failed", attempt: 1 });
    expect(failed.action_alerted_at).not.toBeNull();
    expect(await outboxFor(id!)).toEqual(
      expect.arrayContaining(["notify.refund_failed", "notify.payout_needs_action"]),
    );
    // Within its window a failed payout needs action; past the 14 business days it is overdue.
    w.t.setNow(Date.parse(`${failed.due_earliest}T09:00:00Z`));
    const staff = (await call("GET", `/payouts/${id}`, w.finance)).json();
    expect(staff).toMatchObject({ awaiting: "action", deadline: "needs_action" });
    w.t.setNow(Date.parse(`${failed.due_latest}T09:00:00Z`) + 3 * 86_400_000);
    expect((await call("GET", `/payouts/${id}`, w.finance)).json()).toMatchObject({
      awaiting: "action",
      deadline: "overdue",
    });
    // The client's view: plain words, never the provider's text.
    const mine = (await call("GET", `/payouts/${id}`, await clientActorOf(id!))).json();
    expect(mine).toMatchObject({ view: "client", stage: "delayed", yourAction: null });
    expect(JSON.stringify(mine)).not.toContain("declined");

    const retried = await call("POST", `/payouts/${id}/retry`, w.finance, {
      expectedVersion: failed.version,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ status: "scheduled", attempt: 2 });
    const row = await payout(id!);
    expect(row.idempotency_key).toBe(`refund-desk-payout-${id}-attempt-2`);
    expect(row.reconcile_attempt).toBe(1);
    await tick();
    expect(await payout(id!)).toMatchObject({ status: "succeeded", attempt: 2 });
    const refunds = refundsFor(id!);
    expect(refunds.map((r) => r.status).sort()).toEqual(["failed", "succeeded"]);
    expect(refunds.find((r) => r.status === "succeeded")?.metadata["payout_attempt"]).toBe("2");
    expect((await payment(row.payment_id)).refunded_minor).toBe(row.amount_minor);
    // Settled: nothing more to retry.
    const again = await call("POST", `/payouts/${id}/retry`, w.finance, {
      expectedVersion: (await payout(id!)).version,
    });
    expect(again.statusCode).toBe(409);
  });

  it("a retry whose failed attempt in fact went out adopts it and sends nothing new", async () => {
    const [id] = await w.releasedCardPayouts(1);
    await tick();
    const sent = await payout(id!);
    expect(sent.status).toBe("succeeded");
    // Our record says failed (e.g. a wrong answer recorded), but the provider holds the refund.
    await w.t.db.db
      .updateTable("payouts")
      .set({ status: "failed", failure_reason: "processing_error", succeeded_at: null })
      .where("id", "=", id!)
      .execute();
    await w.t.db.db
      .updateTable("payments")
      .set({ refunded_minor: "0" })
      .where("id", "=", sent.payment_id)
      .execute();
    const retried = await call("POST", `/payouts/${id}/retry`, w.finance, {
      expectedVersion: sent.version,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    await tick();
    const row = await payout(id!);
    expect(row).toMatchObject({ status: "succeeded", attempt: 1, reconcile_attempt: null });
    expect(row.idempotency_key).toBe(`refund-desk-payout-${id}`);
    expect(refundsFor(id!)).toHaveLength(1);
    expect((await payment(row.payment_id)).refunded_minor).toBe(row.amount_minor);
  });

  it("an expired card is not retried: it is reissued by bank transfer with the client's account", async () => {
    const [id] = await w.releasedCardPayouts(1);
    w.stripe.queue("refunds.create", {
      kind: "status",
      status: "failed",
      failureReason: "expired_or_canceled_card",
    });
    await tick();
    const failed = await payout(id!);
    expect(failed.status).toBe("failed");
    const retry = await call("POST", `/payouts/${id}/retry`, w.finance, {
      expectedVersion: failed.version,
    });
    expect(retry.statusCode).toBe(409);
    expect(retry.json().detail).toMatch(/reissue/);

    // A justification is required; the method must differ; unknown fields are refused.
    const noWhy = await call("POST", `/payouts/${id}/reissue`, w.finance, {
      expectedVersion: failed.version,
      method: "bank_transfer",
      justification: "card",
    });
    expect(noWhy.statusCode).toBe(422);
    expect(noWhy.json().errors[0].path).toBe("justification");
    expect(
      (
        await call("POST", `/payouts/${id}/reissue`, w.finance, {
          expectedVersion: failed.version,
          method: "bank_transfer",
          justification: "The card expired; the client asked for a transfer.",
          iban: "DE89370400440532013000",
        })
      ).statusCode,
    ).toBe(400);
    // QA may not reissue.
    expect(
      (
        await call("POST", `/payouts/${id}/reissue`, w.qa, {
          expectedVersion: failed.version,
          method: "bank_transfer",
          justification: "The card expired; the client asked for a transfer.",
        })
      ).statusCode,
    ).toBe(403);

    const res = await call("POST", `/payouts/${id}/reissue`, w.finance, {
      expectedVersion: failed.version,
      method: "bank_transfer",
      justification: "The card expired; the client asked for a transfer.",
    });
    expect(res.statusCode, res.body).toBe(200);
    const next = res.json();
    expect(next).toMatchObject({
      method: "bank_transfer",
      status: "scheduled",
      reissueOf: id,
      awaiting: "destination",
      dueLatest: failed.due_latest,
      released: true,
    });
    expect(await payout(id!)).toMatchObject({ status: "reissued", replaced_by: next.id });
    expect(await outboxFor(next.id)).toContain("notify.destination_needed");
    // Reissuing the closed original again is refused.
    expect(
      (
        await call("POST", `/payouts/${id}/reissue`, w.finance, {
          expectedVersion: (await payout(id!)).version,
          method: "bank_transfer",
          justification: "The card expired; the client asked for a transfer.",
        })
      ).statusCode,
    ).toBe(409);

    // Finance cannot record it before the client gave the account.
    expect(
      (
        await call("POST", `/payouts/${next.id}/record`, w.finance, {
          expectedVersion: next.version,
          reference: "SEPA-2026-0001",
        })
      ).statusCode,
    ).toBe(409);
    const client = await clientActorOf(next.id);
    const view = (await call("GET", `/payouts/${next.id}`, client)).json();
    expect(view).toMatchObject({ stage: "needs_your_details" });
    expect(view.yourAction).toMatch(/IBAN/);
    const badIban = await call("PUT", `/payouts/${next.id}/destination`, client, {
      expectedVersion: next.version,
      accountHolder: "Acme Networks",
      iban: "DE89370400440532013001",
    });
    expect(badIban.statusCode).toBe(400);
    expect(badIban.json().errors[0].path).toBe("iban");
    const given = await call("PUT", `/payouts/${next.id}/destination`, client, {
      expectedVersion: next.version,
      accountHolder: "Acme Networks",
      iban: "DE89 3704 0044 0532 0130 00",
    });
    expect(given.statusCode, given.body).toBe(200);
    expect(given.json()).toMatchObject({
      destination: { accountHolder: "Acme Networks", iban: "DE89370400440532013000" },
    });
    const recorded = await call("POST", `/payouts/${next.id}/record`, w.finance, {
      expectedVersion: given.json().version,
      reference: "SEPA-2026-0001",
    });
    expect(recorded.statusCode, recorded.body).toBe(200);
    expect(recorded.json()).toMatchObject({ status: "succeeded" });
    // The ledger is exact: refunded once, by the transfer; the card refund failed.
    const pay = await payment(failed.payment_id);
    expect(pay.refunded_minor).toBe(failed.amount_minor);
    expect(refundsFor(id!).map((r) => r.status)).toEqual(["failed"]);
    expect((await verifyAudit(w.t.db.db)).ok).toBe(true);
  });

  it("above the four-eyes threshold a reissue needs a second, different finance person", async () => {
    const [id] = await w.releasedCardPayouts(1, 480_000);
    await w.t.db.db
      .updateTable("payouts")
      .set({ status: "failed", failure_reason: "expired_or_canceled_card" })
      .where("id", "=", id!)
      .execute();
    const failed = await payout(id!);
    const res = await call("POST", `/payouts/${id}/reissue`, w.finance, {
      expectedVersion: failed.version,
      method: "other",
      justification: "Card expired; refunding by cheque as agreed with the client.",
    });
    expect(res.statusCode, res.body).toBe(200);
    const next = res.json();
    expect(next).toMatchObject({ released: false, awaiting: "second_approval" });
    const same = await call("POST", `/payouts/${next.id}/approve`, w.finance, {
      expectedVersion: next.version,
    });
    expect(same.statusCode).toBe(403);
    expect(same.json().detail).toBe(
      "you already approved this payout; a different finance person must give the second approval",
    );
    const second = await call("POST", `/payouts/${next.id}/approve`, w.finance2, {
      expectedVersion: next.version,
    });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ released: true, awaiting: "record" });
  });

  it("is recorded as paid outside the system with a reference and a justification", async () => {
    const [id] = await w.releasedCardPayouts(1);
    w.stripe.queue("refunds.create", {
      kind: "status",
      status: "failed",
      failureReason: "declined",
    });
    await tick();
    const failed = await payout(id!);
    expect(failed.status).toBe("failed");
    const missing = await call("POST", `/payouts/${id}/record-outside`, w.finance, {
      expectedVersion: failed.version,
      reference: "RCPT-1",
      justification: "",
    });
    expect(missing.statusCode).toBe(400);
    const res = await call("POST", `/payouts/${id}/record-outside`, w.finance, {
      expectedVersion: failed.version,
      reference: "RCPT-2026-77",
      justification: "Refunded at the front desk in cash; signed receipt scanned.",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: "succeeded",
      paidOutside: true,
      reference: "RCPT-2026-77",
      awaiting: null,
      deadline: "settled",
    });
    expect((await payment(failed.payment_id)).refunded_minor).toBe(failed.amount_minor);
    expect(await outboxFor(id!)).toContain("notify.refund_sent");
    const audit = await w.t.db.db
      .selectFrom("audit_events")
      .select(["action", "summary"])
      .where("entity_id", "=", id!)
      .where("action", "=", "payout.paid_outside")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.summary).toContain("front desk");
  });
});
