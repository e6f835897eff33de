// Card disputes end to end (issue 20), on a real database (SQLite, or PostgreSQL with
// DATABASE_URL): the stand-in plays the cardholder's bank and sends its signed `charge.dispute.*`
// webhooks to our route; the worker sends refunds through the official SDK. Never pay twice: a
// payout on a disputed charge is held and never sent; a dispute opened while the worker sends a
// refund ends with one return of the money; a dispute won makes the charge refundable again; a
// lost one counts as returned. Answer with evidence: the draft of a not-delivered request denied
// for a client-side blocker carries the blocker and the clause; finance edits and submits it
// (files uploaded, attached by id); reminders 5 and 2 days before the due-by; every step audited.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimCardPayouts, runClaimedPayout } from "../../src/app/payouts/execute.js";
import { remindDisputes } from "../../src/app/disputes/remind-disputes.js";
import { refundable } from "../../src/core/ledger/refundable.js";
import { verifyAudit } from "../../src/db/audit.js";
import { readLedger } from "../../src/db/ledger.js";
import {
  createStripeDisputeProvider,
  signStripePayload,
  standInGate,
  type StripeEventJson,
} from "../../src/payouts/stripe/index.js";
import { createWorker } from "../../src/worker/worker.js";
import { createDisputeMailer } from "../../src/notify/dispute-mailer.js";
import { apiCalls, newClient, newOrder, type TestClient } from "../support/api-world.js";
import { FAST_RUNNER, payoutWorld, WEBHOOK_SECRET, type PayoutWorld } from "./support.js";

let w: PayoutWorld;
let client: TestClient;
const delivered = new Set<string>();

beforeAll(async () => {
  w = await payoutWorld();
  w.t.deps.disputes.provider = createStripeDisputeProvider({
    apiKey: w.stripe.apiKey,
    host: w.stripe.host,
    port: w.stripe.port,
    protocol: "http",
  });
  client = await newClient(w.t);
}, 60_000);
afterAll(() => w.close());

const api = () => apiCalls(w.t);

/** Delivers the stand-in's events not delivered yet, signed, to our webhook route, in order. */
async function deliverEvents(filter: (e: StripeEventJson) => boolean = () => true) {
  const out: { type: string; status: number; body: string }[] = [];
  for (const e of w.stripe.events()) {
    if (delivered.has(e.id) || !filter(e)) continue;
    delivered.add(e.id);
    const payload = JSON.stringify(e);
    const res = await w.t.app.inject({
      method: "POST",
      url: "/api/v1/webhooks/stripe",
      headers: {
        "content-type": "application/json",
        "stripe-signature": signStripePayload(
          payload,
          WEBHOOK_SECRET,
          Math.floor(w.t.deps.clock() / 1000),
        ),
      },
      payload,
    });
    out.push({ type: e.type, status: res.statusCode, body: res.body });
  }
  return out;
}

async function payout(id: string) {
  return w.t.db.db.selectFrom("payouts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

function chargeOf(paymentId: string) {
  return w.t.db.db
    .selectFrom("payments")
    .select(["provider_ref", "refunded_minor", "order_id"])
    .where("id", "=", paymentId)
    .executeTakeFirstOrThrow();
}

async function leftOf(paymentId: string): Promise<bigint> {
  const facts = await readLedger(w.t.db.db, { paymentIds: [paymentId] });
  return refundable(facts).payments.get(paymentId)?.left ?? -1n;
}

async function ticks(n: number) {
  const worker = createWorker(w.t.deps, {
    workerId: "disputes",
    cardProvider: w.provider,
    runner: FAST_RUNNER,
    autoStart: false,
  });
  for (let i = 0; i < n; i++) {
    w.t.setNow(Date.now());
    await worker.tick();
    await new Promise((r) => setTimeout(r, 5));
  }
}

function refundsFor(payoutId: string) {
  return w.stripe.refunds().filter((r) => r.metadata["payout_id"] === payoutId);
}

async function auditOf(entityId: string) {
  return (
    await w.t.db.db
      .selectFrom("audit_events")
      .select(["action", "actor"])
      .where("entity_id", "=", entityId)
      .orderBy("seq")
      .execute()
  ).map((a) => a.action);
}

describe("never pay twice", () => {
  it("a payout on a disputed charge is held, never sent, and closed for good when the dispute is lost", async () => {
    w.t.setNow(Date.now());
    const [id] = await w.releasedCardPayouts(1, 30_000);
    const before = await payout(id!);
    const { provider_ref: charge } = await chargeOf(before.payment_id);
    const dispute = w.stripe.createDispute({ charge: charge!, reason: "product_not_received" });
    const got = await deliverEvents();
    expect(got.map((g) => [g.type, g.status])).toEqual([
      ["charge.dispute.created", 200],
      ["charge.dispute.funds_withdrawn", 200],
    ]);
    const held = await payout(id!);
    expect(held).toMatchObject({ status: "scheduled", held_by_dispute: dispute.id });
    expect(held.parked_at).not.toBeNull();
    expect(held.failure_reason).toMatch(/^charge_disputed/);
    expect(await leftOf(held.payment_id)).toBe(0n);

    // Finance sees it as needing action and was alerted; the worker never sends it.
    const view = await api().get(`/payouts/${id}`, w.finance);
    expect(view.json<{ deadline: string }>().deadline).toBe("needs_action");
    expect(
      view
        .json<{ actions: { name: string; allowed: boolean; reasonCode: string | null }[] }>()
        .actions.find((a) => a.name === "retry"),
    ).toMatchObject({ allowed: false, reasonCode: "charge_disputed" });
    await ticks(5);
    expect(refundsFor(id!)).toEqual([]);
    // Nobody can push it out while the dispute is open.
    const retry = await api().post(`/payouts/${id}/retry`, w.finance, {
      expectedVersion: held.version,
    });
    expect(retry.statusCode, retry.body).toBe(409);

    // Lost: the bank returned the money; the payout is closed and can never go.
    w.stripe.closeDispute(dispute.id, "lost");
    await deliverEvents();
    const closed = await payout(id!);
    expect(closed.status).toBe("failed");
    expect(closed.failure_reason).toMatch(/^dispute_lost/);
    const again = await api().post(`/payouts/${id}/retry`, w.finance, {
      expectedVersion: closed.version,
    });
    expect(again.statusCode, again.body).toBe(409);
    await ticks(3);
    expect(refundsFor(id!)).toEqual([]);
    expect(await leftOf(closed.payment_id)).toBe(0n);
    expect(await auditOf(id!)).toEqual(
      expect.arrayContaining(["payout.held", "payout.closed_by_dispute"]),
    );
    expect(await auditOf(dispute.id)).toEqual([
      "dispute.created",
      "dispute.funds_withdrawn",
      "dispute.closed",
    ]);
    // A repeated delivery changes nothing.
    const first = w.stripe.events().find((e) => e.type === "charge.dispute.created")!;
    const payload = JSON.stringify(first);
    const repeat = await w.t.app.inject({
      method: "POST",
      url: "/api/v1/webhooks/stripe",
      headers: {
        "content-type": "application/json",
        "stripe-signature": signStripePayload(
          payload,
          WEBHOOK_SECRET,
          Math.floor(w.t.deps.clock() / 1000),
        ),
      },
      payload,
    });
    expect(repeat.json()).toMatchObject({ duplicate: true });
  });

  it("open requests on the disputed charge get an internal note for QA with the reason", async () => {
    w.t.setNow(Date.now());
    const charge = w.stripe.seedCharge({ amount: 12_000, currency: "usd" });
    const { order, payment } = await newOrder(w.t, client, {
      order: { price_minor: "12000" },
      payment: { amount_minor: "12000", provider_ref: charge.charge },
    });
    const req = await api().post("/requests", client.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "Nothing happened.",
    });
    expect(req.statusCode, req.body).toBe(201);
    const requestId = req.json<{ id: string }>().id;
    const d = w.stripe.createDispute({ charge: charge.charge, reason: "fraudulent" });
    await deliverEvents();
    const notes = await w.t.db.db
      .selectFrom("messages")
      .selectAll()
      .where("request_id", "=", requestId)
      .where("internal", "=", 1)
      .execute();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain("fraudulent");
    expect(notes[0]!.body).toContain(d.id);
    expect(await auditOf(requestId)).toContain("request.dispute_flagged");
    // The client never sees it.
    const msgs = await api().get(`/requests/${requestId}/messages`, client.actor);
    expect(msgs.body).not.toContain(d.id);
    // Nothing may be approved from the charge while it is disputed.
    expect(await leftOf(payment.id)).toBe(0n);
    const view = await api().get(`/requests/${requestId}`, w.qa);
    expect(view.json<{ refundable?: { amount: string } }>().refundable?.amount).toBe("0.00");
  });

  it("a dispute opened while the worker is sending a refund ends with one money return (lost)", async () => {
    w.t.setNow(Date.now());
    const [id] = await w.releasedCardPayouts(1, 20_000);
    const row = await payout(id!);
    const { provider_ref: charge } = await chargeOf(row.payment_id);
    const gate = standInGate();
    w.stripe.queue("refunds.create", { kind: "gate", gate });
    const runner = { ...FAST_RUNNER, workerId: "race" };
    const claimed = await claimCardPayouts(w.t.deps, runner, 10);
    const mine = claimed.find((c) => c.row.id === id)!;
    const sending = runClaimedPayout(w.t.deps, w.provider, runner, mine);
    await gate.reached;
    // The bank opens the dispute while our refund is on the wire; its webhook arrives first.
    const dispute = w.stripe.createDispute({ charge: charge! });
    await deliverEvents();
    expect((await payout(id!)).status).toBe("submitting");
    gate.open();
    await sending;
    const held = await payout(id!);
    expect(held).toMatchObject({ status: "scheduled", held_by_dispute: dispute.id });
    expect(refundsFor(id!)).toEqual([]);
    await ticks(3);
    w.stripe.closeDispute(dispute.id, "lost");
    await deliverEvents();
    await ticks(3);
    // One return of the money: the bank's chargeback, no refund from us.
    expect(refundsFor(id!)).toEqual([]);
    expect(w.stripe.disputes().find((x) => x.id === dispute.id)).toMatchObject({
      status: "lost",
      amount: 20_000,
    });
    expect((await payout(id!)).status).toBe("failed");
    expect((await chargeOf(row.payment_id)).refunded_minor).toBe("0");
    expect(await leftOf(row.payment_id)).toBe(0n);
  });

  it("refused by the provider before its webhook arrived, then won: the refund goes out once and the charge is refundable again", async () => {
    w.t.setNow(Date.now());
    const [id] = await w.releasedCardPayouts(1, 25_000);
    const row = await payout(id!);
    const { provider_ref: charge } = await chargeOf(row.payment_id);
    const dispute = w.stripe.createDispute({ charge: charge!, amount: 25_000 });
    // The webhook is late: the worker meets Stripe's refusal first.
    await ticks(3);
    const held = await payout(id!);
    expect(held).toMatchObject({ status: "scheduled", held_by_dispute: "charge_disputed" });
    expect(held.failure_reason).toMatch(/^charge_disputed/);
    expect(refundsFor(id!)).toEqual([]);
    await deliverEvents();
    await ticks(3);
    expect(refundsFor(id!)).toEqual([]);
    // Won: the charge is refundable again, and the held payout goes out, once.
    w.stripe.closeDispute(dispute.id, "won");
    await deliverEvents();
    const released = await payout(id!);
    expect(released.parked_at).toBeNull();
    expect(released.held_by_dispute).toBeNull();
    expect(released.attempt).toBe(held.attempt + 1);
    for (let i = 0; i < 20 && (await payout(id!)).status !== "succeeded"; i++) await ticks(1);
    expect((await payout(id!)).status).toBe("succeeded");
    const refunds = refundsFor(id!);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.amount).toBe(25_000);
    expect((await chargeOf(row.payment_id)).refunded_minor).toBe("25000");
    expect(await auditOf(id!)).toEqual(
      expect.arrayContaining(["payout.held", "payout.released_after_dispute", "payout.succeeded"]),
    );
  });

  it("a won dispute makes the charge refundable again (nothing was held)", async () => {
    w.t.setNow(Date.now());
    const charge = w.stripe.seedCharge({ amount: 9_000, currency: "usd" });
    const { payment } = await newOrder(w.t, client, {
      order: { price_minor: "9000" },
      payment: { amount_minor: "9000", provider_ref: charge.charge },
    });
    expect(await leftOf(payment.id)).toBe(9_000n);
    const d = w.stripe.createDispute({ charge: charge.charge, amount: 9_000 });
    await deliverEvents();
    expect(await leftOf(payment.id)).toBe(0n);
    w.stripe.closeDispute(d.id, "won");
    await deliverEvents();
    expect(await leftOf(payment.id)).toBe(9_000n);
    const listed = await api().get("/disputes?open=false", w.finance);
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ items: { id: string; standing: string }[] }>().items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: d.id, standing: "won" })]),
    );
  });
});

describe("answer with evidence", () => {
  it("the draft of a not-delivered request denied for a client-side blocker carries the blocker and the clause; finance edits and submits it", async () => {
    const now = Date.parse("2026-03-02T09:00:00Z");
    w.t.setNow(now);
    const charge = w.stripe.seedCharge({ amount: 480_000, currency: "usd" });
    const { order, payment } = await newOrder(w.t, client, {
      payment: { provider_ref: charge.charge },
    });
    await w.t.db.db
      .insertInto("service_events")
      .values({
        id: `sev_${order.id}`,
        order_id: order.id,
        kind: "client_blocker",
        from_at: "2026-02-05T00:00:00.000Z",
        to_at: "2026-02-27T00:00:00.000Z",
        note: "VPN access not provided by the client",
        recorded_by: "user:x",
        recorded_at: "2026-02-05T00:00:00.000Z",
      })
      .execute();
    const req = await api().post("/requests", client.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "The test never happened.",
    });
    expect(req.statusCode, req.body).toBe(201);
    const r = req.json<{ id: string; version: number }>();
    const started = await api().post(`/requests/${r.id}/start-review`, w.qa, {
      expectedVersion: r.version,
    });
    const denied = await api().post(`/requests/${r.id}/deny`, w.qa, {
      expectedVersion: started.json<{ version: number }>().version,
      justification: "The client withheld VPN access for three weeks.",
      clauses: ["excluded.client-side"],
    });
    expect(denied.statusCode, denied.body).toBe(200);

    const due = now + 7 * 86_400_000;
    const dispute = w.stripe.createDispute({
      charge: charge.charge,
      reason: "product_not_received",
      dueBy: Math.floor(due / 1000),
    });
    await deliverEvents();
    const got = await api().get(`/disputes/${dispute.id}`, w.finance);
    expect(got.statusCode, got.body).toBe(200);
    const view = got.json<{
      version: number;
      dueBy: string;
      paymentId: string;
      evidence: {
        text: Record<string, string | null>;
        documents: Record<string, { title: string; sections: { lines: string[] }[] }>;
      };
    }>();
    expect(view.paymentId).toBe(payment.id);
    expect(view.dueBy).toBe(new Date(Math.floor(due / 1000) * 1000).toISOString());
    const refusal = view.evidence.text["refund_refusal_explanation"] ?? "";
    expect(refusal).toContain("excluded.client-side");
    expect(refusal).toContain("Client-side issues");
    expect(refusal).toContain("VPN access not provided by the client");
    expect(refusal).toContain("The client withheld VPN access for three weeks.");
    expect(view.evidence.text["service_date"]).toBeNull();
    expect(view.evidence.text["product_description"]).toContain(order.id);
    expect(view.evidence.text["refund_policy_disclosure"]).toContain(w.t.policy.version);
    expect(view.evidence.text["duplicate_charge_explanation"]).toBeNull();
    const serviceLines = view.evidence.documents["service_documentation"]!.sections.flatMap(
      (s) => s.lines,
    );
    expect(serviceLines.join("\n")).toContain("Blocked by the client");
    const talk = view.evidence.documents["customer_communication"]!.sections.flatMap(
      (s) => s.lines,
    );
    expect(talk.join("\n")).toContain("The test never happened.");

    // Reminders: none a week ahead, the 5-day one, then the 2-day one, each once.
    expect(await remindDisputes(w.t.deps)).toBe(0);
    w.t.setNow(due - 4.5 * 86_400_000);
    expect(await remindDisputes(w.t.deps)).toBe(1);
    expect(await remindDisputes(w.t.deps)).toBe(0);
    w.t.setNow(due - 1.5 * 86_400_000);
    expect(await remindDisputes(w.t.deps)).toBe(1);
    expect(await remindDisputes(w.t.deps)).toBe(0);
    const reminders = await w.t.db.db
      .selectFrom("outbox")
      .select(["id", "topic", "payload"])
      .where("topic", "=", "dispute.reminder")
      .execute();
    // The worker's mailer sends each reminder to every active finance user, once.
    const sent: { to: string; subject: string; text: string }[] = [];
    const mailer = createDisputeMailer({
      db: w.t.db.db,
      clock: w.t.deps.clock,
      mail: {
        description: "recording",
        send: async (m) => {
          sent.push({ to: String(m.to), subject: m.subject, text: m.text });
        },
        close: () => {},
      },
      config: {
        publicUrl: "https://refunds.example.com",
        mailFrom: "Refunds <refunds@example.com>",
      },
    });
    for (const r of reminders) {
      const message = {
        id: r.id,
        topic: r.topic,
        payload: JSON.parse(r.payload) as unknown,
        attempts: 0,
      };
      await mailer.handle(message);
      await mailer.handle(message);
    }
    const finance = await w.t.db.db
      .selectFrom("users")
      .select("email")
      .where("role", "=", "finance")
      .where("disabled", "=", 0)
      .execute();
    expect(sent).toHaveLength(reminders.length * finance.length);
    expect(sent.find((m) => m.subject.includes("in 2 days"))?.text).toContain(
      `https://refunds.example.com/staff/disputes/${dispute.id}`,
    );
    expect(
      reminders
        .map((x) => JSON.parse(x.payload) as { disputeId: string; days: number })
        .filter((x) => x.disputeId === dispute.id)
        .map((x) => x.days),
    ).toEqual([5, 2]);

    // Finance edits a field, QA cannot, a stale version is refused.
    const edit = {
      expectedVersion: view.version,
      text: { uncategorized_text: "Timeline attached." },
    };
    expect((await api().patch(`/disputes/${dispute.id}/evidence`, w.qa, edit)).statusCode).toBe(
      403,
    );
    const edited = await api().patch(`/disputes/${dispute.id}/evidence`, w.finance, edit);
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json<{ evidence: { edited: string[] } }>().evidence.edited).toEqual([
      "uncategorized_text",
    ]);
    expect(
      (await api().patch(`/disputes/${dispute.id}/evidence`, w.finance, edit)).statusCode,
    ).toBe(409);

    // Submitted: three PDFs uploaded and attached by id, the text fields, submit: true.
    const submitted = await api().post(`/disputes/${dispute.id}/submit`, w.finance, {
      expectedVersion: edited.json<{ version: number }>().version,
    });
    expect(submitted.statusCode, submitted.body).toBe(200);
    const s = submitted.json<{
      status: string;
      evidenceSubmittedAt: string;
      evidence: { files: Record<string, string> };
    }>();
    expect(s.status).toBe("under_review");
    expect(Object.keys(s.evidence.files).sort()).toEqual([
      "customer_communication",
      "refund_policy",
      "service_documentation",
    ]);
    const atStripe = w.stripe.disputes().find((x) => x.id === dispute.id)!;
    expect(atStripe.status).toBe("under_review");
    expect(atStripe.evidence["service_documentation"]).toBe(
      s.evidence.files["service_documentation"],
    );
    expect(atStripe.evidence["refund_refusal_explanation"]).toContain("excluded.client-side");
    expect(atStripe.evidence["uncategorized_text"]).toBe("Timeline attached.");
    for (const f of Object.values(s.evidence.files)) {
      const file = w.stripe.files().find((x) => x.id === f)!;
      expect(file.purpose).toBe("dispute_evidence");
      expect(file.size).toBeGreaterThan(500);
    }
    // Once submitted, nothing more goes.
    const twice = await api().post(`/disputes/${dispute.id}/submit`, w.finance, {
      expectedVersion: (await api().get(`/disputes/${dispute.id}`, w.finance)).json<{
        version: number;
      }>().version,
    });
    expect(twice.statusCode).toBe(409);
    expect(await auditOf(dispute.id)).toEqual(
      expect.arrayContaining([
        "dispute.created",
        "dispute.reminded",
        "dispute.evidence_edited",
        "dispute.evidence_submitted",
      ]),
    );
    expect((await verifyAudit(w.t.db.db)).ok).toBe(true);
  });
});
