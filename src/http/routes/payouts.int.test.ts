// Payouts through the HTTP API on a real database (SQLite, or PostgreSQL with DATABASE_URL): an
// approval schedules them with their due window; four-eyes and separation of duties; manual
// payouts (bank reference; crypto address, hash, rate and coins); finance's deadline views and the
// overdue alert; the cap on what a payment can give back when two refunds race.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertOverduePayouts } from "../../app/payouts/execute.js";
import { verifyAudit } from "../../db/audit.js";
import {
  apiCalls,
  expectProblem,
  newClient,
  newOrder,
  type ApiCalls,
  type TestClient,
} from "../../../test/support/api-world.js";
import { userRow } from "../../../test/support/db-rows.js";
import { testServer, type TestServer } from "../../../test/support/http.js";

let t: TestServer;
let api: ApiCalls;
let qa: string;
let admin: string;
let adminId: string;
let fin1: string;
let fin2: string;

beforeAll(async () => {
  t = await testServer();
  api = apiCalls(t);
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

/** An order of `price` minor units (USD) paid in full by the given payment (card by default). */
function paidOrder(client: TestClient, payment: Record<string, unknown> = {}, price = "480000") {
  return newOrder(t, client, {
    order: { price_minor: price },
    payment: { amount_minor: price, ...payment },
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
  client: TestClient,
  orderId: string,
  decider = qa,
  reason = "not_delivered",
) {
  const sub = await api.send("POST", "/requests", client.actor, {
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
    (await api.send("POST", `/requests/${req.id}/start-review`, decider, { expectedVersion: 1 }))
      .statusCode,
  ).toBe(200);
  const res = await api.send("POST", `/requests/${req.id}/approve`, decider, {
    expectedVersion: 2,
    amount: req.recommendation.amount,
  });
  expect(res.statusCode, res.body).toBe(200);
  return req.id;
}

async function payoutsOf(requestId: string, actor = fin1): Promise<Payout[]> {
  const res = await api.send("GET", `/payouts?requestId=${requestId}`, actor);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Payout[] }>().items;
}

describe("scheduling", () => {
  it("an approval schedules one payout per refund line, due 7-14 business days later", async () => {
    const c = await newClient(t);
    const { order, payment } = await paidOrder(c);
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

    // The client sees the window, not who approved.
    const mine = await payoutsOf(requestId, c.actor);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      dueEarliest: "2026-03-11",
      dueLatest: "2026-03-20",
      approvals: null,
    });
    const other = await newClient(t);
    expect(await payoutsOf(requestId, other.actor)).toEqual([]);
    expectProblem(await api.send("GET", `/payouts/${p!.id}`, other.actor), 404);
    expect((await api.send("GET", `/payouts/${p!.id}`, c.actor)).statusCode).toBe(200);
  });
});

describe("four-eyes and separation of duties", () => {
  it("needs two different finance people above the threshold, and never the decider", async () => {
    const c = await newClient(t);
    const { order } = await paidOrder(c);
    const requestId = await approvedRequest(c, order.id, admin);
    const [p] = await payoutsOf(requestId);

    // QA may not release money at all; the admin who decided may not release this one.
    expectProblem(
      await api.send("POST", `/payouts/${p!.id}/approve`, qa, { expectedVersion: p!.version }),
      403,
    );
    expectProblem(
      await api.send("POST", `/payouts/${p!.id}/approve`, admin, { expectedVersion: p!.version }),
      403,
    );

    const first = await api.send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: p!.version,
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ released: false, awaiting: "second_approval" });
    const v = first.json<Payout>().version;

    // The same person twice is not four eyes; a stale version is a 409.
    expectProblem(
      await api.send("POST", `/payouts/${p!.id}/approve`, fin1, { expectedVersion: v }),
      403,
    );
    expectProblem(
      await api.send("POST", `/payouts/${p!.id}/approve`, fin2, { expectedVersion: v - 1 }),
      409,
    );

    const second = await api.send("POST", `/payouts/${p!.id}/approve`, fin2, {
      expectedVersion: v,
    });
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
    const third = await api.send("POST", `/payouts/${p!.id}/approve`, `finance:${adminId}x`, {
      expectedVersion: second.json<Payout>().version,
    });
    expect(third.statusCode).toBeGreaterThanOrEqual(400);
    expect((await verifyAudit(t.db.db)).ok).toBe(true);
  });
});

describe("manual payouts", () => {
  it("a bank transfer is recorded with its reference, once, and the payment's refunded total grows", async () => {
    const c = await newClient(t);
    const { order, payment } = await paidOrder(c, { method: "bank_transfer" }, "50000");
    const requestId = await approvedRequest(c, order.id);
    const [p] = await payoutsOf(requestId);
    expect(p).toMatchObject({ approvalsNeeded: 1, awaiting: "approval", method: "bank_transfer" });

    // Not released yet: recording is refused.
    expectProblem(
      await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
        expectedVersion: p!.version,
        reference: "SEPA-1",
      }),
      409,
    );
    const ok = await api.send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: p!.version,
    });
    expect(ok.json()).toMatchObject({ released: true, awaiting: "finance_record" });
    const v = ok.json<Payout>().version;

    const blank = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "  ",
    });
    expectProblem(blank, 422);
    expect(blank.json().errors[0].path).toBe("reference");
    const extra = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "SEPA-1",
      status: "succeeded",
    });
    expectProblem(extra, 400);

    const rec = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "SEPA-2026-0042",
    });
    expect(rec.statusCode, rec.body).toBe(200);
    expect(rec.json()).toMatchObject({
      status: "succeeded",
      reference: "SEPA-2026-0042",
      deadline: "settled",
    });
    const again = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
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
    const c = await newClient(t);
    const { order, payment } = await paidOrder(
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

    const bad = await api.send("PUT", `/payouts/${p!.id}/destination`, c.actor, {
      expectedVersion: p!.version,
      network: "bitcoin",
      address: "0x52908400098527886E0F7030069857D2E4169EE7",
    });
    expectProblem(bad, 400);
    expect(bad.json().errors[0].path).toBe("address");
    const wrongNet = await api.send("PUT", `/payouts/${p!.id}/destination`, c.actor, {
      expectedVersion: p!.version,
      network: "ethereum",
      address: "0x52908400098527886E0F7030069857D2E4169EE7",
    });
    expect(wrongNet.json().errors[0].path).toBe("network");
    // Someone else's payout answers like a missing one; staff may not set it.
    const other = await newClient(t);
    expectProblem(
      await api.send("PUT", `/payouts/${p!.id}/destination`, other.actor, {
        expectedVersion: p!.version,
        network: "bitcoin",
        address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      }),
      404,
    );
    expectProblem(
      await api.send("PUT", `/payouts/${p!.id}/destination`, fin1, {
        expectedVersion: p!.version,
        network: "bitcoin",
        address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      }),
      403,
    );
    const good = await api.send("PUT", `/payouts/${p!.id}/destination`, c.actor, {
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
      awaiting: "approval",
    });

    const approved = await api.send("POST", `/payouts/${p!.id}/approve`, fin1, {
      expectedVersion: good.json<Payout>().version,
    });
    const v = approved.json<Payout>().version;
    const hash = "ab".repeat(32);
    const noRate = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: hash,
    });
    expectProblem(noRate, 422);
    expect(noRate.json().errors[0].path).toBe("crypto");
    const noHash = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: "pending",
      crypto: { rate: "65000.00", coins: { amount: "0.00769231", currency: "BTC" } },
    });
    expectProblem(noHash, 422);
    for (const rate of ["0", "0.000000000", "-65000", "6.5e4", " 65000", "65,000.00"]) {
      const badRate = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
        expectedVersion: v,
        reference: hash,
        crypto: { rate, coins: { amount: "0.00769231", currency: "BTC" } },
      });
      expectProblem(badRate, 400);
      expect(badRate.json().errors[0].path, rate).toBe("crypto.rate");
    }
    const tooPrecise = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
      expectedVersion: v,
      reference: hash,
      crypto: { rate: "65000.00", coins: { amount: "0.000000001", currency: "BTC" } },
    });
    expectProblem(tooPrecise, 400);
    expect(tooPrecise.json().errors[0].path).toBe("crypto.coins.amount");

    const rec = await api.send("POST", `/payouts/${p!.id}/record`, fin1, {
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
    const c = await newClient(t);
    const { order } = await paidOrder(c, { method: "bank_transfer" }, "20000");
    const requestId = await approvedRequest(c, order.id);
    const [p] = await payoutsOf(requestId);
    const ids = async (deadline: string) =>
      (await api.send("GET", `/payouts?deadline=${deadline}&limit=200`, fin1))
        .json<{ items: Payout[] }>()
        .items.map((x) => x.id);

    expect(await ids("open")).toContain(p!.id);
    expect(await ids("at_risk")).not.toContain(p!.id);
    // Wed 18 March: two business days to Fri 20 -> at risk.
    t.setNow(Date.parse("2026-03-18T10:00:00Z"));
    expect(await ids("at_risk")).toContain(p!.id);
    expect((await api.send("GET", `/payouts/${p!.id}`, fin1)).json()).toMatchObject({
      deadline: "at_risk",
    });
    t.setNow(Date.parse("2026-03-20T10:00:00Z"));
    expect(await ids("due_today")).toContain(p!.id);
    expect(await ids("overdue")).not.toContain(p!.id);
    t.setNow(Date.parse("2026-03-23T10:00:00Z"));
    expect(await ids("overdue")).toContain(p!.id);
    const summary = await api.send("GET", "/payouts/summary", fin1);
    expect(summary.statusCode, summary.body).toBe(200);
    expect(summary.json().overdue).toBeGreaterThanOrEqual(1);
    expectProblem(await api.send("GET", "/payouts/summary", c.actor), 403);

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
    const c = await newClient(t);
    // Eight payouts spread over statuses, due days, approvals and parking.
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { order } = await paidOrder(c, { method: "bank_transfer" }, "20000");
      const [p] = await payoutsOf(await approvedRequest(c, order.id));
      ids.push(p!.id);
    }
    const set = (id: string, row: Record<string, unknown>) =>
      t.db.db.updateTable("payouts").set(row).where("id", "=", id).execute();
    const approvals = JSON.stringify([{ userId: adminId, at: MONDAY }]);
    await set(ids[0]!, { due_latest: "2026-03-01" }); // overdue
    await set(ids[1]!, { due_latest: "2026-03-02", approvals }); // due today, second approval
    await set(ids[2]!, { due_latest: "2026-03-03" }); // at risk
    await set(ids[3]!, { status: "pending", due_latest: "2026-03-01" });
    await set(ids[4]!, { status: "unknown", parked_at: "2026-03-02T08:00:00.000Z" });
    await set(ids[5]!, { status: "failed", due_latest: "2026-03-01" }); // not overdue: failed
    await set(ids[6]!, { status: "submitting" });
    await set(ids[7]!, { status: "succeeded", due_latest: "2026-03-02" }); // not due: succeeded

    const count = async (query: string) => {
      let n = 0;
      let cursor: string | null = null;
      do {
        const after: string = cursor === null ? "" : `&cursor=${cursor}`;
        const page = (await api.send("GET", `/payouts?${query}&limit=200${after}`, fin1)).json<{
          items: unknown[];
          nextCursor: string | null;
        }>();
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
      return n;
    };
    const res = await api.send("GET", "/payouts/summary", fin1);
    expect(res.statusCode, res.body).toBe(200);
    const summary = res.json<Record<string, unknown>>();
    expect(summary).toEqual({
      today: "2026-03-02",
      dueToday: await count("deadline=due_today"),
      overdue: await count("deadline=overdue"),
      atRisk: await count("deadline=at_risk"),
      awaitingApproval: await count("awaiting=approval"),
      awaitingSecondApproval: await count("awaiting=second_approval"),
      inFlight: (await count("status=submitting")) + (await count("status=pending")),
      unknown: await count("status=unknown"),
      parked: await count("parked=true"),
      failed: await count("status=failed"),
    });
    // Each of the spread payouts shows up where it should (other tests' payouts add to these).
    for (const key of ["dueToday", "overdue", "atRisk", "awaitingSecondApproval", "inFlight"]) {
      expect(summary[key], key).toBeGreaterThanOrEqual(1);
    }
    for (const key of ["unknown", "parked", "failed"]) {
      expect(summary[key], key).toBeGreaterThanOrEqual(1);
    }
    expectProblem(await api.send("GET", "/payouts/summary", qa), 403);
  });

  it("refuses bad filters naming the parameter", async () => {
    const res = await api.send("GET", "/payouts?deadline=soon", fin1);
    expectProblem(res, 400);
    expect(res.body).toContain("deadline");
    expectProblem(await api.send("GET", "/payouts?cursor=!!", fin1), 400);
  });
});

describe("the payment's cap", () => {
  it("two refunds racing on one payment whose sum exceeds the capture: exactly one goes through", async () => {
    const c = await newClient(t);
    const { order } = await paidOrder(c, { method: "bank_transfer" }, "50000");
    const ids: string[] = [];
    for (const reason of ["not_delivered", "other"]) {
      const sub = await api.send("POST", "/requests", c.actor, {
        orderId: order.id,
        reason,
        description: "Please refund.",
      });
      expect(sub.statusCode, sub.body).toBe(201);
      const id = sub.json<{ id: string }>().id;
      expect(
        (await api.send("POST", `/requests/${id}/start-review`, qa, { expectedVersion: 1 }))
          .statusCode,
      ).toBe(200);
      ids.push(id);
    }
    const results = await Promise.all(
      ids.map((id) =>
        api.send("POST", `/requests/${id}/approve`, qa, {
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
