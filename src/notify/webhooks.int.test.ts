// Outbound webhooks against a real local HTTP receiver: endpoints registered through the API, an
// event from a real workflow action fanned out by the notifier, signed POSTs the receiver
// verifies, retries with exponential backoff after 500s, parking after the cap, timeouts, disabled
// endpoints, and several workers claiming at once without sending anything twice.

import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newId } from "../db/ids.js";
import { apiCalls, newClient, newOrder, type ApiCalls } from "../../test/support/api-world.js";
import { userRow } from "../../test/support/db-rows.js";
import { testServer, type TestServer } from "../../test/support/http.js";
import type { MailTransport, OutgoingMail } from "./mail.js";
import { createNotifier, type Notifier } from "./notifier.js";
import {
  backoffDelay,
  DEFAULT_WEBHOOK_SETTINGS,
  deliverDueWebhooks,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  type WebhookSettings,
} from "./webhooks.js";

interface Hit {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A receiver that answers each request with the next planned status (200 when none is left). */
interface Receiver {
  readonly url: string;
  readonly hits: Hit[];
  plan(...statuses: (number | "hang")[]): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const hits: Hit[] = [];
  let planned: (number | "hang")[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hits.push({
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const next = planned.shift() ?? 200;
      if (next === "hang") return; // never answers: the sender's timeout must end it
      res.writeHead(next, { "content-type": "text/plain" }).end(next < 300 ? "ok" : "nope");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    plan: (...s) => {
      planned = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const NOW = Date.parse("2026-03-02T09:00:00Z");
const ADMIN = "admin:usr_admin";

let t: TestServer;
let api: ApiCalls;
let rx: Receiver;
let notifier: Notifier;
const sentMail: OutgoingMail[] = [];
const mail: MailTransport = {
  description: "memory",
  send: async (m) => {
    sentMail.push(m);
  },
  close: () => undefined,
};

beforeAll(async () => {
  t = await testServer({ now: NOW });
  api = apiCalls(t);
  rx = await startReceiver();
  notifier = createNotifier({
    db: t.deps.db,
    clock: t.deps.clock,
    mail,
    config: { publicUrl: "https://refunds.example.com", mailFrom: "refunds@desk.test" },
  });
});

afterAll(async () => {
  await rx?.close();
  await t?.close();
});

beforeEach(async () => {
  rx.hits.length = 0;
  rx.plan();
  t.setNow(NOW);
  // Each test starts with no endpoints and no deliveries.
  await t.db.db.deleteFrom("webhook_deliveries").execute();
  await t.db.db.deleteFrom("webhook_endpoints").execute();
});

async function createEndpoint(path: string, events: string[]) {
  const res = await api.send("POST", "/webhook-endpoints", ADMIN, {
    url: `${rx.url}${path}`,
    events,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; secret: string }>();
}

/** A refund request submitted through the API; its notify.* rows handed to the notifier. */
async function submitAndNotify() {
  const c = await newClient(t);
  const { order } = await newOrder(t, c);
  const res = await api.post("/requests", c.actor, {
    orderId: order.id,
    reason: "not_delivered",
    description: "Never started.",
  });
  expect(res.statusCode, res.body).toBe(201);
  const requestId = res.json<{ id: string }>().id;
  const rows = await t.db.db
    .selectFrom("outbox")
    .selectAll()
    .where("topic", "like", "notify.%")
    .where("payload", "like", `%${requestId}%`)
    .execute();
  expect(rows.map((r) => r.topic)).toEqual(["notify.request_received"]);
  const row = rows[0]!;
  await notifier.handle({
    id: row.id,
    topic: row.topic,
    payload: JSON.parse(row.payload),
    attempts: 0,
  });
  return {
    requestId,
    orderId: order.id,
    clientId: c.clientId,
    outboxId: row.id,
    createdAt: row.created_at,
  };
}

const deliveries = () =>
  t.db.db.selectFrom("webhook_deliveries").selectAll().orderBy("created_at").execute();

const settings: Partial<WebhookSettings> = { timeoutMs: 2_000 };

describe("signed deliveries", () => {
  it("one delivery per subscribed endpoint; the receiver verifies the signature", async () => {
    const all = await createEndpoint("/all", ["*"]);
    const some = await createEndpoint("/received", ["request_received", "refund_sent"]);
    await createEndpoint("/other", ["refund_sent"]);
    expect(all.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const ev = await submitAndNotify();
    const rows = await deliveries();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === "pending" && r.event_id === ev.outboxId)).toBe(true);

    // Handling the same outbox row again (at-least-once) adds no delivery.
    await notifier.handle({
      id: ev.outboxId,
      topic: "notify.request_received",
      payload: { requestId: ev.requestId, audience: "client", template: "request_received" },
      attempts: 1,
    });
    expect(await deliveries()).toHaveLength(2);

    const run = await deliverDueWebhooks({ db: t.deps.db, settings }, NOW, 10);
    expect(run).toEqual({ attempted: 2, delivered: 2, retrying: 0, parked: 0 });
    expect(rx.hits.map((h) => h.path).sort()).toEqual(["/all", "/received"]);

    for (const hit of rx.hits) {
      const secret = hit.path === "/all" ? all.secret : some.secret;
      const ts = String(hit.headers[WEBHOOK_HEADERS.timestamp]);
      const sig = String(hit.headers[WEBHOOK_HEADERS.signature]);
      expect(hit.headers["content-type"]).toBe("application/json");
      expect(hit.headers[WEBHOOK_HEADERS.eventId]).toBe(ev.outboxId);
      expect(hit.headers[WEBHOOK_HEADERS.eventType]).toBe("request_received");
      expect(ts).toBe(String(Math.floor(NOW / 1000)));
      // The documented recipe, by hand: HMAC-SHA256 over "<timestamp>.<raw body>", hex, "v1=".
      const expected = createHmac("sha256", secret).update(`${ts}.${hit.body}`).digest("hex");
      expect(sig).toBe(`v1=${expected}`);
      expect(
        verifyWebhookSignature({
          secret,
          body: hit.body,
          timestamp: ts,
          signature: sig,
          nowSeconds: Math.floor(NOW / 1000) + 60,
        }),
      ).toBe(true);
      // Another endpoint's secret, a changed body or a stale timestamp fail.
      const other = secret === all.secret ? some.secret : all.secret;
      const check = (o: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
        verifyWebhookSignature({
          secret,
          body: hit.body,
          timestamp: ts,
          signature: sig,
          nowSeconds: Math.floor(NOW / 1000),
          ...o,
        });
      expect(check({ secret: other })).toBe(false);
      expect(check({ body: hit.body.replace("request_received", "refund_sent") })).toBe(false);
      expect(check({ nowSeconds: Math.floor(NOW / 1000) + 3600 })).toBe(false);

      expect(JSON.parse(hit.body)).toEqual({
        id: ev.outboxId,
        type: "request_received",
        createdAt: ev.createdAt,
        data: {
          requestId: ev.requestId,
          orderId: ev.orderId,
          clientId: ev.clientId,
          status: "submitted",
        },
      });
    }

    const done = await deliveries();
    expect(done.every((r) => r.status === "delivered" && r.attempts === 1)).toBe(true);
    expect(done.every((r) => r.last_status === 200)).toBe(true);

    // Nothing is due any more.
    expect(
      (await deliverDueWebhooks({ db: t.deps.db, settings }, NOW + 86_400_000, 10)).attempted,
    ).toBe(0);
    expect(rx.hits).toHaveLength(2);
  });

  it("no endpoint: nothing recorded; a disabled endpoint gets no new deliveries", async () => {
    await submitAndNotify();
    expect(await deliveries()).toHaveLength(0);
    const ep = await createEndpoint("/x", ["*"]);
    await api.send("PATCH", `/webhook-endpoints/${ep.id}`, ADMIN, { disabled: true });
    await submitAndNotify();
    expect(await deliveries()).toHaveLength(0);
  });
});

describe("retries", () => {
  it("backoff doubles from the base delay up to the cap", () => {
    const s = DEFAULT_WEBHOOK_SETTINGS;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, s))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffDelay(9, s)).toBe(s.maxDelayMs);
    expect(backoffDelay(100, s)).toBe(s.maxDelayMs);
  });

  it("after 500s: retried on schedule with the same body and event id, then delivered", async () => {
    await createEndpoint("/flaky", ["*"]);
    const ev = await submitAndNotify();
    rx.plan(500, 503, 200);
    const deps = { db: t.deps.db, settings };

    expect(await deliverDueWebhooks(deps, NOW, 10)).toMatchObject({ attempted: 1, retrying: 1 });
    let [row] = await deliveries();
    expect(row).toMatchObject({
      status: "pending",
      attempts: 1,
      last_status: 500,
      last_error: "HTTP 500",
    });
    expect(row!.next_attempt_at).toBe(new Date(NOW + 30_000).toISOString());

    // Not due yet: nothing is sent.
    expect((await deliverDueWebhooks(deps, NOW + 29_999, 10)).attempted).toBe(0);
    expect(rx.hits).toHaveLength(1);

    expect(await deliverDueWebhooks(deps, NOW + 30_000, 10)).toMatchObject({ retrying: 1 });
    [row] = await deliveries();
    expect(row).toMatchObject({ attempts: 2, last_status: 503 });
    expect(row!.next_attempt_at).toBe(new Date(NOW + 30_000 + 60_000).toISOString());

    expect(await deliverDueWebhooks(deps, NOW + 90_000, 10)).toMatchObject({ delivered: 1 });
    [row] = await deliveries();
    expect(row).toMatchObject({
      status: "delivered",
      attempts: 3,
      last_status: 200,
      last_error: null,
    });
    expect(row!.delivered_at).toBe(new Date(NOW + 90_000).toISOString());

    expect(rx.hits).toHaveLength(3);
    expect(new Set(rx.hits.map((h) => h.body)).size).toBe(1);
    expect(rx.hits.every((h) => h.headers[WEBHOOK_HEADERS.eventId] === ev.outboxId)).toBe(true);
    // Each attempt is signed with its own timestamp.
    expect(rx.hits.map((h) => h.headers[WEBHOOK_HEADERS.timestamp])).toEqual([
      String(NOW / 1000),
      String((NOW + 30_000) / 1000),
      String((NOW + 90_000) / 1000),
    ]);
  });

  it("parked as failed after the cap; never attempted again", async () => {
    await createEndpoint("/down", ["*"]);
    await submitAndNotify();
    rx.plan(500, 500, 500, 500, 500);
    const deps = { db: t.deps.db, settings: { ...settings, maxAttempts: 3 } };
    let at = NOW;
    const runs = [];
    for (let i = 0; i < 3; i++) {
      runs.push(await deliverDueWebhooks(deps, at, 10));
      at += 10 * 60_000;
    }
    expect(runs.map((r) => [r.retrying, r.parked])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const [row] = await deliveries();
    expect(row).toMatchObject({ status: "failed", attempts: 3, last_status: 500 });
    expect((await deliverDueWebhooks(deps, at + 86_400_000, 10)).attempted).toBe(0);
    expect(rx.hits).toHaveLength(3);

    // The admin sees it parked, with the reason.
    const list = await api.send("GET", `/webhook-endpoints/${row!.endpoint_id}/deliveries`, ADMIN);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        status: "failed",
        attempts: 3,
        lastStatus: 500,
        lastError: "HTTP 500",
        nextAttemptAt: null,
      }),
    ]);

    // The admin sends it again: pending, due now, a fresh count of attempts; then delivered.
    const retryUrl = `/webhook-endpoints/${row!.endpoint_id}/deliveries/${row!.id}/retry`;
    const retryAt = at + 86_400_000;
    t.setNow(retryAt);
    const retried = await api.post(retryUrl, ADMIN);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({
      status: "pending",
      attempts: 0,
      nextAttemptAt: new Date(retryAt).toISOString(),
    });
    // Only a failed delivery may be retried: this one is pending now.
    const again = await api.post(retryUrl, ADMIN);
    expect(again.statusCode).toBe(409);
    expect(again.headers["content-type"]).toMatch(/^application\/problem\+json/);
    // Another endpoint's id with this delivery: not found.
    const other = await createEndpoint("/other", ["*"]);
    const wrong = await api.send(
      "POST",
      `/webhook-endpoints/${other.id}/deliveries/${row!.id}/retry`,
      ADMIN,
    );
    expect(wrong.statusCode).toBe(404);

    rx.plan(200);
    expect(await deliverDueWebhooks(deps, retryAt, 10)).toMatchObject({ delivered: 1 });
    const [delivered] = await deliveries();
    expect(delivered).toMatchObject({ status: "delivered", attempts: 1, last_status: 200 });
    expect(rx.hits).toHaveLength(4);
    const audit = await t.db.db
      .selectFrom("audit_events")
      .select("action")
      .where("entity_id", "=", row!.endpoint_id)
      .execute();
    expect(audit.map((a) => a.action)).toContain("webhook_delivery.retried");
  });

  it("a receiver that never answers times out and is retried; so is one that is gone", async () => {
    await createEndpoint("/slow", ["*"]);
    await submitAndNotify();
    rx.plan("hang");
    const deps = { db: t.deps.db, settings: { ...settings, timeoutMs: 300 } };
    expect(await deliverDueWebhooks(deps, NOW, 10)).toMatchObject({ retrying: 1 });
    const [row] = await deliveries();
    expect(row).toMatchObject({ last_status: null, last_error: "timed out after 300 ms" });

    await t.db.db
      .updateTable("webhook_endpoints")
      .set({ url: "http://127.0.0.1:1/nothing-listens" })
      .execute();
    expect(await deliverDueWebhooks(deps, NOW + 30_000, 10)).toMatchObject({ retrying: 1 });
    const [again] = await deliveries();
    expect(again).toMatchObject({ attempts: 2, last_status: null });
    expect(again!.last_error).toMatch(/fetch failed/);
  });

  it("a redirect is not followed and counts as a failure", async () => {
    await createEndpoint("/moved", ["*"]);
    await submitAndNotify();
    rx.plan(302);
    expect(await deliverDueWebhooks({ db: t.deps.db, settings }, NOW, 10)).toMatchObject({
      retrying: 1,
    });
    expect(rx.hits).toHaveLength(1);
  });

  it("a disabled endpoint's deliveries wait, and go out once it is enabled again", async () => {
    const ep = await createEndpoint("/paused", ["*"]);
    await submitAndNotify();
    await t.db.db.updateTable("webhook_endpoints").set({ disabled: 1 }).execute();
    expect((await deliverDueWebhooks({ db: t.deps.db, settings }, NOW, 10)).attempted).toBe(0);
    await api.send("PATCH", `/webhook-endpoints/${ep.id}`, ADMIN, { disabled: false });
    expect(await deliverDueWebhooks({ db: t.deps.db, settings }, NOW, 10)).toMatchObject({
      delivered: 1,
    });
  });
});

describe("several workers", () => {
  it("claim disjoint deliveries: each event reaches each endpoint once", async () => {
    await createEndpoint("/a", ["*"]);
    await createEndpoint("/b", ["*"]);
    for (let i = 0; i < 6; i++) await submitAndNotify();
    expect(await deliveries()).toHaveLength(12);

    // PostgreSQL: two pools, so the claims really overlap (FOR UPDATE SKIP LOCKED). SQLite: one
    // writer at a time (BEGIN IMMEDIATE); the concurrent calls still must not double up.
    const other = t.db.dialect === "postgres" ? (await t.db.reopen()).db : t.deps.db;
    const runs = await Promise.all([
      deliverDueWebhooks({ db: t.deps.db, settings }, NOW, 5),
      deliverDueWebhooks({ db: other, settings }, NOW, 5),
      deliverDueWebhooks({ db: t.deps.db, settings }, NOW, 5),
      deliverDueWebhooks({ db: other, settings }, NOW, 5),
    ]);
    expect(runs.reduce((n, r) => n + r.delivered, 0)).toBe(12);
    const seen = rx.hits.map((h) => `${h.path} ${String(h.headers[WEBHOOK_HEADERS.eventId])}`);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });

  it("a claim is a lease: a row claimed by a worker that died is taken again after it", async () => {
    await createEndpoint("/lease", ["*"]);
    await submitAndNotify();
    const [row] = await deliveries();
    // What a claim leaves behind when its worker dies before recording the outcome.
    await t.db.db
      .updateTable("webhook_deliveries")
      .set({ next_attempt_at: new Date(NOW + 60_000).toISOString() })
      .where("id", "=", row!.id)
      .execute();
    expect((await deliverDueWebhooks({ db: t.deps.db, settings }, NOW + 1_000, 10)).attempted).toBe(
      0,
    );
    expect(
      (await deliverDueWebhooks({ db: t.deps.db, settings }, NOW + 60_000, 10)).delivered,
    ).toBe(1);
  });
});

describe("payout events", () => {
  it("refund_sent carries the payout, its exact amount and due window", async () => {
    await createEndpoint("/payouts", ["refund_sent"]);
    const ev = await submitAndNotify();
    await t.db.db.deleteFrom("webhook_deliveries").execute();
    // An approval's decision and a payout row, as the payout worker writes them.
    const decisionId = newId("dec");
    const at = new Date(NOW).toISOString();
    const reviewer = userRow({ role: "qa" });
    await t.db.db.insertInto("users").values(reviewer).execute();
    await t.db.db
      .insertInto("decisions")
      .values({
        id: decisionId,
        request_id: ev.requestId,
        recommendation_id: null,
        decided_by: reviewer.id,
        kind: "approve",
        amount_minor: "480000",
        amount_currency: "USD",
        justification: null,
        alternative: null,
        created_at: at,
      })
      .execute();
    const payment = await t.db.db
      .selectFrom("payments")
      .select("id")
      .where("order_id", "=", ev.orderId)
      .executeTakeFirstOrThrow();
    const payoutId = newId("po");
    await t.db.db
      .insertInto("payouts")
      .values({
        id: payoutId,
        request_id: ev.requestId,
        decision_id: decisionId,
        payment_id: payment.id,
        method: "card",
        amount_minor: "480000",
        currency: "USD",
        status: "succeeded",
        due_earliest: "2026-03-11",
        due_latest: "2026-03-20",
        idempotency_key: `payout:${payoutId}`,
        provider_ref: null,
        failure_reason: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const eventId = newId("obx");
    await notifier.handle({
      id: eventId,
      topic: "notify.refund_sent",
      payload: {
        requestId: ev.requestId,
        orderId: ev.orderId,
        clientId: ev.clientId,
        payoutId,
        audience: "client",
        template: "refund_sent",
      },
      attempts: 0,
    });
    await deliverDueWebhooks({ db: t.deps.db, settings }, NOW, 10);
    expect(rx.hits).toHaveLength(1);
    const body = JSON.parse(rx.hits[0]!.body) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe("refund_sent");
    expect(body.data).toEqual({
      requestId: ev.requestId,
      orderId: ev.orderId,
      clientId: ev.clientId,
      payoutId,
      payout: {
        id: payoutId,
        amount: { amount: "4800.00", currency: "USD" },
        method: "card",
        status: "succeeded",
        dueEarliest: "2026-03-11",
        dueLatest: "2026-03-20",
      },
    });
  });
});
