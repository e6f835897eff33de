// The demo story (issue 11): what `npm start` runs (the service with the demo company, the
// in-process worker and the Stripe stand-in), driven over real HTTP with the demo sign-ins, on
// SQLite (npm test) or PostgreSQL (DATABASE_URL). Each refund goes from the request to the money
// and the client's e-mail: a not-delivered card refund (four-eyes by the two finance users), the
// duplicate payment, a bank transfer, a crypto refund to the client's address, a card refund that
// fails and is reissued by bank transfer, and a card payment recorded after start (its charge
// reaches the stand-in). This test is what keeps the demo working.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  serviceOptionsFromEnv,
  startService,
  type RunningService,
} from "../../src/service/start.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

const PASSWORD = "demo-password-2026";

let db: TestDatabase;
let s: RunningService;
const sessions = new Map<string, { cookie: string; csrf: string }>();

beforeAll(async () => {
  db = await freshDatabase({ migrate: false });
  const env = serviceOptionsFromEnv({ PORT: "0" });
  s = await startService({
    ...env,
    database: db.options,
    demo: true,
    logger: false,
    workerIdleMs: 20,
    notify: { ...env.notify!, mailDir: `${db.options.dataDir ?? "/tmp"}/mail-demo-story` },
  });
  expect(s.standIn).not.toBeNull();
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await db?.close();
});

const WHO = {
  alice: "alice@acme.example",
  bob: "bob@globex.example",
  quinn: "quinn@prosphere.example",
  fran: "fran@prosphere.example",
  finn: "finn@prosphere.example",
  ada: "ada@prosphere.example",
} as const;
type Who = keyof typeof WHO;

async function session(who: Who) {
  const known = sessions.get(who);
  if (known !== undefined) return known;
  const r = await fetch(`${s.url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: WHO[who], password: PASSWORD }),
  });
  expect(r.status, WHO[who]).toBe(200);
  const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  const made = { cookie, csrf: csrfToken };
  sessions.set(who, made);
  return made;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function api(method: string, path: string, who: Who, body?: unknown): Promise<Json> {
  const { cookie, csrf } = await session(who);
  const r = await fetch(`${s.url}/api/v1${path}`, {
    method,
    headers: {
      cookie,
      "x-csrf-token": csrf,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path} as ${who}: ${r.status} ${text}`);
  return text === "" ? null : JSON.parse(text);
}

async function requestOn(orderId: string): Promise<Json> {
  const list = await api("GET", `/requests?limit=100`, "quinn");
  const found = (list.items as Json[]).find((r) => r.orderId === orderId);
  if (found === undefined) throw new Error(`no request on ${orderId}`);
  return api("GET", `/requests/${found.id}`, "quinn");
}

/** QA takes the request into review and approves the recommended amount (or `amount`). */
async function qaApproves(request: Json, amount?: Json, justification?: string): Promise<void> {
  const reviewed = await api("POST", `/requests/${request.id}/start-review`, "quinn", {
    expectedVersion: request.version,
  });
  await api("POST", `/requests/${request.id}/approve`, "quinn", {
    expectedVersion: reviewed.version,
    amount: amount ?? request.recommendation.amount,
    ...(justification === undefined ? {} : { justification }),
  });
}

async function payoutsOf(requestId: string, who: Who = "fran"): Promise<Json[]> {
  return (await api("GET", `/payouts?requestId=${requestId}`, who)).items;
}

/** Finance releases a payout: Fran approves, and Finn gives the second approval where needed. */
async function financeReleases(payout: Json): Promise<Json> {
  let p = await api("POST", `/payouts/${payout.id}/approve`, "fran", {
    expectedVersion: payout.version,
  });
  if (!p.released) {
    p = await api("POST", `/payouts/${payout.id}/approve`, "finn", { expectedVersion: p.version });
  }
  expect(p.released).toBe(true);
  return p;
}

async function until(payoutId: string, status: string, ms = 20_000): Promise<Json> {
  const end = Date.now() + ms;
  for (;;) {
    const p = await api("GET", `/payouts/${payoutId}`, "fran");
    if (p.status === status) return p;
    if (Date.now() > end) throw new Error(`payout ${payoutId} is ${p.status}, not ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The e-mail the client got (or will get once the worker relays it) for the payout. */
async function emailed(to: string, topic: string, payoutId: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const rows = await db.db
      .selectFrom("notification_deliveries")
      .innerJoin("outbox", "outbox.id", "notification_deliveries.outbox_id")
      .select(["notification_deliveries.recipient", "outbox.payload"])
      .where("notification_deliveries.topic", "=", topic)
      .execute();
    if (rows.some((r) => r.recipient === to && JSON.parse(r.payload).payoutId === payoutId)) return;
    if (Date.now() > end) throw new Error(`no ${topic} e-mail to ${to} for ${payoutId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the demo story", () => {
  it("not delivered, paid by card: QA approves, four-eyes releases, the stand-in refunds", async () => {
    const request = await requestOn("ORD-1001");
    expect(request.reason).toBe("not_delivered");
    await qaApproves(request);
    const [p] = await payoutsOf(request.id);
    expect(p).toMatchObject({ method: "card", clientName: "Acme Networks", orderId: "ORD-1001" });
    await financeReleases(p);
    const paid = await until(p.id, "succeeded");
    expect(paid.providerRef).toMatch(/^re_/);
    await emailed(WHO.alice, "notify.refund_sent", p.id);
    const mine = await api("GET", `/payouts/${p.id}`, "alice");
    expect(mine).toMatchObject({ view: "client", stage: "sent" });
  });

  it("the duplicate card payment: its own case, approved by the policy, refunded", async () => {
    const request = await requestOn("ORD-1007");
    expect(request.status).toBe("approved");
    const [p] = await payoutsOf(request.id);
    await financeReleases(p);
    await until(p.id, "succeeded");
    await emailed(WHO.bob, "notify.refund_sent", p.id);
  });

  it("a bank transfer: finance records the transfer it sent", async () => {
    const filed = await api("POST", "/requests", "alice", {
      orderId: "ORD-1003",
      reason: "not_delivered",
      description: "We gave up on the engagement; please refund the transfer.",
    });
    const request = await api("GET", `/requests/${filed.id}`, "quinn");
    await qaApproves(
      request,
      { amount: "1200.00", currency: "USD" },
      "Goodwill: a quarter back for the access trouble on both sides.",
    );
    const [p] = await payoutsOf(request.id);
    expect(p).toMatchObject({ method: "bank_transfer", awaiting: "approval" });
    const released = await financeReleases(p);
    expect(released.awaiting).toBe("record");
    const done = await api("POST", `/payouts/${p.id}/record`, "fran", {
      expectedVersion: released.version,
      reference: "SEPA-DEMO-0001",
    });
    expect(done.status).toBe("succeeded");
    await emailed(WHO.alice, "notify.refund_sent", p.id);
  });

  it("a crypto refund: the client is asked for its address, finance records the hash", async () => {
    const filed = await api("POST", "/requests", "bob", {
      orderId: "ORD-1008",
      reason: "not_delivered",
      description: "The test never started; refund the bitcoin payment please.",
    });
    const request = await api("GET", `/requests/${filed.id}`, "quinn");
    await qaApproves(request);
    const [asked] = await payoutsOf(request.id, "bob");
    expect(asked).toMatchObject({ view: "client", stage: "needs_your_details" });
    await emailed(WHO.bob, "notify.destination_needed", asked.id);
    const given = await api("PUT", `/payouts/${asked.id}/destination`, "bob", {
      expectedVersion: asked.version,
      network: "bitcoin",
      address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    });
    const p = await api("GET", `/payouts/${given.id}`, "fran");
    const released = await financeReleases(p);
    expect(released.awaiting).toBe("record");
    const fiat = released.amount.currency !== "BTC";
    const done = await api("POST", `/payouts/${p.id}/record`, "fran", {
      expectedVersion: released.version,
      reference: "ab".repeat(32),
      ...(fiat
        ? { crypto: { rate: "93000.00", coins: { amount: "0.05000000", currency: "BTC" } } }
        : {}),
    });
    expect(done.status).toBe("succeeded");
    await emailed(WHO.bob, "notify.refund_sent", p.id);
  });

  it("a card refund that fails is reissued by bank transfer to the client's account", async () => {
    const request = await requestOn("ORD-2001");
    await qaApproves(request);
    const [p] = await payoutsOf(request.id);
    s.standIn!.queue("refunds.create", {
      kind: "status",
      status: "failed",
      failureReason: "expired_or_canceled_card",
    });
    await financeReleases(p);
    const failed = await until(p.id, "failed");
    expect(failed).toMatchObject({ awaiting: "action" });
    await emailed(WHO.fran, "notify.payout_needs_action", p.id);
    await emailed(WHO.alice, "notify.refund_failed", p.id);
    const next = await api("POST", `/payouts/${p.id}/reissue`, "fran", {
      expectedVersion: failed.version,
      method: "bank_transfer",
      justification: "The card expired; refunding by bank transfer instead.",
    });
    expect(next).toMatchObject({ method: "bank_transfer", awaiting: "destination" });
    await emailed(WHO.alice, "notify.destination_needed", next.id);
    const mine = await api("GET", `/payouts/${next.id}`, "alice");
    const given = await api("PUT", `/payouts/${next.id}/destination`, "alice", {
      expectedVersion: mine.version,
      accountHolder: "Acme Networks",
      iban: "DE89 3704 0044 0532 0130 00",
    });
    let ready = await api("GET", `/payouts/${given.id}`, "finn");
    if (!ready.released) {
      ready = await api("POST", `/payouts/${next.id}/approve`, "finn", {
        expectedVersion: ready.version,
      });
    }
    expect(ready.awaiting).toBe("record");
    const done = await api("POST", `/payouts/${next.id}/record`, "fran", {
      expectedVersion: ready.version,
      reference: "SEPA-DEMO-0002",
    });
    expect(done.status).toBe("succeeded");
    await emailed(WHO.alice, "notify.refund_sent", next.id);
    expect(await api("GET", `/payouts/${p.id}`, "fran")).toMatchObject({ status: "reissued" });
  });

  it("a card payment recorded after start is refunded through the stand-in", async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const order = await api("POST", "/orders", "ada", {
      id: "ORD-3001",
      clientId: (await api("GET", "/requests?limit=1", "alice")).items[0].clientId,
      service: { name: "Firewall review", category: "audit", billing: "one_off" },
      price: { amount: "600.00", currency: "USD" },
      placedAt: iso(now - 20 * 86_400_000),
      promisedStartBy: iso(now - 13 * 86_400_000),
      startedAt: null,
      deliveredAt: null,
    });
    await api("POST", "/payments", "ada", {
      orderId: order.id,
      chargeRef: order.id,
      amount: { amount: "600.00", currency: "USD" },
      method: "card",
      capturedAt: iso(now - 20 * 86_400_000 + 60_000),
      providerRef: "ch_demoORD3001n1",
    });
    expect(s.standIn!.charge("ch_demoORD3001n1")).toBeNull();
    const filed = await api("POST", "/requests", "alice", {
      orderId: "ORD-3001",
      reason: "not_delivered",
      description: "The review never started.",
    });
    const request = await api("GET", `/requests/${filed.id}`, "quinn");
    await qaApproves(request);
    const [p] = await payoutsOf(request.id);
    await financeReleases(p);
    await until(p.id, "succeeded");
    expect(s.standIn!.charge("ch_demoORD3001n1")).toMatchObject({ amountRefunded: 60_000 });
    await emailed(WHO.alice, "notify.refund_sent", p.id);
  });
});
