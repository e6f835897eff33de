// The integrator's path through the typed client (openapi-fetch over the generated types): the
// ERP pushes an order, its payment and a service event with a token; the client opens a request;
// QA approves it; finance approves the payout. Bodies, paths, parameters and answers are typed
// from the OpenAPI document, so a route whose contract changes breaks this file at type-checking;
// testServer checks every answer against the document at run time as well.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, type ApiClient, type Schemas } from "../support/api-client.js";
import { clientRow, userRow } from "../support/db-rows.js";
import { testServer, type TestServer } from "../support/http.js";

let t: TestServer;
let erp: ApiClient;
let alice: ApiClient;
let qa: ApiClient;
let fin1: ApiClient;
let fin2: ApiClient;
let clientId: string;

const ORDER_ID = "ORD-TYPED-1";

beforeAll(async () => {
  t = await testServer({ now: Date.parse("2026-03-02T09:00:00Z") });
  const client = clientRow();
  clientId = client.id;
  const users = [
    userRow({ role: "client", client_id: client.id }),
    userRow({ role: "qa" }),
    userRow({ role: "finance" }),
    userRow({ role: "finance" }),
  ];
  await t.db.db.insertInto("clients").values(client).execute();
  await t.db.db.insertInto("users").values(users).execute();
  erp = apiClient(t.app, {
    "x-test-actor":
      "token:tok_erp:orders:read,orders:write,payments:read,payments:write,events:write",
  });
  alice = apiClient(t.app, { "x-test-actor": `client:${client.id}:${users[0]!.id}` });
  qa = apiClient(t.app, { "x-test-actor": `qa:${users[1]!.id}` });
  fin1 = apiClient(t.app, { "x-test-actor": `finance:${users[2]!.id}` });
  fin2 = apiClient(t.app, { "x-test-actor": `finance:${users[3]!.id}` });
});

afterAll(() => t.close());

describe("the typed client", () => {
  let order: Schemas["Order"];
  let request: Schemas["Request"];

  it("pushes an order with a token; a retry with the same Idempotency-Key is replayed", async () => {
    const body: Schemas["OrderCreate"] = {
      id: ORDER_ID,
      clientId,
      service: { name: "External penetration test", category: "audit", billing: "one_off" },
      price: { amount: "4800.00", currency: "USD" },
      placedAt: "2026-02-10T09:00:00Z",
      promisedStartBy: "2026-02-17T09:00:00Z",
      startedAt: null,
      deliveredAt: null,
    };
    const first = await erp.POST("/api/v1/orders", {
      params: { header: { "idempotency-key": "erp-order-ORD-TYPED-1" } },
      body,
    });
    expect(first.response.status).toBe(201);
    expect(first.data?.price).toEqual({ amount: "4800.00", currency: "USD" });
    expect(first.response.headers.get("location")).toBe(`/api/v1/orders/${ORDER_ID}`);
    order = first.data!;

    const again = await erp.POST("/api/v1/orders", {
      params: { header: { "idempotency-key": "erp-order-ORD-TYPED-1" } },
      body,
    });
    expect(again.response.status).toBe(201);
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(again.data).toEqual(first.data);
  });

  it("answers a problem document, typed, naming the field", async () => {
    const { data, error, response } = await erp.POST("/api/v1/orders", {
      body: {
        id: "ORD-TYPED-BAD",
        clientId,
        service: { name: "Audit", category: "audit", billing: "one_off" },
        price: { amount: "48OO.00", currency: "USD" },
        placedAt: "2026-02-10T09:00:00Z",
      },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(error?.code).toBe("invalid_input");
    expect(error?.errors?.map((e) => e.path)).toEqual(["body.price.amount"]);
  });

  it("records the payment (201), then confirms it (200); a service event follows", async () => {
    const payment: Schemas["PaymentCreate"] = {
      id: `${ORDER_ID}-PAY-1`,
      orderId: ORDER_ID,
      chargeRef: ORDER_ID,
      amount: { amount: "4800.00", currency: "USD" },
      method: "card",
      capturedAt: "2026-02-10T10:00:00Z",
      providerRef: "ch_typed_1",
    };
    const created = await erp.POST("/api/v1/payments", { body: payment });
    expect(created.response.status).toBe(201);
    expect(created.data?.refunded).toEqual({ amount: "0.00", currency: "USD" });
    const repeat = await erp.POST("/api/v1/payments", { body: payment });
    expect(repeat.response.status).toBe(200);
    expect(repeat.data?.id).toBe(payment.id);

    const listed = await erp.GET("/api/v1/orders/{id}/payments", {
      params: { path: { id: ORDER_ID } },
    });
    expect(listed.data?.items.map((p) => p.id)).toEqual([payment.id]);

    const event = await erp.POST("/api/v1/orders/{id}/events", {
      params: { path: { id: ORDER_ID } },
      body: {
        kind: "internal_fault",
        from: "2026-02-17T09:00:00Z",
        note: "Our tester fell ill; nobody replaced him.",
      },
    });
    expect(event.response.status).toBe(201);
    expect(event.data?.kind).toBe("internal_fault");
  });

  it("refuses a stale expectedVersion with 409 version_conflict", async () => {
    const stale = await erp.PATCH("/api/v1/orders/{id}", {
      params: { path: { id: ORDER_ID } },
      body: { expectedVersion: order.version + 5, deliveredAt: null },
    });
    expect(stale.response.status).toBe(409);
    expect(stale.error?.code).toBe("version_conflict");
  });

  it("lets the client open a request, and QA approve it with the version it read", async () => {
    const opened = await alice.POST("/api/v1/requests", {
      body: {
        orderId: ORDER_ID,
        reason: "not_delivered",
        description: "The penetration test never started.",
      },
    });
    expect(opened.response.status).toBe(201);
    request = opened.data!;
    expect(request.recommendation?.outcome).toBeDefined();

    const mine = await alice.GET("/api/v1/requests", { params: { query: { limit: "10" } } });
    expect(mine.data?.items.map((r) => r.id)).toEqual([request.id]);
    expect(mine.data?.nextCursor).toBeNull();

    const started = await qa.POST("/api/v1/requests/{id}/start-review", {
      params: { path: { id: request.id! } },
      body: { expectedVersion: request.version! },
    });
    expect(started.data?.status).toBe("in_review");
    const approved = await qa.POST("/api/v1/requests/{id}/approve", {
      params: { path: { id: request.id! } },
      body: {
        expectedVersion: started.data!.version!,
        amount: { amount: "4800.00", currency: "USD" },
        justification: "Work never started.",
      },
    });
    expect(approved.response.status).toBe(200);
    expect(approved.data?.status).toBe("approved");
    const history = await qa.GET("/api/v1/requests/{id}/decisions", {
      params: { path: { id: request.id! } },
    });
    expect(history.data?.items.map((d) => d.kind)).toEqual(["approve"]);
  });

  it("lets finance find the payout and approve it (four eyes: two people)", async () => {
    const page = await fin1.GET("/api/v1/payouts", {
      params: { query: { requestId: request.id! } },
    });
    expect(page.response.status).toBe(200);
    const payout = page.data!.items[0]!;
    expect(payout.amount).toEqual({ amount: "4800.00", currency: "USD" });
    expect(payout.status).toBe("scheduled");

    let current: Schemas["Payout"] = payout;
    for (const finance of [fin1, fin2].slice(0, payout.approvalsNeeded ?? 1)) {
      const res = await finance.POST("/api/v1/payouts/{id}/approve", {
        params: { path: { id: payout.id! } },
        body: { expectedVersion: current.version! },
      });
      expect(res.response.status).toBe(200);
      current = res.data!;
    }
    expect(current.approvals?.length).toBe(payout.approvalsNeeded);
    const summary = await fin1.GET("/api/v1/payouts/summary");
    expect(summary.data?.today).toBe("2026-03-02");
  });

  it("lets the client read its own payout and not another client's order", async () => {
    const mine = await alice.GET("/api/v1/payouts", { params: { query: {} } });
    expect(mine.data?.items.length).toBe(1);
    const foreign = await alice.GET("/api/v1/orders/{id}", {
      params: { path: { id: "ORD-NOT-HERE" } },
    });
    expect(foreign.response.status).toBe(404);
    expect(foreign.error?.code).toBe("not_found");
  });
});
