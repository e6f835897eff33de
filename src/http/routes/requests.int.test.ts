// Refund requests through the HTTP API on a real database (SQLite, or PostgreSQL with
// DATABASE_URL): intake rules, the engine's recommendation, the review workflow with optimistic
// concurrency, messages, decisions, lists, re-evaluation, and who may see what.

import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { reevaluateOrderRequests } from "../../app/requests/evaluate-order.js";
import { SILENT_LOGGER } from "../../app/context.js";
import { buildCase, recommend } from "../../app/requests/evaluate-order.js";
import { exactInstant } from "../../core/calendar/instant.js";
import { decisionToJson, evaluateFacts } from "../../core/policy/index.js";
import { verifyAudit } from "../../db/audit.js";
import {
  apiCalls,
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
let qa2: string;
let admin: string;
let finance: string;

beforeAll(async () => {
  t = await testServer();
  api = apiCalls(t);
  const staff = [
    userRow({ role: "qa" }),
    userRow({ role: "qa" }),
    userRow({ role: "admin" }),
    userRow({ role: "finance" }),
  ];
  await t.db.db.insertInto("users").values(staff).execute();
  qa = `qa:${staff[0]!.id}`;
  qa2 = `qa:${staff[1]!.id}`;
  admin = `admin:${staff[2]!.id}`;
  finance = `finance:${staff[3]!.id}`;
});

afterAll(async () => {
  await t.close();
});

beforeEach(() => {
  t.setNow(Date.parse("2026-03-02T09:00:00Z"));
});

interface View {
  id: string;
  status: string;
  version: number;
  recommendation: {
    id: string;
    outcome: string;
    amount: { amount: string; currency: string } | null;
    clauses: string[];
    policyVersion: string;
    deadlines: { payoutLatest: string | null };
    explanation: string;
  } | null;
  decision: { outcome: string; amount: unknown; justification: string | null } | null;
  actions: string[];
  refundable?: { amount: string; currency: string };
}

async function submit(client: TestClient, orderId: string, extra: Record<string, unknown> = {}) {
  const res = await api.post("/requests", client.actor, {
    orderId,
    reason: "not_delivered",
    description: "The engagement never started.",
    ...extra,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<View>();
}

async function countRows(table: "refund_requests" | "decisions" | "recommendations" | "outbox") {
  const r = await t.db.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe("intake", () => {
  it("requires the order id and a description that is not blank, naming the field", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const missing = await api.post("/requests", c.actor, { orderId: order.id, reason: "other" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0].path).toBe("body.description");

    const blank = await api.post("/requests", c.actor, {
      orderId: order.id,
      reason: "other",
      description: "   ",
    });
    expect(blank.statusCode).toBe(400);
    expect(blank.headers["content-type"]).toContain("application/problem+json");
    expect(blank.json().errors).toEqual([
      { path: "body.description", message: "must not be blank" },
    ]);

    const noOrder = await api.post("/requests", c.actor, {
      orderId: " ",
      reason: "other",
      description: "x",
    });
    expect(noOrder.statusCode).toBe(400);
    expect(noOrder.json().errors[0].path).toBe("body.orderId");
  });

  it("answers a foreign order exactly like a missing one (404)", async () => {
    const a = await newClient(t);
    const b = await newClient(t);
    const { order } = await newOrder(t, b);
    const before = await countRows("refund_requests");
    const foreign = await api.post("/requests", a.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "x",
    });
    const missing = await api.post("/requests", a.actor, {
      orderId: "ord_does-not-exist",
      reason: "not_delivered",
      description: "x",
    });
    expect(foreign.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    // Same problem document, except for the echoed URL (none here: both are POST /requests).
    const strip = (r: LightMyRequestResponse) => r.json<Record<string, unknown>>();
    expect(strip(foreign)).toEqual(strip(missing));
    expect(await countRows("refund_requests")).toBe(before);
  });

  it("refuses a second open request on the same order and reason, naming the open one", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const first = await submit(c, order.id);
    const again = await api.post("/requests", c.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "Still nothing.",
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: "duplicate_open_request", openRequestId: first.id });
    // Another reason on the same order is a different request.
    await submit(c, order.id, { reason: "other" });
    // Once the first is closed (withdrawn, here without any body), a new one may be opened.
    const w = await api.post(`/requests/${first.id}/withdraw`, c.actor);
    expect(w.statusCode, w.body).toBe(200);
    await submit(c, order.id);
  });

  it("opens one request when the same one is submitted 10 times at once", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post("/requests", c.actor, {
          orderId: order.id,
          reason: "not_delivered",
          description: "Nothing happened.",
        }),
      ),
    );
    const created = results.filter((r) => r.statusCode === 201);
    expect(created).toHaveLength(1);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r.json().openRequestId).toBe(created[0]!.json().id);
  });

  it("refuses mass assignment (status, amount, clientId, refunded): 400 and nothing stored", async () => {
    const c = await newClient(t);
    const other = await newClient(t);
    const { order } = await newOrder(t, c);
    const before = await countRows("refund_requests");
    const base = { orderId: order.id, reason: "not_delivered", description: "x" };
    for (const extra of [
      { status: "approved" },
      { amount: { amount: "9999.00", currency: "USD" } },
      { clientId: other.clientId },
      { refunded: "0" },
      { version: 7 },
    ]) {
      const res = await api.post("/requests", c.actor, { ...base, ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.json().errors[0]).toEqual({
        path: `body.${Object.keys(extra)[0]}`,
        message: "unknown field",
      });
    }
    expect(await countRows("refund_requests")).toBe(before);
  });

  it("lets an admin submit on a client's behalf; qa and finance may not submit", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const body = { orderId: order.id, reason: "not_delivered", description: "By phone." };
    expect((await api.post("/requests", qa, body)).statusCode).toBe(403);
    expect((await api.post("/requests", finance, body)).statusCode).toBe(403);
    const res = await api.post("/requests", admin, body);
    expect(res.statusCode).toBe(201);
    expect(res.json().clientId).toBe(c.clientId);
  });
});

describe("the recommendation", () => {
  it("is the engine's decision on the stored facts, stored with its policy version", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const view = await submit(c, order.id, { attachmentsCount: 1 });
    expect(view.status).toBe("submitted");
    expect(view.version).toBe(1);
    expect(view.recommendation).toMatchObject({
      outcome: "refund",
      amount: { amount: "4800.00", currency: "USD" },
      policyVersion: t.policy.version,
    });
    expect(view.recommendation?.clauses).toContain("procedure.payout");
    expect(view.recommendation?.clauses[0]).toBe("eligible.not-delivered");
    expect(view.actions).toEqual(["withdraw"]);
    // Staff may start the review, or act at once (the review then starts implicitly).
    const staffView = await api.get(`/requests/${view.id}`, qa);
    expect([...staffView.json<{ actions: string[] }>().actions].sort()).toEqual(
      ["approve", "deny", "offer_alternative", "request_info", "start_review"].sort(),
    );

    // The same decision the engine gives on the case built from the rows.
    const facts = await buildCase(
      t.db.db,
      order.id,
      {
        reason: "not_delivered",
        submittedAt: t.deps.clock(),
        description: "The engagement never started.",
        attachments: 1,
      },
      t.deps.clock(),
    );
    if (!facts.ok) throw new Error(facts.error.message);
    const engine = evaluateFacts(facts.value, t.policy);
    if (!engine.ok) throw new Error(engine.error.message);
    expect(view.recommendation).toEqual({
      ...decisionToJson(engine.value),
      id: view.recommendation?.id,
      createdAt: "2026-03-02T09:00:00.000Z",
    });

    const rec = await t.db.db
      .selectFrom("recommendations")
      .selectAll()
      .where("request_id", "=", view.id)
      .execute();
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({
      policy_version: t.policy.version,
      outcome: "refund",
      amount_minor: "480000",
      amount_currency: "USD",
    });
    const outbox = await t.db.db
      .selectFrom("outbox")
      .selectAll()
      .where("topic", "=", "notify.request_received")
      .execute();
    expect(outbox.some((o) => JSON.parse(o.payload).requestId === view.id)).toBe(true);
    const audit = await t.db.db
      .selectFrom("audit_events")
      .selectAll()
      .where("entity_id", "=", view.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["request.submit"]);
    expect(audit[0]?.actor).toBe(`user:${c.userId}`);
  });

  it("buildCase gives the engine typed facts from the rows (exact money, exact instants)", async () => {
    const c = await newClient(t);
    const { order, payment } = await newOrder(t, c);
    await t.db.db
      .insertInto("service_events")
      .values({
        id: "evt_1" + order.id,
        order_id: order.id,
        kind: "client_blocker",
        from_at: "2026-02-05T00:00:00.000Z",
        to_at: null,
        note: "waiting for VPN access",
        recorded_by: "user:x",
        recorded_at: "2026-02-05T00:00:00.000Z",
      })
      .execute();
    const at = (iso: string) => exactInstant(Date.parse(iso));
    const facts = await buildCase(
      t.db.db,
      order.id,
      {
        reason: "other",
        submittedAt: Date.parse("2026-02-16T09:30:00Z"),
        description: "d",
        attachments: 0,
      },
      Date.parse("2026-02-16T09:30:00Z"),
    );
    if (!facts.ok) throw new Error(`${facts.error.path}: ${facts.error.message}`);
    expect(facts.value).toMatchObject({
      asOf: at("2026-02-16T09:30:00Z"),
      order: { id: order.id, clientId: c.clientId, price: { minor: 480000n, currency: "USD" } },
      payments: [
        {
          id: payment.id,
          chargeRef: order.id,
          amount: { minor: 480000n, currency: "USD" },
          method: "card",
          capturedAt: at("2026-02-02T10:05:00Z"),
        },
      ],
      events: [
        {
          kind: "client_blocker",
          from: at("2026-02-05T00:00:00Z"),
          to: null,
          note: "waiting for VPN access",
        },
      ],
      request: {
        reason: "other",
        submittedAt: at("2026-02-16T09:30:00Z"),
        description: "d",
        attachments: 0,
      },
    });
    expect(evaluateFacts(facts.value, t.policy).ok).toBe(true);
  });

  it("a stored fact the engine refuses leaves the request without a recommendation, logged with its id", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const logged: { details: object; message: string }[] = [];
    const deps = {
      logger: {
        ...SILENT_LOGGER,
        error: (details: object, message: string) => void logged.push({ details, message }),
      },
    };
    const facts = await buildCase(
      t.db.db,
      order.id,
      { reason: "refund_please", submittedAt: t.deps.clock(), description: "d", attachments: 0 },
      t.deps.clock(),
    );
    expect(recommend(deps, t.policy, "req_x", facts)).toBeNull();
    expect(logged).toEqual([
      {
        details: {
          requestId: "req_x",
          path: "request.reason",
          reason: expect.stringContaining("refund_please"),
        },
        message: expect.stringContaining("refused"),
      },
    ]);
  });
});

describe("the review workflow", () => {
  it("runs submitted -> in_review -> info_requested -> in_review -> approved, audited and chained", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);

    const v2 = await api.post(`/requests/${v1.id}/start-review`, qa, { expectedVersion: 1 });
    expect(v2.statusCode, v2.body).toBe(200);
    expect(v2.json()).toMatchObject({ status: "in_review", version: 2 });
    expect(v2.json().actions).toEqual(
      expect.arrayContaining(["request_info", "approve", "deny", "offer_alternative"]),
    );
    expect(v2.json().refundable).toEqual({ amount: "4800.00", currency: "USD" });

    const v3 = await api.post(`/requests/${v1.id}/request-info`, qa, {
      expectedVersion: 2,
      question: "Did anyone contact you to schedule?",
    });
    expect(v3.statusCode, v3.body).toBe(200);
    expect(v3.json()).toMatchObject({
      status: "info_requested",
      version: 3,
      openQuestion: "Did anyone contact you to schedule?",
    });
    // The client sees whose move it is and what it may do.
    const seen = await api.get(`/requests/${v1.id}`, c.actor);
    expect(seen.json()).toMatchObject({ waitingOn: "client", actions: ["answer", "withdraw"] });
    expect(seen.json().refundable).toBeUndefined();

    t.setNow(t.deps.clock() + 60_000);
    const v4 = await api.post(`/requests/${v1.id}/answer`, c.actor, { message: "No, nobody did." });
    expect(v4.statusCode, v4.body).toBe(200);
    expect(v4.json()).toMatchObject({ status: "in_review", version: 4, openQuestion: null });

    const messages = await api.get(`/requests/${v1.id}/messages`, c.actor);
    expect(messages.statusCode).toBe(200);
    expect(
      messages
        .json()
        .items.map((m: { kind: string; body: string; author: { side: string } }) => [
          m.kind,
          m.author.side,
          m.body,
        ]),
    ).toEqual([
      ["question", "staff", "Did anyone contact you to schedule?"],
      ["answer", "client", "No, nobody did."],
    ]);

    const v5 = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 4,
      amount: { amount: "4800.00", currency: "USD" },
    });
    expect(v5.statusCode, v5.body).toBe(200);
    expect(v5.json()).toMatchObject({
      status: "approved",
      version: 5,
      decision: {
        outcome: "approved",
        amount: { amount: "4800.00", currency: "USD" },
        followsRecommendation: true,
        justification: null,
      },
      actions: [],
    });
    expect(v5.json().closedAt).not.toBeNull();

    const decisions = await api.get(`/requests/${v1.id}/decisions`, c.actor);
    expect(decisions.json().items).toHaveLength(1);
    const decision = decisions.json().items[0];
    expect(decision).toMatchObject({
      kind: "approve",
      amount: { amount: "4800.00", currency: "USD" },
    });
    expect(decision.recommendationId).toBe(v1.recommendation?.id);

    // The approval wrote the scheduled payouts in its own transaction, one per refund line.
    const payouts = await t.db.db
      .selectFrom("payouts")
      .selectAll()
      .where("request_id", "=", v1.id)
      .execute();
    expect(payouts.length).toBeGreaterThanOrEqual(1);
    expect(payouts.every((p) => p.decision_id === decision.id && p.status === "scheduled")).toBe(
      true,
    );
    expect(payouts.reduce((sum, p) => sum + BigInt(p.amount_minor), 0n)).toBe(480000n);
    expect(payouts.every((p) => p.currency === "USD" && p.due_earliest < p.due_latest)).toBe(true);
    expect(new Set(payouts.map((p) => p.idempotency_key)).size).toBe(payouts.length);

    // Read back: same state as the write answered.
    const read = await api.get(`/requests/${v1.id}`, qa);
    expect(read.json()).toMatchObject({
      status: "approved",
      version: 5,
      decision: { id: decision.id },
    });
    expect(read.json().refundable).toEqual({ amount: "0.00", currency: "USD" });

    const audit = await t.db.db
      .selectFrom("audit_events")
      .selectAll()
      .where("entity_id", "=", v1.id)
      .orderBy("seq")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      "request.submit",
      "request.start_review",
      "request.request_info",
      "request.answer",
      "request.approve",
    ]);
    expect(JSON.parse(audit[4]!.summary)).toMatchObject({ from: "in_review", to: "approved" });
    expect(await verifyAudit(t.db.db)).toMatchObject({ ok: true });
  });

  it("refuses transitions the machine does not allow with 409 and the current state", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);
    const res = await api.post(`/requests/${v1.id}/resume-review`, qa, { expectedVersion: 1 });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: "invalid_transition",
      state: "submitted",
      currentVersion: 1,
      detail: "The request is submitted and waits for a reviewer, so you cannot resume the review.",
    });
    const stale = await api.post(`/requests/${v1.id}/start-review`, qa, { expectedVersion: 0 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({
      code: "version_conflict",
      currentVersion: 1,
      state: "submitted",
    });
    const missingVersion = await api.post(`/requests/${v1.id}/start-review`, qa, {});
    expect(missingVersion.statusCode).toBe(400);
    expect(missingVersion.json().errors[0].path).toBe("body.expectedVersion");
  });

  it("needs a written justification to deny a recommended refund", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);
    await api.post(`/requests/${v1.id}/start-review`, qa, { expectedVersion: 1 });
    const bare = await api.post(`/requests/${v1.id}/deny`, qa, { expectedVersion: 2 });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().errors[0].path).toBe("body.justification");
    const blank = await api.post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 2,
      justification: "  ",
    });
    expect(blank.statusCode).toBe(422);
    expect(await countDecisions(v1.id)).toBe(0);
    const ok = await api.post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 2,
      justification: "The client cancelled the engagement in writing on 2026-02-03.",
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      status: "denied",
      decision: { outcome: "denied", followsRecommendation: false, amount: null },
    });
    expect(await countDecisions(v1.id)).toBe(1);
  });

  it("never approves more than the payments can still give back", async () => {
    const c = await newClient(t);
    // 1000.00 already refunded on the 4800.00 payment: 3800.00 left.
    const { order } = await newOrder(t, c, { payment: { refunded_minor: "100000" } });
    const v1 = await submit(c, order.id);
    await api.post(`/requests/${v1.id}/start-review`, qa, { expectedVersion: 1 });
    const over = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: "3800.01", currency: "USD" },
      justification: "Partial refund already made.",
    });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ refundable: { amount: "3800.00", currency: "USD" } });
    expect(over.json().errors[0].path).toBe("body.amount.amount");

    const currency = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: "10.00", currency: "EUR" },
      justification: "x",
    });
    expect(currency.statusCode).toBe(422);
    expect(currency.json().errors[0].path).toBe("body.amount.currency");

    const badAmount = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: "1.001", currency: "USD" },
      justification: "x",
    });
    expect(badAmount.statusCode).toBe(400);
    expect(badAmount.json().errors[0].path).toBe("body.amount.amount");

    const notNumber = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: 10, currency: "USD" },
    });
    expect(notNumber.statusCode).toBe(400);

    // The recommendation counts the earlier refund (issue 11): 3800.00, not 4800.00. Departing
    // from it needs a justification.
    expect(v1.recommendation?.amount).toEqual({ amount: "3800.00", currency: "USD" });
    const unjustified = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: "3000.00", currency: "USD" },
    });
    expect(unjustified.statusCode).toBe(422);
    expect(unjustified.json().errors[0].path).toBe("body.justification");

    const ok = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: "3800.00", currency: "USD" },
      justification: "1000.00 went back by bank transfer already.",
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().decision).toMatchObject({
      followsRecommendation: true,
      justification: "1000.00 went back by bank transfer already.",
    });

    // A second request on the order (another reason) finds nothing left to give back.
    const v2 = await submit(c, order.id, { reason: "other" });
    await api.post(`/requests/${v2.id}/start-review`, qa, { expectedVersion: 1 });
    const nothing = await api.post(`/requests/${v2.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: "0.01", currency: "USD" },
      justification: "x",
    });
    expect(nothing.statusCode).toBe(422);
    expect(nothing.json().refundable).toEqual({ amount: "0.00", currency: "USD" });
  });

  it("applies exactly one of 50 concurrent approvals with the same expected version", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);
    await api.post(`/requests/${v1.id}/start-review`, qa, { expectedVersion: 1 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.post(`/requests/${v1.id}/approve`, i % 2 === 0 ? qa : qa2, {
          expectedVersion: 2,
          amount: { amount: "4800.00", currency: "USD" },
        }),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((s) => s === 200)).toHaveLength(1);
    expect(codes.filter((s) => s === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.statusCode === 409)) {
      expect(["version_conflict", "invalid_transition"]).toContain(r.json().code);
      expect(r.json().currentVersion).toBe(3);
    }
    expect(await countDecisions(v1.id)).toBe(1);
    const payouts = await t.db.db
      .selectFrom("payouts")
      .select(["decision_id", "amount_minor"])
      .where("request_id", "=", v1.id)
      .execute();
    expect(new Set(payouts.map((p) => p.decision_id)).size).toBe(1);
    // One approval's payouts, not fifty: together exactly the approved amount.
    expect(payouts.reduce((sum, p) => sum + BigInt(p.amount_minor), 0n)).toBe(480000n);
    const audit = await t.db.db
      .selectFrom("audit_events")
      .select("action")
      .where("entity_id", "=", v1.id)
      .where("action", "=", "request.approve")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("offers an alternative the client accepts; the client may decline and the review resumes", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);
    await api.post(`/requests/${v1.id}/start-review`, qa, { expectedVersion: 1 });
    const offered = await api.post(`/requests/${v1.id}/offer-alternative`, qa, {
      expectedVersion: 2,
      kind: "re-delivery",
      note: "We can start next Monday with a senior tester.",
    });
    expect(offered.statusCode, offered.body).toBe(200);
    expect(offered.json()).toMatchObject({
      status: "alternative_offered",
      alternative: { kind: "re-delivery", accepted: null },
    });
    const declined = await api.post(`/requests/${v1.id}/decline-alternative`, c.actor, {});
    expect(declined.json()).toMatchObject({
      status: "in_review",
      version: 4,
      alternative: { accepted: false },
    });
    t.setNow(t.deps.clock() + 60_000); // history is in time order
    await api.post(`/requests/${v1.id}/offer-alternative`, qa, {
      expectedVersion: 4,
      kind: "support-extension",
      note: "Three months of support instead.",
    });
    const accepted = await api.post(`/requests/${v1.id}/accept-alternative`, c.actor, {
      expectedVersion: 5,
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({
      status: "alternative_accepted",
      alternative: { kind: "support-extension", accepted: true },
      actions: [],
    });
    const history = await api.get(`/requests/${v1.id}/decisions`, qa);
    expect(
      history.json().items.map((d: { kind: string; alternative: string }) => d.alternative),
    ).toEqual(["re-delivery", "support-extension"]);
    const withdraw = await api.post(`/requests/${v1.id}/withdraw`, c.actor, {});
    expect(withdraw.statusCode).toBe(409);
    expect(withdraw.json()).toMatchObject({ state: "alternative_accepted" });
  });
});

async function countDecisions(requestId: string): Promise<number> {
  const rows = await t.db.db
    .selectFrom("decisions")
    .select("id")
    .where("request_id", "=", requestId)
    .execute();
  return rows.length;
}

describe("re-evaluation", () => {
  it("stores a new recommendation and bumps the version when an order's facts change", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);
    await api.post(`/requests/${v1.id}/start-review`, qa, { expectedVersion: 1 });
    const ctx = {
      actor: { role: "api_token" as const, tokenId: "tok_1", scopes: ["orders:write"] },
      ip: "10.0.0.1",
    };

    // Nothing changed: nothing stored, no version bump.
    await t.db.db
      .transaction()
      .execute((trx) => reevaluateOrderRequests(t.deps, trx, order.id, ctx));
    expect((await api.get(`/requests/${v1.id}`, qa)).json().version).toBe(2);

    // The work was delivered after all.
    await t.db.db
      .updateTable("orders")
      .set({ started_at: "2026-02-10T10:00:00.000Z", delivered_at: "2026-02-20T10:00:00.000Z" })
      .where("id", "=", order.id)
      .execute();
    await t.db.db
      .transaction()
      .execute((trx) => reevaluateOrderRequests(t.deps, trx, order.id, ctx));
    const after = await api.get(`/requests/${v1.id}`, qa);
    expect(after.json().version).toBe(3);
    expect(after.json().status).toBe("in_review");
    expect(after.json().recommendation.outcome).not.toBe("refund");
    expect(after.json().recommendation.id).not.toBe(v1.recommendation?.id);
    const recs = await t.db.db
      .selectFrom("recommendations")
      .select("id")
      .where("request_id", "=", v1.id)
      .execute();
    expect(recs).toHaveLength(2);
    const audit = await t.db.db
      .selectFrom("audit_events")
      .selectAll()
      .where("entity_id", "=", v1.id)
      .where("action", "=", "request.reevaluate")
      .execute();
    expect(audit).toHaveLength(1);
    // The caller's address is kept in the entry's erasable personal part (ADR 0028).
    expect(audit[0]).toMatchObject({ actor: "token:tok_1", ip: null });
    expect(JSON.parse(audit[0]!.personal ?? "{}")).toMatchObject({ ip: "10.0.0.1" });

    // A reviewer who decided on what they saw before gets a conflict.
    const stale = await api.post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 2,
      amount: { amount: "4800.00", currency: "USD" },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: "version_conflict", currentVersion: 3 });
    expect(await verifyAudit(t.db.db)).toMatchObject({ ok: true });
  });

  it("leaves closed requests alone", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);
    await api.post(`/requests/${v1.id}/withdraw`, c.actor, {});
    await t.db.db
      .updateTable("orders")
      .set({ started_at: "2026-02-10T10:00:00.000Z", delivered_at: "2026-02-20T10:00:00.000Z" })
      .where("id", "=", order.id)
      .execute();
    await t.db.db.transaction().execute((trx) =>
      reevaluateOrderRequests(t.deps, trx, order.id, {
        actor: { role: "admin", userId: "x" },
        ip: null,
      }),
    );
    const after = await api.get(`/requests/${v1.id}`, c.actor);
    expect(after.json()).toMatchObject({ status: "withdrawn", version: 2 });
    expect(after.json().recommendation.id).toBe(v1.recommendation?.id);
  });
});

describe("access", () => {
  it("a client neither sees nor acts on another client's request: 404 like a missing id", async () => {
    const a = await newClient(t);
    const b = await newClient(t);
    const { order } = await newOrder(t, b);
    const theirs = await submit(b, order.id);
    const paths = ["", "/messages", "/decisions"];
    for (const p of paths) {
      const foreign = await api.get(`/requests/${theirs.id}${p}`, a.actor);
      const missing = await api.get(`/requests/req_missing${p}`, a.actor);
      expect(foreign.statusCode, p).toBe(404);
      expect(foreign.json().detail).toBe(missing.json().detail);
    }
    for (const [path, body] of [
      ["withdraw", {}],
      ["answer", { message: "hi" }],
      ["accept-alternative", {}],
      ["messages", { body: "hello" }],
    ] as const) {
      const res = await api.post(`/requests/${theirs.id}/${path}`, a.actor, body);
      expect(res.statusCode, path).toBe(404);
    }
    // Staff routes: refused for clients before any lookup.
    expect(
      (await api.post(`/requests/${theirs.id}/start-review`, a.actor, { expectedVersion: 1 }))
        .statusCode,
    ).toBe(403);
    // Finance reads but does not review.
    expect((await api.get(`/requests/${theirs.id}`, finance)).statusCode).toBe(200);
    expect(
      (await api.post(`/requests/${theirs.id}/start-review`, finance, { expectedVersion: 1 }))
        .statusCode,
    ).toBe(403);
    // Nothing changed.
    const still = await api.get(`/requests/${theirs.id}`, b.actor);
    expect(still.json()).toMatchObject({ status: "submitted", version: 1 });

    const list = await api.get(`/requests?clientId=${b.clientId}`, a.actor);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([]);
    const byOrder = await api.get(`/requests?orderId=${order.id}`, a.actor);
    expect(byOrder.json().items).toEqual([]);
  });

  it("anonymous callers get 401", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/v1/requests" });
    expect(res.statusCode).toBe(401);
  });
});

describe("messages", () => {
  it("staff write notes any time; a client writes on its own open request only", async () => {
    const c = await newClient(t);
    const { order } = await newOrder(t, c);
    const v1 = await submit(c, order.id);
    const note = await api.post(`/requests/${v1.id}/messages`, qa, {
      body: "Checking with delivery.",
    });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json()).toMatchObject({ kind: "note", author: { side: "staff" } });
    const mine = await api.post(`/requests/${v1.id}/messages`, c.actor, { body: "Any news?" });
    expect(mine.statusCode).toBe(201);
    const blank = await api.post(`/requests/${v1.id}/messages`, c.actor, { body: " " });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().errors[0].path).toBe("body.body");
    // A note changes neither status nor version.
    expect((await api.get(`/requests/${v1.id}`, c.actor)).json()).toMatchObject({ version: 1 });
    await api.post(`/requests/${v1.id}/withdraw`, c.actor, {});
    const closed = await api.post(`/requests/${v1.id}/messages`, c.actor, {
      body: "One more thing",
    });
    expect(closed.statusCode).toBe(409);
    const list = await api.get(`/requests/${v1.id}/messages`, qa);
    expect(list.json().items).toHaveLength(2);
    // Finance does not read the conversation.
    expect((await api.get(`/requests/${v1.id}/messages`, finance)).statusCode).toBe(403);
  });
});

describe("lists", () => {
  it("paginate with an opaque cursor and filter; clients see only their own", async () => {
    const c = await newClient(t);
    const other = await newClient(t);
    const ids: string[] = [];
    const start = Date.parse("2026-03-03T09:00:00Z");
    for (let i = 0; i < 5; i++) {
      t.setNow(start + i * 60_000);
      const { order } = await newOrder(t, c);
      ids.push((await submit(c, order.id)).id);
    }
    const { order: otherOrder } = await newOrder(t, other);
    t.setNow(start + 10 * 60_000);
    await submit(other, otherOrder.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/requests?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`;
      const res = await api.get(url, c.actor);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{
        items: { id: string; clientId: string }[];
        nextCursor: string | null;
      }>();
      expect(body.items.length).toBeLessThanOrEqual(2);
      for (const item of body.items) {
        expect(item.clientId).toBe(c.clientId);
        seen.push(item.id);
      }
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);

    // Staff see everyone's; filters narrow it.
    const byClient = await api.get(`/requests?clientId=${c.clientId}&limit=100`, qa);
    expect(byClient.json().items).toHaveLength(5);
    const window = await api.get(
      `/requests?clientId=${c.clientId}&submittedFrom=2026-03-03T09:01:00Z&submittedTo=2026-03-03T09:03:00Z`,
      qa,
    );
    expect(window.json().items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
    const refund = await api.get(
      `/requests?clientId=${c.clientId}&recommendedOutcome=refund&status=submitted`,
      qa,
    );
    expect(refund.json().items).toHaveLength(5);
    expect(refund.json().items[0].recommendation).toMatchObject({ outcome: "refund" });
    const due = refund.json().items[0].recommendation.payoutLatest as string;
    const byDue = await api.get(`/requests?clientId=${c.clientId}&dueFrom=${due}&dueTo=${due}`, qa);
    expect(byDue.json().items.length).toBeGreaterThan(0);
    const denied = await api.get(`/requests?clientId=${c.clientId}&recommendedOutcome=deny`, qa);
    expect(denied.json().items).toEqual([]);

    for (const bad of [
      "limit=0",
      "limit=101",
      "cursor=nope!",
      "status=open",
      "dueFrom=2026-13-01",
      "extra=1",
    ]) {
      const res = await api.get(`/requests?${bad}`, qa);
      expect(res.statusCode, bad).toBe(400);
    }
  });
});
