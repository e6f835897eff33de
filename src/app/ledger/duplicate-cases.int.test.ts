import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientRow } from "../../../test/support/db-rows.js";
import { apiCalls } from "../../../test/support/api-world.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { AUTO_APPROVAL_JUSTIFICATION } from "../../core/ledger/duplicate-cases.js";
import type { Policy } from "../../core/policy/index.js";
import { SYSTEM_USER_ID } from "../../core/access/index.js";
import { loadPolicyFile } from "../../policy-file/load.js";

// Duplicate payments open their own refund case (issue 4), on SQLite (npm test) and PostgreSQL
// (CI): through POST /payments, approved by the system user when the policy's autoApprove allows
// it, waiting for a person when it does not; covered by a client's open request; and exactly one
// case for one extra payment however many times, and however concurrently, it is posted.

const A = "cl_a";
const WRITER = "token:tok_orders:orders:write,orders:read";
const PAYER = "token:tok_pay:payments:write,payments:read";
const CLIENT_A = `client:${A}:usr_a`;

function shippedPolicy(): Policy {
  const p = loadPolicyFile();
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

let seq = 0;

async function world(policy?: Policy) {
  const t: TestServer = await testServer(policy === undefined ? {} : { policy });
  await t.deps.db
    .insertInto("clients")
    .values(clientRow({ id: A }))
    .execute();
  const call = apiCalls(t).send;
  const order = async (price = "4800.00") => {
    const id = `ORD-${++seq}`;
    const r = await call("POST", "/orders", WRITER, {
      id,
      clientId: A,
      service: { name: "External penetration test", category: "audit", billing: "one_off" },
      price: { amount: price, currency: "USD" },
      placedAt: "2026-02-02T10:00:00Z",
      promisedStartBy: "2026-02-09T10:00:00Z",
      promisedDeliveryBy: "2026-02-23T10:00:00Z",
      startedAt: "2026-02-03T10:00:00Z",
      deliveredAt: null,
      subscription: null,
    });
    expect(r.statusCode, r.body).toBe(201);
    return id;
  };
  const payment = (
    orderId: string,
    o: { id?: string; amount?: string; minute?: number; providerRef?: string | null } = {},
  ) => ({
    ...(o.id === undefined ? {} : { id: o.id }),
    orderId,
    chargeRef: orderId,
    amount: { amount: o.amount ?? "4800.00", currency: "USD" },
    method: "card",
    capturedAt: new Date(
      Date.parse("2026-02-02T10:05:00Z") + (o.minute ?? 0) * 60_000,
    ).toISOString(),
    providerRef: o.providerRef ?? null,
  });
  const pay = async (body: ReturnType<typeof payment>, headers: Record<string, string> = {}) => {
    const r = await call("POST", "/payments", PAYER, body, headers);
    return r;
  };
  const requestsOf = (orderId: string) =>
    t.deps.db
      .selectFrom("refund_requests")
      .selectAll()
      .where("order_id", "=", orderId)
      .orderBy("submitted_at")
      .execute();
  const tiesOf = (orderId: string) =>
    t.deps.db
      .selectFrom("duplicate_payments")
      .select(["payment_id", "request_id", "how"])
      .where("order_id", "=", orderId)
      .orderBy("payment_id")
      .execute();
  const outboxOf = async (requestId: string) =>
    (await t.deps.db.selectFrom("outbox").select(["topic", "payload"]).orderBy("id").execute())
      .map((r) => ({ topic: r.topic, payload: JSON.parse(r.payload) as Record<string, unknown> }))
      .filter((r) => r.payload["requestId"] === requestId);
  return { t, call, order, payment, pay, requestsOf, tiesOf, outboxOf };
}

describe("duplicate payments open their own case", () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => w?.t.close());

  it("a second full payment through the API opens a case the system approves, and tells the client", async () => {
    const orderId = await w.order();
    expect((await w.pay(w.payment(orderId, { id: `${orderId}-P1` }))).statusCode).toBe(201);
    expect(await w.requestsOf(orderId)).toEqual([]);
    const r = await w.pay(w.payment(orderId, { id: `${orderId}-P2`, minute: 3 }));
    expect(r.statusCode, r.body).toBe(201);

    const [req, ...more] = await w.requestsOf(orderId);
    expect(more).toEqual([]);
    expect(req).toMatchObject({
      reason: "duplicate_payment",
      client_id: A,
      status: "approved",
      reviewer_id: SYSTEM_USER_ID,
    });
    expect(req?.description).toContain(`payment ${orderId}-P2 (4800.00 USD by card`);
    expect(req?.description).toContain(`after charge ${orderId} had already been paid in full`);
    const requestId = req?.id ?? "";

    const rec = await w.t.deps.db
      .selectFrom("recommendations")
      .selectAll()
      .where("request_id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ outcome: "refund", amount_minor: "480000" });
    const decision = await w.t.deps.db
      .selectFrom("decisions")
      .selectAll()
      .where("request_id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(decision).toMatchObject({
      kind: "approve",
      decided_by: SYSTEM_USER_ID,
      amount_minor: "480000",
      amount_currency: "USD",
      justification: AUTO_APPROVAL_JUSTIFICATION,
      recommendation_id: rec.id,
    });
    expect(await w.tiesOf(orderId)).toEqual([
      { payment_id: `${orderId}-P2`, request_id: requestId, how: "opened" },
    ]);

    const outbox = await w.outboxOf(requestId);
    expect(outbox.map((o) => o.topic)).toEqual(
      expect.arrayContaining(["notify.request_received", "notify.decision"]),
    );
    expect(outbox).toHaveLength(2);
    // The approval scheduled the refund of the extra payment, in full, in its transaction.
    const payouts = await w.t.deps.db
      .selectFrom("payouts")
      .select(["decision_id", "payment_id", "method", "amount_minor", "currency", "status"])
      .where("request_id", "=", requestId)
      .execute();
    expect(payouts).toEqual([
      {
        decision_id: decision.id,
        payment_id: `${orderId}-P2`,
        method: "card",
        amount_minor: "480000",
        currency: "USD",
        status: "scheduled",
      },
    ]);
    expect(outbox.find((o) => o.topic === "notify.decision")?.payload).toMatchObject({
      audience: "client",
      status: "approved",
    });

    const audit = await w.t.deps.db
      .selectFrom("audit_events")
      .select(["actor", "action"])
      .where("entity_id", "=", requestId)
      .orderBy("seq")
      .execute();
    expect(audit).toEqual([
      { actor: `user:${SYSTEM_USER_ID}`, action: "request.submit" },
      { actor: `user:${SYSTEM_USER_ID}`, action: "request.start_review" },
      { actor: `user:${SYSTEM_USER_ID}`, action: "request.approve" },
    ]);

    // Quality assurance sees the system's approval in the request's decision history: the
    // policy has every case evaluated by QA, and `autoApprove` departs from that on purpose.
    const history = await w.call("GET", `/requests/${requestId}/decisions`, "qa:usr_qa");
    expect(history.statusCode, history.body).toBe(200);
    expect(history.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({
        kind: "approve",
        decidedBy: SYSTEM_USER_ID,
        justification: AUTO_APPROVAL_JUSTIFICATION,
        amount: { amount: "4800.00", currency: "USD" },
      }),
    ]);

    // The client sees the case on its own list, decided.
    const list = await w.call("GET", "/requests", CLIENT_A);
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { id: string; status: string }[] }>().items).toContainEqual(
      expect.objectContaining({ id: requestId, status: "approved" }),
    );

    // The same payment sent again is a replay: nothing new.
    const again = await w.pay(w.payment(orderId, { id: `${orderId}-P2`, minute: 3 }));
    expect(again.statusCode).toBe(200);
    expect(await w.requestsOf(orderId)).toHaveLength(1);
  });

  it("installments are not duplicates: two halves open nothing, a third payment does", async () => {
    const orderId = await w.order();
    await w.pay(w.payment(orderId, { id: `${orderId}-H1`, amount: "2400.00" }));
    await w.pay(w.payment(orderId, { id: `${orderId}-H2`, amount: "2400.00", minute: 60 }));
    expect(await w.requestsOf(orderId)).toEqual([]);
    await w.pay(w.payment(orderId, { id: `${orderId}-H3`, amount: "2400.00", minute: 90 }));
    const reqs = await w.requestsOf(orderId);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]?.description).toContain(`${orderId}-H3 (2400.00 USD`);
  });

  it("a client's open duplicate-payment request covers the extra: no second case", async () => {
    const orderId = await w.order();
    await w.pay(w.payment(orderId, { id: `${orderId}-P1` }));
    const filed = await w.call("POST", "/requests", CLIENT_A, {
      orderId,
      reason: "duplicate_payment",
      description: "My bank shows two charges.",
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const clientRequest = filed.json<{ id: string }>().id;
    await w.pay(w.payment(orderId, { id: `${orderId}-P2`, minute: 10 }));

    const reqs = await w.requestsOf(orderId);
    expect(reqs.map((r) => r.id)).toEqual([clientRequest]);
    expect(reqs[0]?.status).toBe("submitted"); // the client's request waits for a person
    expect(await w.tiesOf(orderId)).toEqual([
      { payment_id: `${orderId}-P2`, request_id: clientRequest, how: "covered" },
    ]);
    // ...with the engine's fresh recommendation: the extra is refunded.
    const got = await w.call("GET", `/requests/${clientRequest}`, CLIENT_A);
    expect(got.json<{ recommendation: { outcome: string } }>().recommendation.outcome).toBe(
      "refund",
    );
  });

  it("a later extra after an approved case opens a new case only for itself, which waits for a person", async () => {
    const orderId = await w.order();
    await w.pay(w.payment(orderId, { id: `${orderId}-P1` }));
    await w.pay(w.payment(orderId, { id: `${orderId}-P2`, minute: 1 }));
    await w.pay(w.payment(orderId, { id: `${orderId}-P3`, minute: 2 }));
    const reqs = await w.requestsOf(orderId);
    expect(reqs.map((r) => r.status)).toEqual(["approved", "submitted"]);
    expect(await w.tiesOf(orderId)).toEqual([
      { payment_id: `${orderId}-P2`, request_id: reqs[0]?.id, how: "opened" },
      { payment_id: `${orderId}-P3`, request_id: reqs[1]?.id, how: "opened" },
    ]);
    // The engine refunds both extras on the second case; P2 is already on its way back under the
    // first, so the system does not approve it.
    const audit = await w.t.deps.db
      .selectFrom("audit_events")
      .select("summary")
      .where("entity_id", "=", reqs[1]?.id ?? "")
      .where("action", "=", "request.submit")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(audit.summary)).toMatchObject({
      autoApproval: `payment ${orderId}-P2 is refunded under another request; a person decides`,
    });
  });
});

describe("duplicate payments with autoApprove empty", () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    const p = shippedPolicy();
    w = await world({ ...p, params: { ...p.params, autoApprove: [] } });
  });
  afterAll(() => w?.t.close());

  it("the case is opened with the engine's refund recommendation and waits for review", async () => {
    const orderId = await w.order();
    await w.pay(w.payment(orderId, { id: `${orderId}-P1` }));
    await w.pay(w.payment(orderId, { id: `${orderId}-P2`, minute: 3 }));
    const reqs = await w.requestsOf(orderId);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({ status: "submitted", reviewer_id: null, closed_at: null });
    const requestId = reqs[0]?.id ?? "";
    const decisions = await w.t.deps.db
      .selectFrom("decisions")
      .select("id")
      .where("request_id", "=", requestId)
      .execute();
    expect(decisions).toEqual([]);
    expect((await w.outboxOf(requestId)).map((o) => o.topic)).toEqual(["notify.request_received"]);
    const got = await w.call("GET", `/requests/${requestId}`, "qa:usr_qa");
    expect(got.json<{ recommendation: { outcome: string } }>().recommendation.outcome).toBe(
      "refund",
    );
  });
});

describe("a duplicate payment recorded 10 times concurrently through the API: one refund case", () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => w?.t.close());

  const paymentCount = async (orderId: string) =>
    (
      await w.t.deps.db
        .selectFrom("payments")
        .select("id")
        .where("order_id", "=", orderId)
        .execute()
    ).length;

  it("the same payment (same providerRef, same Idempotency-Key) posted 10 times at once", async () => {
    const orderId = await w.order();
    await w.pay(w.payment(orderId, { providerRef: `ch_${orderId}_1` }));
    const dup = w.payment(orderId, { providerRef: `ch_${orderId}_2`, minute: 2 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => w.pay(dup, { "idempotency-key": `key-${orderId}` })),
    );
    // One runs; the others replay its stored 201 byte for byte, or hear 409 while it is in flight.
    for (const a of answers) expect([201, 409], a.body).toContain(a.statusCode);
    const created = answers.filter((a) => a.statusCode === 201);
    expect(new Set(created.map((a) => a.json<{ id: string }>().id)).size).toBe(1);
    expect(await paymentCount(orderId)).toBe(2);
    const reqs = await w.requestsOf(orderId);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]?.status).toBe("approved");
    expect(await w.tiesOf(orderId)).toHaveLength(1);
  });

  it("the same payment (same providerRef) posted 10 times at once without a key", async () => {
    const orderId = await w.order();
    await w.pay(w.payment(orderId, { providerRef: `ch_${orderId}_1` }));
    const dup = w.payment(orderId, { providerRef: `ch_${orderId}_2`, minute: 2 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => w.pay(dup)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(await paymentCount(orderId)).toBe(2);
    expect(await w.requestsOf(orderId)).toHaveLength(1);
    expect(await w.tiesOf(orderId)).toHaveLength(1);
  });

  it("10 different concurrent requests (two payments, each posted 5 times under its own keys) whose net effect is one extra", async () => {
    const orderId = await w.order();
    const first = w.payment(orderId, { providerRef: `ch_${orderId}_a` });
    const second = w.payment(orderId, { providerRef: `ch_${orderId}_b`, minute: 4 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        w.pay(i % 2 === 0 ? first : second, { "idempotency-key": `k-${orderId}-${i}` }),
      ),
    );
    for (const a of answers) expect([200, 201], a.body).toContain(a.statusCode);
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(2);
    expect(await paymentCount(orderId)).toBe(2);
    const reqs = await w.requestsOf(orderId);
    expect(reqs).toHaveLength(1);
    // Whichever payment was recorded first, the extra is the later capture.
    const secondId = answers
      .find((a, i) => i % 2 === 1 && a.statusCode === 201)
      ?.json<{ id: string }>().id;
    expect(await w.tiesOf(orderId)).toEqual([
      { payment_id: secondId, request_id: reqs[0]?.id, how: "opened" },
    ]);
  });

  it("10 different extra payments at once: every extra tied to exactly one request, at most one open", async () => {
    const orderId = await w.order();
    await w.pay(w.payment(orderId, { providerRef: `ch_${orderId}_0` }));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        w.pay(w.payment(orderId, { providerRef: `ch_${orderId}_${i + 1}`, minute: i + 1 })),
      ),
    );
    for (const a of answers) expect(a.statusCode, a.body).toBe(201);
    const ties = await w.tiesOf(orderId);
    expect(ties).toHaveLength(10);
    expect(new Set(ties.map((t) => t.payment_id)).size).toBe(10);
    const reqs = await w.requestsOf(orderId);
    expect(reqs.filter((r) => r.status !== "approved").length).toBeLessThanOrEqual(1);
    expect(new Set(ties.map((t) => t.request_id))).toEqual(new Set(reqs.map((r) => r.id)));
  });
});
