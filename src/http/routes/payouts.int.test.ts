// Payouts through the HTTP API on a real database (SQLite, or PostgreSQL with DATABASE_URL): an
// approval schedules them with their due window; four-eyes and separation of duties; manual
// payouts (bank reference; crypto address, hash, rate and coins); finance's deadline views and the
// overdue alert; the cap on what a payment can give back when two refunds race.

import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertOverduePayouts } from "../../app/payouts/execute.js";
import { remindDestinations } from "../../app/payouts/remind-destinations.js";
import { parse } from "csv-parse/sync";
import { verifyAudit } from "../../db/audit.js";
import { clientRow, orderRow, paymentRow, userRow } from "../../../test/support/db-rows.js";
import { testServer, type TestServer } from "../../../test/support/http.js";

let t: TestServer;
let qa: string;
let admin: string;
let adminId: string;
let fin1: string;
let fin2: string;

beforeAll(async () => {
  t = await testServer();
  const staff = [
    userRow({ role: "qa" }),
    userRow({ role: "admin" }),
    userRow({ role: "finance" }),
    userRow({ role: "finance" }),
  ];
  await t.db.db.insertInto("users").values(staff).execute();
  qa = `qa:${staff[0]!.id}`;
  adminId = staff[1]!.id;
  admin = `admin:${adminId}`;
  fin1 = `finance:${staff[2]!.id}`;
  fin2 = `finance:${staff[3]!.id}`;
});

afterAll(async () => {
  await t.close();
});

// Monday 2 March 2026: +7 business days = Wed 11 March, +14 = Fri 20 March.
const MONDAY = Date.parse("2026-03-02T09:00:00Z");
beforeEach(() => t.setNow(MONDAY));

interface Client {
  clientId: string;
  actor: string;
}

async function newClient(): Promise<Client> {
  const c = clientRow();
  const u = userRow({ role: "client", client_id: c.id });
  await t.db.db.insertInto("clients").values(c).execute();
  await t.db.db.insertInto("users").values(u).execute();
  return { clientId: c.id, actor: `client:${c.id}:${u.id}` };
}

async function newOrder(client: Client, payment: Record<string, unknown> = {}, price = "480000") {
  const order = { ...orderRow(client.clientId), price_minor: price };
  await t.db.db.insertInto("orders").values(order).execute();
  const pay = paymentRow(order, { charge_ref: order.id, amount_minor: price, ...payment });
  await t.db.db.insertInto("payments").values(pay).execute();
  return { order, payment: pay };
}

function send(method: "GET" | "POST" | "PUT", url: string, actor: string, payload?: unknown) {
  return t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { "x-test-actor": actor },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

interface Payout {
  id: string;
  status: string;
  method: string;
  amount: { amount: string; currency: string };
  dueEarliest: string;
  dueLatest: string;
  deadline: string;
  approvalsNeeded: number;
  approvals: unknown[] | null;
  released: boolean;
  awaiting: string | null;
  destination: unknown;
  reference: string | null;
  version: number;
}

/** Submits a not-delivered request and approves the recommended amount as `decider`. */
async function approvedRequest(
  client: Client,
  orderId: string,
  decider = qa,
  reason = "not_delivered",
) {
  const sub = await send("POST", "/requests", client.actor, {
    orderId,
    reason,
    description: "The engagement never started.",
  });
  expect(sub.statusCode, sub.body).toBe(201);
  const req = sub.json<{
    id: string;
    recommendation: { amount: { amount: string; currency: string } };
  }>();
  expect(
    (await send("POST", `/requests/${req.id}/start-review`, decider, { expectedVersion: 1 }))
      .statusCode,
  ).toBe(200);
  const res = await send("POST", `/requests/${req.id}/approve`, decider, {
    expectedVersion: 2,
    amount: req.recommendation.amount,
  });
  expect(res.statusCode, res.body).toBe(200);
  return req.id;
}

async function payoutsOf(requestId: string, actor = fin1): Promise<Payout[]> {
  const res = await send("GET", `/payouts?requestId=${requestId}`, actor);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Payout[] }>().items;
}

function expectProblem(res: LightMyRequestResponse, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
}

describe("scheduling", () => {
  it("an approval schedules one payout per refund line, due 7-14 business days later", async () => {
    const c = await newClient();
    const { order, payment } = await newOrder(c);
    const requestId = await approvedRequest(c, order.id);
    const [p, ...rest] = await payoutsOf(requestId);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      status: "scheduled",
      method: "card",
      paymentId: payment.id,
      amount: { amount: "4800.00", currency: "USD" },
      dueEarliest: "2026-03-11",
      dueLatest: "2026-03-20",
      deadline: "on_track",
      approvalsNeeded: 2,
      released: false,
      awaiting: "approval",
    });

    // The client sees the window and plain words, not who approved or the internals.
    const mine = await payoutsOf(requestId, c.actor);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      view: "client",
      dueEarliest: "2026-03-11",
      dueLatest: "2026-03-20",
      stage: "preparing",
      yourAction: null,
    });
    for (const internal of [
      "approvals",
      "failureReason",
      "providerRef",
      "awaiting",
      "status",
      "note",
      "attempts",
      "decisionId",
    ]) {
      expect(mine[0], internal).not.toHaveProperty(internal);
    }
    const other = await newClient();
    expect(await payoutsOf(requestId, other.actor)).toEqual([]);
    expectProblem(await send("GET", `/payouts/${p!.id}`, other.actor), 404);
    expect((await send("GET", `/payouts/${p!.id}`, c.actor)).statusCode).toBe(200);
  });
});

describe("four-eyes and separation of duties", () => {
  it("needs two different finance people above the threshold, and never the decider", async () => {
    const c = await newClient();
    const { order } = await newOrder(c);
    const requestId = await approvedRequest(c, order.id, admin);
    const [p] = await payoutsOf(requestId);

    // QA may not release money at all; the admin who decided may not release this one.
    expectProblem(
      await send("POST", `/payouts/${p!.id}/approve`, qa, { expectedVersion: p!.version }),
      403,
    );
    const own = await send("POST", `/payouts/${p!.id}/approve`, admin, {
      expectedVersion: p!.version,
    });
    expectProblem(own, 403);
    expect(own.json().detail).toMatch(/you made the decision this payout carries out/);

    const first = await send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: p!.version,
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ released: false, awaiting: "second_approval" });
    const v = first.json<Payout>().version;

    // The same person twice is not four eyes, and the answer says why; a stale version is a 409.
    const twice = await send("POST", `/payouts/${p!.id}/approve`, fin1, { expectedVersion: v });
    expectProblem(twice, 403);
    expect(twice.json().detail).toBe(
      "you already approved this payout; a different finance person must give the second approval",
    );
    expectProblem(
      await send("POST", `/payouts/${p!.id}/approve`, fin2, { expectedVersion: v - 1 }),
      409,
    );

    const second = await send("POST", `/payouts/${p!.id}/approve`, fin2, { expectedVersion: v });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ released: true, awaiting: "provider" });
    const row = await t.db.db
      .selectFrom("payouts")
      .selectAll()
      .where("id", "=", p!.id)
      .executeTakeFirstOrThrow();
    expect(row.next_attempt_at).not.toBeNull();
    expect(JSON.parse(row.approvals)).toHaveLength(2);

    // Released: a third approval is refused and changes nothing.
    const third = await send("POST", `/payouts/${p!.id}/approve`, `finance:${adminId}x`, {
      expectedVersion: second.json<Payout>().version,
    });
    expect(third.statusCode).toBeGreaterThanOrEqual(400);
    expect((await verifyAudit(t.db.db)).ok).toBe(true);
  });
});

describe("manual payouts", () => {
  it("a bank transfer is recorded with its reference, once, and the payment's refunded total grows", async () => {
    const c = await newClient();
    const { order, payment } = await newOrder(c, { method: "bank_transfer" }, "50000");
    const requestId = await approvedRequest(c, order.id);
    const [p] = await payoutsOf(requestId);
    expect(p).toMatchObject({ approvalsNeeded: 1, awaiting: "approval", method: "bank_transfer" });

    // Not released yet: recording is refused.
    expectProblem(
      await send("POST", `/payouts/${p!.id}/record`, fin1, {
        expectedVersion: p!.version,
        reference: "SEPA-1",
      }),
      409,
    );
    const ok = await send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: p!.version,
    });
    expect(ok.json()).toMatchObject({ released: true, awaiting: "record" });
    const v = ok.json<Payout>().version;

    const blank = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "  ",
    });
    expectProblem(blank, 422);
    expect(blank.json().errors[0].path).toBe("reference");
    const extra = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "SEPA-1",
      status: "succeeded",
    });
    expectProblem(extra, 400);

    const rec = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "SEPA-2026-0042",
    });
    expect(rec.statusCode, rec.body).toBe(200);
    expect(rec.json()).toMatchObject({
      status: "succeeded",
      reference: "SEPA-2026-0042",
      deadline: "settled",
    });
    const again = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: rec.json<Payout>().version,
      reference: "SEPA-2026-0042",
    });
    expectProblem(again, 409);

    const pay = await t.db.db
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", payment.id)
      .executeTakeFirstOrThrow();
    expect(pay.refunded_minor).toBe("50000");
    const sent = await t.db.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", "notify.refund_sent")
      .execute();
    expect(sent.filter((s) => JSON.parse(s.payload).payoutId === p!.id)).toHaveLength(1);
    expect((await verifyAudit(t.db.db)).ok).toBe(true);
  });

  it("crypto: the client gives a checked address; finance records the hash, rate and coins", async () => {
    const c = await newClient();
    const { order, payment } = await newOrder(
      c,
      { method: "crypto", currency: "BTC", amount_minor: "1000000" },
      "50000",
    );
    const requestId = await approvedRequest(c, order.id);
    const [p] = await payoutsOf(requestId);
    // fiat-at-payout: the refund is the fiat owed, converted when paid.
    expect(p).toMatchObject({
      method: "crypto",
      amount: { currency: "USD" },
      awaiting: "destination",
    });

    const bad = await send("PUT", `/payouts/${p!.id}/destination`, c.actor, {
      expectedVersion: p!.version,
      network: "bitcoin",
      address: "0x52908400098527886E0F7030069857D2E4169EE7",
    });
    expectProblem(bad, 400);
    expect(bad.json().errors[0].path).toBe("address");
    const wrongNet = await send("PUT", `/payouts/${p!.id}/destination`, c.actor, {
      expectedVersion: p!.version,
      network: "ethereum",
      address: "0x52908400098527886E0F7030069857D2E4169EE7",
    });
    expect(wrongNet.json().errors[0].path).toBe("network");
    // Someone else's payout answers like a missing one; staff may not set it.
    const other = await newClient();
    expectProblem(
      await send("PUT", `/payouts/${p!.id}/destination`, other.actor, {
        expectedVersion: p!.version,
        network: "bitcoin",
        address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      }),
      404,
    );
    expectProblem(
      await send("PUT", `/payouts/${p!.id}/destination`, fin1, {
        expectedVersion: p!.version,
        network: "bitcoin",
        address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      }),
      403,
    );
    const good = await send("PUT", `/payouts/${p!.id}/destination`, c.actor, {
      expectedVersion: p!.version,
      network: "bitcoin",
      address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json()).toMatchObject({
      destination: {
        asset: "BTC",
        network: "bitcoin",
        address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      },
      stage: "preparing",
    });
    expect((await send("GET", `/payouts/${p!.id}`, fin1)).json()).toMatchObject({
      awaiting: "approval",
    });

    const approved = await send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: good.json<Payout>().version,
    });
    const v = approved.json<Payout>().version;
    const hash = "ab".repeat(32);
    const noRate = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: hash,
    });
    expectProblem(noRate, 422);
    expect(noRate.json().errors[0].path).toBe("crypto");
    const noHash = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "pending",
      crypto: { rate: "65000.00", coins: { amount: "0.00769231", currency: "BTC" } },
    });
    expectProblem(noHash, 422);
    for (const rate of ["0", "0.000000000", "-65000", "6.5e4", " 65000", "65,000.00"]) {
      const badRate = await send("POST", `/payouts/${p!.id}/record`, fin1, {
        expectedVersion: v,
        reference: hash,
        crypto: { rate, coins: { amount: "0.00769231", currency: "BTC" } },
      });
      expectProblem(badRate, 400);
      expect(badRate.json().errors[0].path, rate).toBe("crypto.rate");
    }
    const tooPrecise = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: hash,
      crypto: { rate: "65000.00", coins: { amount: "0.000000001", currency: "BTC" } },
    });
    expectProblem(tooPrecise, 400);
    expect(tooPrecise.json().errors[0].path).toBe("crypto.coins.amount");

    const rec = await send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: hash,
      crypto: { rate: "65000.00", coins: { amount: "0.00769231", currency: "BTC" } },
    });
    expect(rec.statusCode, rec.body).toBe(200);
    expect(rec.json()).toMatchObject({
      status: "succeeded",
      reference: hash,
      crypto: { rate: "65000.00", coins: { amount: "0.00769231", currency: "BTC" } },
    });
    const pay = await t.db.db
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", payment.id)
      .executeTakeFirstOrThrow();
    expect(pay.refunded_minor).toBe("769231");
  });
});

describe("deadlines", () => {
  it("lists due today, at risk and overdue payouts and raises one overdue alert each", async () => {
    const c = await newClient();
    const { order } = await newOrder(c, { method: "bank_transfer" }, "20000");
    const requestId = await approvedRequest(c, order.id);
    const [p] = await payoutsOf(requestId);
    const ids = async (deadline: string) =>
      (await send("GET", `/payouts?deadline=${deadline}&limit=200`, fin1))
        .json<{ items: Payout[] }>()
        .items.map((x) => x.id);

    expect(await ids("open")).toContain(p!.id);
    expect(await ids("at_risk")).not.toContain(p!.id);
    // Wed 18 March: two business days to Fri 20 -> at risk.
    t.setNow(Date.parse("2026-03-18T10:00:00Z"));
    expect(await ids("at_risk")).toContain(p!.id);
    expect((await send("GET", `/payouts/${p!.id}`, fin1)).json()).toMatchObject({
      deadline: "at_risk",
    });
    t.setNow(Date.parse("2026-03-20T10:00:00Z"));
    expect(await ids("due_today")).toContain(p!.id);
    expect(await ids("overdue")).not.toContain(p!.id);
    t.setNow(Date.parse("2026-03-23T10:00:00Z"));
    expect(await ids("overdue")).toContain(p!.id);
    const summary = await send("GET", "/payouts/summary", fin1);
    expect(summary.statusCode, summary.body).toBe(200);
    expect(summary.json().overdue).toBeGreaterThanOrEqual(1);
    expectProblem(await send("GET", "/payouts/summary", c.actor), 403);

    // The alert goes out once per payout, however often the worker looks.
    await alertOverduePayouts(t.deps, "2026-03-23");
    await alertOverduePayouts(t.deps, "2026-03-24");
    const alerts = await t.db.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", "notify.payout_overdue")
      .execute();
    expect(alerts.filter((a) => JSON.parse(a.payload).payoutId === p!.id)).toHaveLength(1);
    expect((await verifyAudit(t.db.db)).ok).toBe(true);
  });

  it("the summary's grouped counts equal the lists' counts, figure by figure", async () => {
    const c = await newClient();
    // Eight payouts spread over statuses, due days, approvals and parking.
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { order } = await newOrder(c, { method: "bank_transfer" }, "20000");
      const [p] = await payoutsOf(await approvedRequest(c, order.id));
      ids.push(p!.id);
    }
    const set = (id: string, row: Record<string, unknown>) =>
      t.db.db.updateTable("payouts").set(row).where("id", "=", id).execute();
    const approvals = JSON.stringify([{ userId: adminId, at: MONDAY }]);
    await set(ids[0]!, { due_latest: "2026-03-01" }); // overdue
    // Due today; 200.00 needs one approval, so with it the bank payout awaits finance's record.
    await set(ids[1]!, { due_latest: "2026-03-02", approvals });
    await set(ids[2]!, { due_latest: "2026-03-03" }); // at risk
    await set(ids[3]!, { status: "pending", due_latest: "2026-03-01" });
    await set(ids[4]!, { status: "unknown", parked_at: "2026-03-02T08:00:00.000Z" });
    // Failed and past its date: overdue (the promise is broken), not just needing action.
    await set(ids[5]!, { status: "failed", due_latest: "2026-03-01" });
    await set(ids[6]!, { status: "submitting" });
    await set(ids[7]!, { status: "succeeded", due_latest: "2026-03-02" }); // not due: succeeded

    const count = async (query: string) => {
      let n = 0;
      let cursor: string | null = null;
      do {
        const after: string = cursor === null ? "" : `&cursor=${cursor}`;
        const page = (await send("GET", `/payouts?${query}&limit=200${after}`, fin1)).json<{
          items: unknown[];
          nextCursor: string | null;
        }>();
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
      return n;
    };
    const res = await send("GET", "/payouts/summary", fin1);
    expect(res.statusCode, res.body).toBe(200);
    const summary = res.json<Record<string, unknown>>();
    expect(summary).toEqual({
      today: "2026-03-02",
      dueToday: await count("deadline=due_today"),
      overdue: await count("deadline=overdue"),
      atRisk: await count("deadline=at_risk"),
      onTrack: await count("deadline=on_track"),
      needsAction: await count("deadline=needs_action"),
      awaitingApproval: await count("awaiting=approval"),
      awaitingSecondApproval: await count("awaiting=second_approval"),
      awaitingDestination: await count("awaiting=destination"),
      awaitingRecord: await count("awaiting=record"),
      awaitingProvider: await count("awaiting=provider"),
      awaitingAction: await count("awaiting=action"),
      inFlight: (await count("status=submitting")) + (await count("status=pending")),
      unknown: await count("status=unknown"),
      parked: await count("parked=true"),
      failed: await count("status=failed"),
    });
    // Each of the spread payouts shows up where it should (other tests' payouts add to these).
    for (const key of ["dueToday", "overdue", "atRisk", "awaitingRecord", "inFlight"]) {
      expect(summary[key], key).toBeGreaterThanOrEqual(1);
    }
    for (const key of ["unknown", "parked", "failed", "needsAction", "awaitingAction"]) {
      expect(summary[key], key).toBeGreaterThanOrEqual(1);
    }
    expectProblem(await send("GET", "/payouts/summary", qa), 403);
  });

  it("refuses bad filters naming the parameter", async () => {
    const res = await send("GET", "/payouts?deadline=soon", fin1);
    expectProblem(res, 400);
    expect(res.body).toContain("deadline");
    expectProblem(await send("GET", "/payouts?cursor=!!", fin1), 400);
  });
});

describe("the payment's cap", () => {
  it("two refunds racing on one payment whose sum exceeds the capture: exactly one goes through", async () => {
    const c = await newClient();
    const { order } = await newOrder(c, { method: "bank_transfer" }, "50000");
    const ids: string[] = [];
    for (const reason of ["not_delivered", "other"]) {
      const sub = await send("POST", "/requests", c.actor, {
        orderId: order.id,
        reason,
        description: "Please refund.",
      });
      expect(sub.statusCode, sub.body).toBe(201);
      const id = sub.json<{ id: string }>().id;
      expect(
        (await send("POST", `/requests/${id}/start-review`, qa, { expectedVersion: 1 })).statusCode,
      ).toBe(200);
      ids.push(id);
    }
    const results = await Promise.all(
      ids.map((id) =>
        send("POST", `/requests/${id}/approve`, qa, {
          expectedVersion: 2,
          amount: { amount: "300.00", currency: "USD" },
          justification: "goodwill",
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 422]);
    const payouts = await t.db.db
      .selectFrom("payouts")
      .select("amount_minor")
      .where("request_id", "in", ids)
      .execute();
    expect(payouts.reduce((s, p) => s + BigInt(p.amount_minor), 0n)).toBe(30000n);
  });
});

describe("awaiting and deadline: one definition for the field, the filters and the counts", () => {
  it("a bank payout with both approvals awaits its record; a crypto one without address awaits it", async () => {
    const c = await newClient();
    // Bank transfer above the four-eyes threshold, approved by two finance people.
    const bank = await newOrder(c, { method: "bank_transfer" });
    const [b] = await payoutsOf(await approvedRequest(c, bank.order.id));
    const first = await send("POST", `/payouts/${b!.id}/approve`, fin1, {
      expectedVersion: b!.version,
    });
    const both = await send("POST", `/payouts/${b!.id}/approve`, fin2, {
      expectedVersion: first.json<Payout>().version,
    });
    expect(both.json()).toMatchObject({ released: true, awaiting: "record" });
    // Crypto, approved once, no address yet.
    const crypto = await newOrder(
      c,
      { method: "crypto", currency: "BTC", amount_minor: "1000000" },
      "50000",
    );
    const [k] = await payoutsOf(await approvedRequest(c, crypto.order.id));
    const kApproved = await send("POST", `/payouts/${k!.id}/approve`, fin1, {
      expectedVersion: k!.version,
    });
    expect(kApproved.json()).toMatchObject({ awaiting: "destination" });
    // A card payout that failed at the provider, and one parked by the worker.
    const failedCard = await newOrder(c);
    const [f] = await payoutsOf(await approvedRequest(c, failedCard.order.id));
    await t.db.db
      .updateTable("payouts")
      .set({ status: "failed", failure_reason: "expired_or_canceled_card" })
      .where("id", "=", f!.id)
      .execute();
    const parkedCard = await newOrder(c);
    const [pk] = await payoutsOf(await approvedRequest(c, parkedCard.order.id));
    await t.db.db
      .updateTable("payouts")
      .set({ status: "unknown", parked_at: new Date(MONDAY).toISOString() })
      .where("id", "=", pk!.id)
      .execute();
    expect((await send("GET", `/payouts/${f!.id}`, fin1)).json()).toMatchObject({
      awaiting: "action",
      deadline: "needs_action",
    });
    expect((await send("GET", `/payouts/${pk!.id}`, fin1)).json()).toMatchObject({
      awaiting: "action",
      deadline: "needs_action",
    });

    // Every payout, paged through, then each filter against the payouts' own fields.
    const all: Payout[] = [];
    let cursor: string | null = null;
    do {
      const res = await send(
        "GET",
        `/payouts?limit=7${cursor === null ? "" : `&cursor=${cursor}`}`,
        fin1,
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ items: Payout[]; nextCursor: string | null }>();
      all.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor !== null);
    const filtered = async (query: string): Promise<string[]> => {
      const ids: string[] = [];
      let next: string | null = null;
      do {
        const res = await send(
          "GET",
          `/payouts?${query}&limit=3${next === null ? "" : `&cursor=${next}`}`,
          fin1,
        );
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json<{ items: Payout[]; nextCursor: string | null }>();
        ids.push(...body.items.map((i) => i.id));
        next = body.nextCursor;
      } while (next !== null);
      return ids.sort();
    };
    const summary = (await send("GET", "/payouts/summary", fin1)).json<Record<string, number>>();
    const awaitingKeys: Record<string, string> = {
      approval: "awaitingApproval",
      second_approval: "awaitingSecondApproval",
      destination: "awaitingDestination",
      record: "awaitingRecord",
      provider: "awaitingProvider",
      action: "awaitingAction",
    };
    for (const [value, key] of Object.entries(awaitingKeys)) {
      const expected = all
        .filter((p) => p.awaiting === value)
        .map((p) => p.id)
        .sort();
      expect(await filtered(`awaiting=${value}`), value).toEqual(expected);
      expect(summary[key], key).toBe(expected.length);
    }
    expect(await filtered("awaiting=record")).toContain(b!.id);
    expect(await filtered("awaiting=destination")).toContain(k!.id);
    expect(await filtered("awaiting=second_approval")).not.toContain(b!.id);
    expect(await filtered("awaiting=approval")).not.toContain(k!.id);
    const deadlineKeys: Record<string, string> = {
      due_today: "dueToday",
      overdue: "overdue",
      at_risk: "atRisk",
      on_track: "onTrack",
      needs_action: "needsAction",
    };
    for (const [value, key] of Object.entries(deadlineKeys)) {
      const expected = all
        .filter((p) => p.deadline === value)
        .map((p) => p.id)
        .sort();
      expect(await filtered(`deadline=${value}`), value).toEqual(expected);
      expect(summary[key], key).toBe(expected.length);
    }
    expect(await filtered("deadline=needs_action")).toEqual(
      expect.arrayContaining([f!.id, pk!.id]),
    );
    // Later, past the 14 business days: the failed payout is overdue, not just needing action.
    t.setNow(Date.parse("2026-03-30T09:00:00Z"));
    expect((await send("GET", `/payouts/${f!.id}`, fin1)).json()).toMatchObject({
      deadline: "overdue",
    });
    expect(await filtered("deadline=overdue")).toContain(f!.id);
  });
});

describe("finance's list fields and CSV export", () => {
  it("lists client, order, method, amount, window and what it waits on; exports the filtered list", async () => {
    const c = clientRow({ name: '=cmd|" /C calc"!A0, "Evil" Ltd' });
    const u = userRow({ role: "client", client_id: c.id });
    await t.db.db.insertInto("clients").values(c).execute();
    await t.db.db.insertInto("users").values(u).execute();
    const client = { clientId: c.id, actor: `client:${c.id}:${u.id}` };
    const { order } = await newOrder(client, { method: "bank_transfer" }, "50000");
    const requestId = await approvedRequest(client, order.id);
    const [p] = await payoutsOf(requestId);
    expect(p).toMatchObject({
      clientName: c.name,
      orderId: order.id,
      method: "bank_transfer",
      amount: { amount: "500.00", currency: "USD" },
      dueEarliest: "2026-03-11",
      dueLatest: "2026-03-20",
      awaiting: "approval",
    });

    const res = await send("GET", `/payouts/export.csv?requestId=${requestId}`, fin1);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers["content-disposition"]).toBe('attachment; filename="payouts.csv"');
    const [header, ...rows]: string[][] = parse(res.body);
    expect(rows).toHaveLength(1);
    const row = Object.fromEntries(header!.map((h, i) => [h, rows[0]![i]]));
    expect(row).toMatchObject({
      payout_id: p!.id,
      client: `'${c.name}`,
      order_id: order.id,
      method: "bank_transfer",
      amount: "500.00",
      currency: "USD",
      awaiting: "approval",
      due_latest: "2026-03-20",
    });
    // The same filters as the list: nothing awaits a record yet for this request.
    const none = await send(
      "GET",
      `/payouts/export.csv?requestId=${requestId}&awaiting=record`,
      fin1,
    );
    expect(none.body.split("\r\n").filter(Boolean)).toHaveLength(1);
    // Finance only; strict query.
    expectProblem(await send("GET", "/payouts/export.csv", client.actor), 403);
    expectProblem(await send("GET", "/payouts/export.csv", qa), 403);
    expectProblem(await send("GET", "/payouts/export.csv?limit=5", fin1), 400);
  });
});

describe("crypto: the client is asked for the wallet address, and reminded", () => {
  it("asks at approval with a link, reminds once after 3 business days, not once given", async () => {
    const c = await newClient();
    const topics = async (payoutId: string) =>
      (await t.db.db.selectFrom("outbox").select(["topic", "payload"]).execute())
        .filter((r) => JSON.parse(r.payload).payoutId === payoutId)
        .map((r) => r.topic);
    const crypto = () =>
      newOrder(c, { method: "crypto", currency: "BTC", amount_minor: "1000000" }, "50000");
    const first = await crypto();
    const [p] = await payoutsOf(await approvedRequest(c, first.order.id));
    const second = await crypto();
    const [q] = await payoutsOf(await approvedRequest(c, second.order.id));
    expect(await topics(p!.id)).toEqual(["notify.destination_needed"]);
    // q's client gives the address: no reminder for it.
    const given = await send("PUT", `/payouts/${q!.id}/destination`, c.actor, {
      expectedVersion: q!.version,
      network: "bitcoin",
      address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    });
    expect(given.statusCode, given.body).toBe(200);

    // Asked Monday 2 March: Wednesday is two business days later, Thursday three.
    t.setNow(Date.parse("2026-03-04T09:00:00Z"));
    expect(await remindDestinations(t.deps, "2026-03-04")).toBe(0);
    t.setNow(Date.parse("2026-03-05T09:00:00Z"));
    expect(await remindDestinations(t.deps, "2026-03-05")).toBeGreaterThanOrEqual(1);
    expect(await remindDestinations(t.deps, "2026-03-06")).toBe(0);
    expect(await topics(p!.id)).toEqual([
      "notify.destination_needed",
      "notify.destination_reminder",
    ]);
    expect(await topics(q!.id)).toEqual(["notify.destination_needed"]);
    expect((await verifyAudit(t.db.db)).ok).toBe(true);
  });
});

describe("the recommendation counts earlier refunds (issue 11, bug 4)", () => {
  it("an order refunded in full gets no new refund line, and the client is told why", async () => {
    const c = await newClient();
    const { order, payment } = await newOrder(c, { method: "bank_transfer" }, "90000");
    await t.db.db
      .updateTable("payments")
      .set({ refunded_minor: "90000" })
      .where("id", "=", payment.id)
      .execute();
    const filed = await send("POST", "/requests", c.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "The engagement never started.",
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const rec = filed.json().recommendation;
    expect(rec).toMatchObject({ outcome: "deny", refunds: [], autoApprove: false });
    expect(rec.amount).toEqual({ amount: "0.00", currency: "USD" });
    expect(rec.explanation).toMatch(/already refunded in full/);
  });

  it("a half-refunded order: the line is capped at what the payment may still give back", async () => {
    const c = await newClient();
    const { order, payment } = await newOrder(c, { method: "bank_transfer" }, "90000");
    await t.db.db
      .updateTable("payments")
      .set({ refunded_minor: "30000" })
      .where("id", "=", payment.id)
      .execute();
    const filed = await send("POST", "/requests", c.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "The engagement never started.",
    });
    const rec = filed.json().recommendation;
    expect(rec.outcome).toBe("refund");
    expect(rec.amount).toEqual({ amount: "600.00", currency: "USD" });
    expect(rec.refunds).toEqual([
      {
        paymentId: payment.id,
        method: "bank_transfer",
        amount: { amount: "600.00", currency: "USD" },
      },
    ]);
    expect(rec.explanation).toMatch(/300\.00 USD of it was already refunded/);
  });
});

describe("actions: what each person may do with a payout now, decided by the server", () => {
  interface Act {
    name: string;
    permission: string;
    allowed: boolean;
    reasonCode: string | null;
    reason: string | null;
  }
  async function actionsOf(id: string, actor: string): Promise<Act[]> {
    const res = await send("GET", `/payouts/${id}`, actor);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ actions: Act[] }>().actions;
  }
  const short = (acts: Act[]) => acts.map((a) => `${a.name}:${a.allowed ? "yes" : a.reasonCode}`);

  it("four-eyes per role: the decider and the first approver are told why; the list agrees", async () => {
    const c = await newClient();
    const { order } = await newOrder(c);
    const requestId = await approvedRequest(c, order.id, admin);
    const [p] = await payoutsOf(requestId);
    expect(short(await actionsOf(p!.id, fin1))).toEqual(["approve:yes"]);
    expect(await actionsOf(p!.id, qa)).toEqual([]);
    expect(await actionsOf(p!.id, c.actor)).toEqual([]);
    const own = await actionsOf(p!.id, admin);
    expect(own).toEqual([
      {
        name: "approve",
        permission: "payout.execute",
        allowed: false,
        reasonCode: "own_decision",
        reason:
          "you made the decision this payout carries out; a different finance person must act on it",
      },
    ]);

    const first = await send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: p!.version,
    });
    expect(first.statusCode, first.body).toBe(200);
    // The answer to the approval carries the approver's actions as they now stand.
    expect(short(first.json<{ actions: Act[] }>().actions)).toEqual([
      "approve:gave_first_approval",
    ]);
    const mine = await actionsOf(p!.id, fin1);
    expect(mine[0]).toMatchObject({ permission: "payout.approve_second", allowed: false });
    expect(mine[0]!.reason).toBe(
      "you already approved this payout; a different finance person must give the second approval",
    );
    expect(short(await actionsOf(p!.id, fin2))).toEqual(["approve:yes"]);
    // The list items carry the same actions as the payout itself.
    const [listed] = await send("GET", `/payouts?requestId=${requestId}`, fin2).then(
      (r) => r.json<{ items: { actions: Act[] }[] }>().items,
    );
    expect(listed!.actions).toEqual(await actionsOf(p!.id, fin2));

    // What the server offers, it accepts.
    const second = await send("POST", `/payouts/${p!.id}/approve`, fin2, {
      expectedVersion: first.json<Payout>().version,
    });
    expect(second.statusCode, second.body).toBe(200);
    for (const who of [fin1, fin2, admin, qa, c.actor])
      expect(await actionsOf(p!.id, who)).toEqual([]);
  });

  it("crypto: the client may give the address; finance approves, then records", async () => {
    const c = await newClient();
    const other = await newClient();
    const { order } = await newOrder(
      c,
      { method: "crypto", currency: "BTC", amount_minor: "1000000" },
      "50000",
    );
    const [p] = await payoutsOf(await approvedRequest(c, order.id));
    expect(short(await actionsOf(p!.id, c.actor))).toEqual(["set_destination:yes"]);
    expectProblem(await send("GET", `/payouts/${p!.id}`, other.actor), 404);
    expect(short(await actionsOf(p!.id, fin1))).toEqual(["approve:yes"]);
    const given = await send("PUT", `/payouts/${p!.id}/destination`, c.actor, {
      expectedVersion: p!.version,
      network: "bitcoin",
      address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    });
    expect(given.statusCode, given.body).toBe(200);
    const approved = await send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: given.json<Payout>().version,
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(short(await actionsOf(p!.id, fin2))).toEqual(["record:yes"]);
    // The client may still correct the address until it is sent.
    expect(short(await actionsOf(p!.id, c.actor))).toEqual(["set_destination:yes"]);
  });

  it("a failed card payout: retry, reissue, paid elsewhere; an unusable card says why not", async () => {
    const c = await newClient();
    const { order } = await newOrder(c);
    const [p] = await payoutsOf(await approvedRequest(c, order.id, admin));
    await t.db.db
      .updateTable("payouts")
      .set({ status: "failed", failure_reason: "insufficient_funds" })
      .where("id", "=", p!.id)
      .execute();
    expect(short(await actionsOf(p!.id, fin1))).toEqual([
      "retry:yes",
      "reissue:yes",
      "record_outside:yes",
    ]);
    expect(short(await actionsOf(p!.id, admin))).toEqual([
      "retry:own_decision",
      "reissue:own_decision",
      "record_outside:own_decision",
    ]);
    expect(await actionsOf(p!.id, qa)).toEqual([]);
    await t.db.db
      .updateTable("payouts")
      .set({ failure_reason: "expired_or_canceled_card" })
      .where("id", "=", p!.id)
      .execute();
    const acts = await actionsOf(p!.id, fin1);
    expect(short(acts)).toEqual(["retry:card_unusable", "reissue:yes", "record_outside:yes"]);
    expect(acts[0]!.reason).toMatch(/reissue the payout by another method/);
    // The server refuses the retry it did not offer.
    expectProblem(
      await send("POST", `/payouts/${p!.id}/retry`, fin1, { expectedVersion: p!.version }),
      409,
    );
  });
});
