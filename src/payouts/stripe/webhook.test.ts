// Webhook verification (genuine deliveries accepted, forged ones refused) and the refund update an
// event carries, including deliveries posted by the stand-in.

import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { createStripeCardProvider } from "./adapter.js";
import { signStripePayload, startStripeStandIn, type StripeStandIn } from "./stand-in.js";
import { refundUpdateFromEvent, verifyStripeWebhook, type WebhookRejection } from "./webhook.js";

const SECRET = "whsec_test_refund_desk_0123456789";
const NOW = 1_790_000_000;

function refundJson(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "re_1",
    object: "refund",
    amount: 1250,
    balance_transaction: "txn_1",
    charge: "ch_1",
    created: NOW - 5,
    currency: "eur",
    metadata: { payout_id: "po_1" },
    payment_intent: "pi_1",
    reason: null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
    ...over,
  };
}

function eventJson(type: string, object: Record<string, unknown>, id = "evt_1"): string {
  return JSON.stringify(
    {
      id,
      object: "event",
      api_version: "2025-01-01",
      created: NOW - 1,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    },
    null,
    2,
  );
}

describe("verifyStripeWebhook", () => {
  const body = eventJson("refund.created", refundJson());

  it("accepts a genuine delivery (string or Buffer body, our signer or the SDK's)", () => {
    const header = signStripePayload(body, SECRET, NOW);
    const sdkHeader = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: SECRET,
      timestamp: NOW - 10,
    });
    for (const [raw, h] of [
      [body, header],
      [Buffer.from(body, "utf8"), header],
      [body, sdkHeader],
    ] as const) {
      const v = verifyStripeWebhook(raw, h, SECRET, NOW);
      expect(v.ok).toBe(true);
      if (v.ok) expect(v.event).toMatchObject({ id: "evt_1", type: "refund.created" });
    }
  });

  it("accepts a header carrying several v1 signatures when one matches (secret rotation)", () => {
    const good = signStripePayload(body, SECRET, NOW);
    const other = signStripePayload(body, "whsec_old", NOW).split(",")[1];
    expect(verifyStripeWebhook(body, `${good},${other}`, SECRET, NOW).ok).toBe(true);
  });

  it("accepts a timestamp exactly at the tolerance and refuses one second more", () => {
    expect(
      verifyStripeWebhook(body, signStripePayload(body, SECRET, NOW - 300), SECRET, NOW),
    ).toEqual(expect.objectContaining({ ok: true }));
    expect(
      verifyStripeWebhook(body, signStripePayload(body, SECRET, NOW - 301), SECRET, NOW),
    ).toMatchObject({ ok: false, reason: "stale_timestamp" });
  });

  it("refuses a verification without a secret or with a tolerance of zero", () => {
    const header = signStripePayload(body, SECRET, NOW);
    expect(verifyStripeWebhook(body, header, "", NOW)).toMatchObject({ reason: "no_secret" });
    expect(verifyStripeWebhook(body, header, SECRET, NOW, 0)).toMatchObject({ ok: false });
  });

  it("refuses 50 forged deliveries, each for its own reason", () => {
    const forged: {
      name: string;
      raw: string;
      header: string | undefined;
      reason: WebhookRejection;
    }[] = [];
    // Unsigned.
    for (const header of [undefined, "", "   "]) {
      forged.push({
        name: `unsigned ${JSON.stringify(header)}`,
        raw: body,
        header,
        reason: "missing_header",
      });
    }
    for (const header of [
      `t=${NOW}`,
      `t=${NOW},v0=abc`,
      `t=${NOW},s1=abc`,
      `v1=${"a".repeat(64)}`,
    ]) {
      forged.push({
        name: `no v1 signature: ${header}`,
        raw: body,
        header,
        reason: "bad_signature",
      });
    }
    // Signed with another secret.
    for (let i = 0; i < 10; i += 1) {
      const secret = i === 0 ? `${SECRET} ` : i === 1 ? SECRET.slice(0, -1) : `whsec_attacker_${i}`;
      forged.push({
        name: `wrong secret ${i}`,
        raw: body,
        header: signStripePayload(body, secret, NOW),
        reason: "bad_signature",
      });
    }
    // Genuine signature, altered body.
    const header = signStripePayload(body, SECRET, NOW);
    const alterations: [string, string][] = [
      ["amount", body.replace('"amount": 1250', '"amount": 125000')],
      ["payout id", body.replace('"payout_id": "po_1"', '"payout_id": "po_2"')],
      ["status", body.replace('"status": "succeeded"', '"status": "failed"')],
      ["event type", body.replace('"type": "refund.created"', '"type": "refund.updated"')],
      ["event id", body.replace('"id": "evt_1"', '"id": "evt_2"')],
      ["trailing newline", `${body}\n`],
      ["re-serialised", JSON.stringify(JSON.parse(body))],
      ["leading space", ` ${body}`],
      ["truncated", body.slice(0, -1)],
      ["empty body", ""],
    ];
    for (const [name, raw] of alterations) {
      forged.push({
        name: `altered ${name}`,
        raw,
        header,
        reason: raw === "" ? "bad_payload" : "bad_signature",
      });
    }
    // Genuine signature and body, replayed too late (or dated ahead).
    for (const age of [301, 302, 400, 900, 3600, 86_400, 30 * 86_400, -301, -3600, NOW - 1]) {
      forged.push({
        name: `timestamp ${age} s old`,
        raw: body,
        header: signStripePayload(body, SECRET, NOW - age),
        reason: "stale_timestamp",
      });
    }
    // Garbage headers.
    const sig = header.split("v1=")[1] ?? "";
    const garbage = [
      "garbage",
      "t=,v1=",
      `t=abc,v1=${sig}`,
      `t=${NOW + 1},v1=${sig}`,
      `t=${NOW - 1},v1=${sig}`,
      `t=${NOW},v1=${sig.toUpperCase()}`,
      `t=${NOW},v1=${sig.slice(0, 63)}`,
      `t=${NOW},v1=${sig}0`,
      `t=${NOW};v1=${sig}`,
      "\u0000\u0001\u0002",
      `Bearer ${sig}`,
      `v1=${sig}`,
      `t=${NOW},v1=${Buffer.from(sig, "hex").toString("base64")}`,
    ];
    for (const h of garbage) {
      forged.push({
        name: `garbage ${JSON.stringify(h)}`,
        raw: body,
        header: h,
        reason: "bad_signature",
      });
    }
    expect(forged.length).toBeGreaterThanOrEqual(50);
    for (const f of forged) {
      const v = verifyStripeWebhook(f.raw, f.header, SECRET, NOW);
      expect({ name: f.name, ok: v.ok, reason: v.ok ? null : v.reason }).toEqual({
        name: f.name,
        ok: false,
        reason: f.reason,
      });
    }
  });

  it("refuses a correctly signed body that is not JSON, or not an event", () => {
    for (const raw of ["not json", "[1,2]", '{"object":"event"}', "null"]) {
      const v = verifyStripeWebhook(raw, signStripePayload(raw, SECRET, NOW), SECRET, NOW);
      expect(v).toMatchObject({ ok: false, reason: "bad_payload" });
    }
  });
});

describe("refundUpdateFromEvent", () => {
  const parse = (type: string, refund: Record<string, unknown>) =>
    JSON.parse(eventJson(type, refund)) as Stripe.Event;

  it.each([
    ["refund.created", refundJson(), { kind: "succeeded", providerRef: "re_1" }],
    ["refund.updated", refundJson({ status: "pending" }), { kind: "pending", providerRef: "re_1" }],
    [
      "refund.failed",
      refundJson({ status: "failed", failure_reason: "lost_or_stolen_card" }),
      { kind: "failed", providerRef: "re_1", reason: "lost_or_stolen_card" },
    ],
    [
      "charge.refund.updated",
      refundJson({ status: "canceled" }),
      { kind: "failed", providerRef: "re_1", reason: "canceled" },
    ],
    [
      "refund.updated",
      refundJson({ status: "requires_action" }),
      { kind: "pending", providerRef: "re_1" },
    ],
  ])("%s %#", (type, refund, outcome) => {
    expect(refundUpdateFromEvent(parse(type, refund))).toEqual({
      eventId: "evt_1",
      eventType: type,
      payoutId: "po_1",
      // No payout_attempt in the metadata: a first attempt.
      attempt: 1,
      providerRef: "re_1",
      chargeRef: "ch_1",
      amountMinor: 1250n,
      currency: "EUR",
      eventCreated: NOW - 1,
      outcome,
    });
  });

  it("a refund we did not make has no payout id", () => {
    expect(
      refundUpdateFromEvent(parse("refund.created", refundJson({ metadata: {} }))),
    ).toMatchObject({ payoutId: null, providerRef: "re_1" });
  });

  it.each(["charge.succeeded", "charge.refunded", "payment_intent.succeeded", "payout.paid"])(
    "ignores %s",
    (type) => {
      expect(refundUpdateFromEvent(parse(type, refundJson()))).toBeNull();
    },
  );
});

describe("webhooks posted by the stand-in", () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function receiver(): Promise<{
    url: string;
    got: { raw: Buffer; headers: IncomingHttpHeaders }[];
  }> {
    const got: { raw: Buffer; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ raw: Buffer.concat(chunks), headers: req.headers });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    open.push({
      close: () => new Promise<void>((r) => server.close(() => r())),
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/stripe`, got };
  }

  it("signs refund.created / refund.updated / refund.failed; a redelivery keeps the event id", async () => {
    const rx = await receiver();
    const standIn: StripeStandIn = await startStripeStandIn({
      webhook: { url: rx.url, secret: SECRET },
    });
    open.push(standIn);
    const provider = createStripeCardProvider({
      apiKey: standIn.apiKey,
      host: standIn.host,
      port: standIn.port,
      protocol: "http",
    });
    const c = standIn.seedCharge({ amount: 5000, currency: "eur" });
    standIn.queue("refunds.create", { kind: "status", status: "pending" });
    const out = await provider.submitRefund({
      payoutId: "po_9",
      idempotencyKey: "payout:po_9",
      chargeRef: c.charge,
      amountMinor: 2000n,
      currency: "EUR",
    });
    expect(out.kind).toBe("pending");
    if (out.kind !== "pending") return;
    standIn.settleRefund(out.providerRef, "failed", "expired_or_canceled_card");
    await standIn.flushWebhooks();
    const [created] = standIn.events();
    if (created === undefined) throw new Error("no event");
    const again = await standIn.redeliver(created.id, 3);
    expect(again.map((d) => d.status)).toEqual([200, 200, 200]);

    const now = Math.floor(Date.now() / 1000);
    const updates = rx.got.map(({ raw, headers }) => {
      expect(headers["content-type"]).toMatch(/^application\/json/);
      const sig = headers["stripe-signature"];
      const v = verifyStripeWebhook(raw, typeof sig === "string" ? sig : undefined, SECRET, now);
      if (!v.ok) throw new Error(`refused: ${v.reason} ${v.detail}`);
      return refundUpdateFromEvent(v.event);
    });
    expect(updates.map((u) => [u?.eventType, u?.outcome.kind])).toEqual([
      ["refund.created", "pending"],
      ["refund.updated", "failed"],
      ["refund.failed", "failed"],
      ["refund.created", "pending"],
      ["refund.created", "pending"],
      ["refund.created", "pending"],
    ]);
    for (const u of updates) {
      expect(u).toMatchObject({
        payoutId: "po_9",
        providerRef: out.providerRef,
        amountMinor: 2000n,
      });
    }
    expect(new Set(updates.map((u) => u?.eventId)).size).toBe(3);
    expect(updates[1]?.outcome).toEqual({
      kind: "failed",
      providerRef: out.providerRef,
      reason: "expired_or_canceled_card",
    });
    // A forged copy of a real delivery (wrong secret) is refused.
    const first = rx.got[0];
    if (first === undefined) throw new Error("no delivery");
    expect(
      verifyStripeWebhook(
        first.raw,
        signStripePayload(first.raw.toString(), "whsec_x", now),
        SECRET,
        now,
      ),
    ).toMatchObject({ ok: false, reason: "bad_signature" });
  });
});
