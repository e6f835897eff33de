// The stand-in's disputes (issue 20): opened by the test helper and by the admin call, their
// webhooks signed and read by our verifier, evidence files uploaded and the evidence submitted
// through the official SDK (our adapter), won and lost, a refund of a disputed charge refused with
// Stripe's `charge_disputed`, and the dispute object checked against Stripe's published fixture.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createStripeCardProvider } from "./adapter.js";
import { createStripeDisputeProvider } from "./disputes.js";
import { startStripeStandIn, type StripeStandIn } from "./stand-in.js";
import { disputeFromEvent, verifyStripeWebhook } from "./webhook.js";

// "The Dispute object" as Stripe's API reference publishes it
// (https://docs.stripe.com/api/disputes/object): every field and the JSON type of its value.
const STRIPE_DISPUTE_FIXTURE = {
  id: "du_1MtJUT2eZvKYlo2CNaw2HvEv",
  object: "dispute",
  amount: 1000,
  balance_transactions: [],
  charge: "ch_1AZtxr2eZvKYlo2CJDX8whov",
  created: 1680651737,
  currency: "usd",
  evidence: {
    access_activity_log: null,
    billing_address: null,
    cancellation_policy: null,
    cancellation_policy_disclosure: null,
    cancellation_rebuttal: null,
    customer_communication: null,
    customer_email_address: null,
    customer_name: null,
    customer_purchase_ip: null,
    customer_signature: null,
    duplicate_charge_documentation: null,
    duplicate_charge_explanation: null,
    duplicate_charge_id: null,
    product_description: null,
    receipt: null,
    refund_policy: null,
    refund_policy_disclosure: null,
    refund_refusal_explanation: null,
    service_date: null,
    service_documentation: null,
    shipping_address: null,
    shipping_carrier: null,
    shipping_date: null,
    shipping_documentation: null,
    shipping_tracking_number: null,
    uncategorized_file: null,
    uncategorized_text: null,
  },
  evidence_details: {
    due_by: 1682294399,
    has_evidence: false,
    past_due: false,
    submission_count: 0,
  },
  is_charge_refundable: true,
  livemode: false,
  metadata: {},
  payment_intent: null,
  reason: "general",
  status: "warning_needs_response",
};

// Fields whose value the fixture shows as null but whose type the API reference gives: the
// evidence fields are "string | null" (a file field holds a file id), the payment intent too.
const NULLABLE_STRING = new Set(["payment_intent"]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Every path of the fixture with its type; the object under test must have each. */
function shapeProblems(fixture: unknown, actual: unknown, path = ""): string[] {
  const out: string[] = [];
  if (typeOf(fixture) === "object") {
    if (typeOf(actual) !== "object") return [`${path}: expected an object, got ${typeOf(actual)}`];
    for (const [k, v] of Object.entries(fixture as Record<string, unknown>)) {
      const a = (actual as Record<string, unknown>)[k];
      const p = path === "" ? k : `${path}.${k}`;
      if (!Object.hasOwn(actual as object, k)) {
        out.push(`${p}: missing`);
        continue;
      }
      if (v === null || NULLABLE_STRING.has(k)) {
        if (a !== null && typeof a !== "string") out.push(`${p}: expected string or null`);
        continue;
      }
      out.push(...shapeProblems(v, a, p));
    }
    return out;
  }
  if (typeOf(fixture) !== typeOf(actual)) {
    out.push(`${path}: expected ${typeOf(fixture)}, got ${typeOf(actual)}`);
  }
  return out;
}

const SECRET = "whsec_test_disputes";
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A receiver for the stand-in's webhooks: every delivery verified and read as our route does. */
async function receiver(): Promise<{
  url: string;
  events: { type: string; ok: boolean; dispute: ReturnType<typeof disputeFromEvent> }[];
}> {
  const events: { type: string; ok: boolean; dispute: ReturnType<typeof disputeFromEvent> }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const header = req.headers["stripe-signature"];
      const v = verifyStripeWebhook(
        Buffer.concat(chunks),
        typeof header === "string" ? header : undefined,
        SECRET,
        Math.floor(Date.now() / 1000),
      );
      events.push(
        v.ok
          ? { type: v.event.type, ok: true, dispute: disputeFromEvent(v.event) }
          : { type: "?", ok: false, dispute: null },
      );
      res.writeHead(v.ok ? 200 : 400).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  open.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, events };
}

async function standIn(webhookUrl?: string): Promise<StripeStandIn> {
  const s = await startStripeStandIn(
    webhookUrl === undefined ? {} : { webhook: { url: webhookUrl, secret: SECRET } },
  );
  open.push(s);
  return s;
}

const at = (s: StripeStandIn) => ({
  apiKey: s.apiKey,
  host: s.host,
  port: s.port,
  protocol: s.protocol,
});

describe("the stand-in's disputes", () => {
  it("speaks Stripe's dispute object: every field and type of the published fixture", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 1000, currency: "usd" });
    for (const status of ["needs_response", "warning_needs_response"] as const) {
      const d =
        status === "needs_response"
          ? s.createDispute({ charge: c.charge, status })
          : (s.closeDispute(s.disputes()[0]?.id ?? "", "lost"),
            s.createDispute({
              charge: s.seedCharge({ amount: 500, currency: "usd" }).charge,
              status,
            }));
      expect(shapeProblems(STRIPE_DISPUTE_FIXTURE, d)).toEqual([]);
      // Over the wire too, as the SDK reads it.
      const res = await fetch(`${s.url}/v1/disputes/${d.id}`, {
        headers: { authorization: `Bearer ${s.apiKey}` },
      });
      expect(res.status).toBe(200);
      expect(shapeProblems(STRIPE_DISPUTE_FIXTURE, await res.json())).toEqual([]);
      expect(d.id).toMatch(/^dp_/);
      expect(d.status).toBe(status);
    }
  });

  it("opens a dispute by the admin call and sends its webhooks signed, read by our verifier", async () => {
    const r = await receiver();
    const s = await standIn(r.url);
    const c = s.seedCharge({ amount: 4800, currency: "eur" });
    const res = await fetch(`${s.url}/_stand-in/disputes`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        charge: c.charge,
        reason: "product_not_received",
        dueBy: 1_900_000_000,
      }),
    });
    expect(res.status).toBe(200);
    const d = (await res.json()) as { id: string; amount: number };
    expect(d.amount).toBe(4800);
    await s.flushWebhooks();
    expect(r.events.map((e) => [e.type, e.ok])).toEqual([
      ["charge.dispute.created", true],
      ["charge.dispute.funds_withdrawn", true],
    ]);
    expect(r.events[0]?.dispute).toEqual({
      disputeId: d.id,
      chargeRef: c.charge,
      paymentIntent: c.paymentIntent,
      amountMinor: 4800n,
      currency: "EUR",
      reason: "product_not_received",
      status: "needs_response",
      dueBy: 1_900_000_000_000,
      eventType: "charge.dispute.created",
      eventCreated: expect.any(Number) as number,
    });
    // Without the key, nothing.
    const anon = await fetch(`${s.url}/_stand-in/disputes`, { method: "POST", body: "{}" });
    expect(anon.status).toBe(401);
  });

  it("refuses to refund a disputed charge with charge_disputed, which the adapter reads as a refusal", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 1000, currency: "usd" });
    s.createDispute({ charge: c.charge });
    const provider = createStripeCardProvider(at(s));
    const outcome = await provider.submitRefund({
      payoutId: "po_1",
      idempotencyKey: "po_1:1",
      chargeRef: c.charge,
      amountMinor: 500n,
      currency: "USD",
    });
    expect(outcome).toMatchObject({ kind: "failed", providerRef: null });
    expect(outcome.kind === "failed" ? outcome.reason : "").toMatch(/^charge_disputed: /);
    expect(s.refunds()).toEqual([]);
  });

  it("fails a pending refund when a dispute opens (charge_for_pending_refund_disputed)", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 1000, currency: "usd" });
    s.queue("refunds.create", { kind: "status", status: "pending" });
    const provider = createStripeCardProvider(at(s));
    const first = await provider.submitRefund({
      payoutId: "po_2",
      idempotencyKey: "po_2:1",
      chargeRef: c.charge,
      amountMinor: 1000n,
      currency: "USD",
    });
    expect(first.kind).toBe("pending");
    s.createDispute({ charge: c.charge, amount: 1000 });
    expect(s.refunds()[0]).toMatchObject({
      status: "failed",
      failure_reason: "charge_for_pending_refund_disputed",
    });
    expect(await provider.lookupRefund(c.charge, "po_2")).toMatchObject({
      kind: "failed",
      reason: "charge_for_pending_refund_disputed",
    });
  });

  it("takes evidence files and the evidence through the SDK, then submits; won and lost close it", async () => {
    const r = await receiver();
    const s = await standIn(r.url);
    const c = s.seedCharge({ amount: 1000, currency: "usd" });
    const d = s.createDispute({ charge: c.charge });
    const disputes = createStripeDisputeProvider(at(s));
    const pdf = Buffer.from("%PDF-1.3\n% a tiny test file\n%%EOF\n", "latin1");
    const up = await disputes.uploadEvidenceFile({ name: "service.pdf", bytes: pdf });
    expect(up.ok).toBe(true);
    const fileId = up.ok ? up.fileId : "";
    expect(s.files()).toEqual([
      expect.objectContaining({
        id: fileId,
        purpose: "dispute_evidence",
        filename: "service.pdf",
        size: pdf.length,
      }),
    ]);
    // A file field must name an uploaded file.
    const bad = await disputes.updateDispute(d.id, { service_documentation: "file_nope" }, false);
    expect(bad).toMatchObject({ ok: false });
    const staged = await disputes.updateDispute(
      d.id,
      { service_documentation: fileId, product_description: "Website redesign" },
      false,
    );
    expect(staged).toEqual({ ok: true, status: "needs_response" });
    const submitted = await disputes.updateDispute(d.id, { service_date: "2026-02-10" }, true);
    expect(submitted).toEqual({ ok: true, status: "under_review" });
    const now = s.disputes()[0];
    expect(now?.evidence).toMatchObject({
      service_documentation: fileId,
      product_description: "Website redesign",
      service_date: "2026-02-10",
    });
    expect(now?.evidence_details).toMatchObject({ has_evidence: true, submission_count: 1 });
    // Under review: the evidence can no longer change.
    expect(await disputes.updateDispute(d.id, { uncategorized_text: "more" }, true)).toMatchObject({
      ok: false,
    });
    const closed = await fetch(`${s.url}/_stand-in/disputes/${d.id}/close`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ outcome: "won" }),
    });
    expect(closed.status).toBe(200);
    expect(((await closed.json()) as { status: string }).status).toBe("won");
    await s.flushWebhooks();
    expect(r.events.filter((e) => e.ok).map((e) => e.type)).toEqual([
      "charge.dispute.created",
      "charge.dispute.funds_withdrawn",
      "charge.dispute.updated",
      "charge.dispute.updated",
      "charge.dispute.closed",
      "charge.dispute.funds_reinstated",
    ]);
    expect(r.events.at(-2)?.dispute?.status).toBe("won");
    // Won: the charge takes refunds again.
    const provider = createStripeCardProvider(at(s));
    expect(
      (
        await provider.submitRefund({
          payoutId: "po_3",
          idempotencyKey: "po_3:1",
          chargeRef: c.charge,
          amountMinor: 300n,
          currency: "USD",
        })
      ).kind,
    ).toBe("succeeded");
    const lost = s.createDispute({ charge: s.seedCharge({ amount: 700, currency: "usd" }).charge });
    expect(s.closeDispute(lost.id, "lost")).toMatchObject({
      status: "lost",
      is_charge_refundable: false,
    });
  });
});
