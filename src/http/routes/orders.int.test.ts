import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientRow, requestRow } from "../../../test/support/db-rows.js";
import { apiCalls, type Method } from "../../../test/support/api-world.js";
import { testServer, type TestServer } from "../../../test/support/http.js";

// Orders, payments and service events through the API, on SQLite (npm test) and PostgreSQL (CI):
// token scopes and roles, strict validation naming the field, mass assignment, not-yours as
// not-found, replays and clashes, optimistic concurrency, audit and re-evaluation.

const A = "cl_a";
const B = "cl_b";
const WRITER = "token:tok_orders:orders:write,orders:read";
const PAYER = "token:tok_pay:payments:write,payments:read";
const EVENTS = "token:tok_evt:events:write,events:read";
const ADMIN = "admin:usr_admin";
const QA = "qa:usr_qa";
const FINANCE = "finance:usr_fin";
const CLIENT_A = `client:${A}:usr_a`;
const CLIENT_B = `client:${B}:usr_b`;

let seq = 0;
function orderBody(o: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    id: `ORD-${seq}`,
    clientId: A,
    service: { name: "External penetration test", category: "audit", billing: "one_off" },
    price: { amount: "4800.00", currency: "USD" },
    placedAt: "2026-02-02T10:00:00Z",
    promisedStartBy: "2026-02-09T10:00:00Z",
    promisedDeliveryBy: "2026-02-23T10:00:00Z",
    startedAt: null,
    deliveredAt: null,
    subscription: null,
    ...o,
  };
}

describe("orders, payments and service events API", () => {
  let t: TestServer;
  let app: FastifyInstance;

  const call = (method: Method, url: string, actor: string | null, payload?: unknown) =>
    apiCalls({ app }).send(method, url, actor, payload);

  async function createOrder(o: Record<string, unknown> = {}) {
    const r = await call("POST", "/orders", WRITER, orderBody(o));
    expect(r.statusCode, r.body).toBe(201);
    return r.json<{ id: string; version: number; clientId: string }>();
  }

  const count = async (table: "orders" | "payments" | "service_events" | "audit_events") => {
    const row = await t.deps.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  beforeAll(async () => {
    t = await testServer();
    app = t.app;
    await t.deps.db
      .insertInto("clients")
      .values([clientRow({ id: A }), clientRow({ id: B, name: "Globex" })])
      .execute();
  });
  afterAll(() => t?.close());

  describe("orders", () => {
    it("creates an order with orders:write and reads it back", async () => {
      const body = orderBody();
      const r = await call("POST", "/orders", WRITER, body);
      expect(r.statusCode, r.body).toBe(201);
      expect(r.headers["location"]).toBe(`/api/v1/orders/${String(body["id"])}`);
      const created = r.json();
      expect(created).toMatchObject({
        id: body["id"],
        clientId: A,
        service: { name: "External penetration test", category: "audit", billing: "one_off" },
        price: { amount: "4800.00", currency: "USD" },
        placedAt: "2026-02-02T10:00:00Z",
        promisedDeliveryBy: "2026-02-23T10:00:00Z",
        startedAt: null,
        subscription: null,
        version: 0,
      });
      const read = await call("GET", `/orders/${String(body["id"])}`, QA);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(created);

      const audit = await t.deps.db
        .selectFrom("audit_events")
        .selectAll()
        .where("entity_id", "=", String(body["id"]))
        .execute();
      expect(audit.map((a) => [a.action, a.actor])).toEqual([
        ["order.created", "token:tok_orders"],
      ]);
    });

    it("stores a subscription order with its current period", async () => {
      const o = await createOrder({
        service: { name: "Monitoring", category: "monitoring", billing: "subscription" },
        price: { amount: "3100.00", currency: "USD" },
        subscription: {
          periodStart: "2026-03-01T00:00:00Z",
          periodEnd: "2026-04-01T00:00:00+02:00",
          chargeRef: "SUB/2026-03",
        },
      });
      const read = await call("GET", `/orders/${o.id}`, ADMIN);
      expect(read.json().subscription).toEqual({
        periodStart: "2026-03-01T00:00:00Z",
        periodEnd: "2026-03-31T22:00:00Z",
        chargeRef: "SUB/2026-03",
      });
    });

    it("lets only orders:write tokens and admins create orders", async () => {
      const before = await count("orders");
      for (const [actor, status] of [
        [null, 401],
        [CLIENT_A, 403],
        [QA, 403],
        [FINANCE, 403],
        ["token:t_ro:orders:read", 403],
        [PAYER, 403],
      ] as const) {
        const r = await call("POST", "/orders", actor, orderBody());
        expect(r.statusCode, `${actor}`).toBe(status);
      }
      expect(await count("orders")).toBe(before);
      expect((await call("POST", "/orders", ADMIN, orderBody())).statusCode).toBe(201);
    });

    it.each([
      [
        "price.amount as a JSON number",
        { price: { amount: 4800, currency: "USD" } },
        "body.price.amount",
      ],
      ["too many decimals", { price: { amount: "12.345", currency: "USD" } }, "body.price.amount"],
      ["an exponent", { price: { amount: "1e3", currency: "USD" } }, "body.price.amount"],
      ["a negative price", { price: { amount: "-1.00", currency: "USD" } }, "body.price.amount"],
      [
        "an unknown currency",
        { price: { amount: "1.00", currency: "XXX" } },
        "body.price.currency",
      ],
      ["a date without time", { placedAt: "2026-02-02" }, "body.placedAt"],
      ["an instant without offset", { startedAt: "2026-02-02T10:00:00" }, "body.startedAt"],
      ["February 30", { deliveredAt: "2026-02-30T10:00:00Z" }, "body.deliveredAt"],
      [
        "an unknown category",
        { service: { name: "x", category: "catering", billing: "one_off" } },
        "body.service.category",
      ],
      [
        "a blank service name",
        { service: { name: "  ", category: "audit", billing: "one_off" } },
        "body.service.name",
      ],
      [
        "a subscription on a one-off order",
        {
          subscription: {
            periodStart: "2026-03-01T00:00:00Z",
            periodEnd: "2026-04-01T00:00:00Z",
            chargeRef: "S",
          },
        },
        "body.subscription",
      ],
      [
        "a subscription order without a period",
        { service: { name: "x", category: "monitoring", billing: "subscription" } },
        "body.subscription",
      ],
      [
        "a period that ends before it starts",
        {
          service: { name: "x", category: "monitoring", billing: "subscription" },
          subscription: {
            periodStart: "2026-03-01T00:00:00Z",
            periodEnd: "2026-03-01T00:00:00Z",
            chargeRef: "S",
          },
        },
        "body.subscription.periodEnd",
      ],
      ["an id with a slash", { id: "ORD/1" }, "body.id"],
      ["a missing clientId", { clientId: undefined }, "body.clientId"],
    ])("refuses %s with 400 naming the field", async (_what, patch, path) => {
      const before = await count("orders");
      const r = await call("POST", "/orders", WRITER, orderBody(patch));
      expect(r.statusCode, r.body).toBe(400);
      expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(r.json().errors[0].path).toBe(path);
      expect(await count("orders")).toBe(before);
    });

    it("refuses a second order with the same id (409) and an unknown client (422)", async () => {
      const o = await createOrder();
      const dup = await call("POST", "/orders", WRITER, orderBody({ id: o.id, clientId: B }));
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({ code: "conflict", orderId: o.id });
      expect(dup.json().errors[0].path).toBe("body.id");
      const read = await call("GET", `/orders/${o.id}`, ADMIN);
      expect(read.json().clientId).toBe(A);

      const unknown = await call("POST", "/orders", WRITER, orderBody({ clientId: "cl_nobody" }));
      expect(unknown.statusCode).toBe(422);
      expect(unknown.json().errors[0].path).toBe("body.clientId");
    });

    it("refuses mass assignment on create and change: 400 and nothing changed", async () => {
      const before = await count("orders");
      for (const extra of [{ refunded: "100.00" }, { status: "refunded" }, { version: 7 }]) {
        const r = await call("POST", "/orders", WRITER, { ...orderBody(), ...extra });
        expect(r.statusCode).toBe(400);
        expect(r.json().errors[0]).toEqual({
          path: `body.${Object.keys(extra)[0]}`,
          message: "unknown field",
        });
      }
      expect(await count("orders")).toBe(before);

      const o = await createOrder();
      const auditBefore = await count("audit_events");
      for (const extra of [
        { version: 5 },
        { status: "delivered" },
        { clientId: B },
        { price: { amount: "1.00", currency: "USD" } },
        { refunded: "4800.00" },
      ]) {
        const r = await call("PATCH", `/orders/${o.id}`, WRITER, {
          expectedVersion: 0,
          deliveredAt: "2026-02-20T10:00:00Z",
          ...extra,
        });
        expect(r.statusCode, JSON.stringify(extra)).toBe(400);
        expect(r.json().errors[0].message).toBe("unknown field");
      }
      const read = (await call("GET", `/orders/${o.id}`, ADMIN)).json();
      expect(read).toMatchObject({ version: 0, deliveredAt: null, clientId: A });
      expect(read.price).toEqual({ amount: "4800.00", currency: "USD" });
      expect(await count("audit_events")).toBe(auditBefore);
    });

    it("answers a client's read of a foreign order exactly like a missing id", async () => {
      const o = await createOrder({ clientId: A });
      const own = await call("GET", `/orders/${o.id}`, CLIENT_A);
      expect(own.statusCode).toBe(200);
      const foreign = await call("GET", `/orders/${o.id}`, CLIENT_B);
      const missing = await call("GET", "/orders/ORD-does-not-exist", CLIENT_B);
      expect(foreign.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined });
      expect(strip(foreign.json())).toEqual(strip(missing.json()));
      expect(foreign.headers["content-type"]).toBe(missing.headers["content-type"]);
      // Nor through its payments.
      const payments = await call("GET", `/orders/${o.id}/payments`, CLIENT_B);
      expect(payments.statusCode).toBe(404);
      expect(strip(payments.json())).toEqual(strip(missing.json()));
    });

    it("lists a client's own orders only, and pages with a cursor", async () => {
      // Two clients of their own, so other tests' orders stay out of these lists.
      const C = "cl_list_c";
      const D = "cl_list_d";
      await t.deps.db
        .insertInto("clients")
        .values([clientRow({ id: C }), clientRow({ id: D })])
        .execute();
      for (let i = 1; i <= 3; i++) {
        await createOrder({ id: `C-${i}`, clientId: C, placedAt: `2026-01-0${i}T00:00:00Z` });
      }
      await createOrder({ id: "D-1", clientId: D });
      const list = (actor: string, query: string) => call("GET", `/orders${query}`, actor);
      const ids = (r: { json: () => { items: { id: string }[] } }) =>
        r.json().items.map((o) => o.id);
      const clientC = `client:${C}:usr_c`;
      const clientD = `client:${D}:usr_d`;

      expect(ids(await list(clientC, ""))).toEqual(["C-3", "C-2", "C-1"]);
      expect(ids(await list(clientD, ""))).toEqual(["D-1"]);
      expect(ids(await list(clientC, `?clientId=${C}`))).toEqual(["C-3", "C-2", "C-1"]);
      // A client naming another client sees nothing, as a client without orders would.
      const foreign = await list(clientD, `?clientId=${C}`);
      expect(foreign.statusCode).toBe(200);
      expect(foreign.json()).toEqual({ items: [], nextCursor: null });
      expect(ids(await list(QA, ""))).toEqual(expect.arrayContaining(["C-1", "D-1", "C-3"]));
      expect(ids(await list(FINANCE, `?clientId=${D}`))).toEqual(["D-1"]);
      expect(ids(await list("token:t:orders:read", `?clientId=${D}`))).toEqual(["D-1"]);
      expect((await list(PAYER, "")).statusCode).toBe(403);

      const first = await list(ADMIN, `?clientId=${C}&limit=2`);
      expect(ids(first)).toEqual(["C-3", "C-2"]);
      const cursor = first.json().nextCursor as string;
      expect(typeof cursor).toBe("string");
      const second = await list(ADMIN, `?clientId=${C}&limit=2&cursor=${cursor}`);
      expect(ids(second)).toEqual(["C-1"]);
      expect(second.json().nextCursor).toBeNull();

      const badCursor = await list(ADMIN, "?cursor=nonsense");
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.json().errors[0].path).toBe("query.cursor");
      const badLimit = await list(ADMIN, "?limit=0");
      expect(badLimit.statusCode).toBe(400);
      expect(badLimit.json().errors[0].path).toBe("query.limit");
      const unknownParam = await list(ADMIN, "?status=open");
      expect(unknownParam.statusCode).toBe(400);
    });

    it("changes facts under the version last read; a stale version is 409", async () => {
      const o = await createOrder();
      const ok = await call("PATCH", `/orders/${o.id}`, WRITER, {
        expectedVersion: 0,
        startedAt: "2026-02-09T09:00:00+01:00",
        promisedDeliveryBy: null,
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({
        version: 1,
        startedAt: "2026-02-09T08:00:00Z",
        promisedDeliveryBy: null,
      });
      const stale = await call("PATCH", `/orders/${o.id}`, WRITER, {
        expectedVersion: 0,
        deliveredAt: "2026-02-20T10:00:00Z",
      });
      expect(stale.statusCode).toBe(409);
      expect(stale.json()).toMatchObject({ code: "version_conflict", currentVersion: 1 });
      expect((await call("GET", `/orders/${o.id}`, ADMIN)).json().deliveredAt).toBeNull();

      const audit = await t.deps.db
        .selectFrom("audit_events")
        .selectAll()
        .where("entity_id", "=", o.id)
        .where("action", "=", "order.changed")
        .execute();
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]?.summary ?? "{}")).toMatchObject({
        version: 1,
        changes: {
          startedAt: { from: null, to: "2026-02-09T08:00:00Z" },
          promisedDeliveryBy: { from: "2026-02-23T10:00:00Z", to: null },
        },
      });
    });

    it("validates changes like new orders", async () => {
      const o = await createOrder();
      const cases: [Record<string, unknown>, number, string][] = [
        [{ expectedVersion: 0, deliveredAt: "yesterday" }, 400, "body.deliveredAt"],
        [
          {
            expectedVersion: 0,
            subscription: {
              periodStart: "2026-03-01T00:00:00Z",
              periodEnd: "2026-04-01T00:00:00Z",
              chargeRef: "S",
            },
          },
          400,
          "body.subscription",
        ],
        [{ expectedVersion: "0", startedAt: null }, 400, "body.expectedVersion"],
        [{ deliveredAt: null }, 400, "body.expectedVersion"],
      ];
      for (const [body, status, path] of cases) {
        const r = await call("PATCH", `/orders/${o.id}`, WRITER, body);
        expect(r.statusCode, JSON.stringify(body)).toBe(status);
        expect(r.json().errors[0].path).toBe(path);
      }
      const onlyVersion = await call("PATCH", `/orders/${o.id}`, WRITER, { expectedVersion: 0 });
      expect(onlyVersion.statusCode).toBe(400);
      const missing = await call("PATCH", "/orders/NOPE", WRITER, {
        expectedVersion: 0,
        startedAt: null,
      });
      expect(missing.statusCode).toBe(404);
      expect(
        (await call("PATCH", `/orders/${o.id}`, QA, { expectedVersion: 0, startedAt: null }))
          .statusCode,
      ).toBe(403);
    });
  });

  describe("payments", () => {
    const paymentBody = (orderId: string, o: Record<string, unknown> = {}) => ({
      orderId,
      chargeRef: orderId,
      amount: { amount: "4800.00", currency: "USD" },
      method: "card",
      capturedAt: "2026-02-02T10:05:00Z",
      ...o,
    });

    it("records a payment with payments:write; reads it by id and under its order", async () => {
      const o = await createOrder();
      const r = await call("POST", "/payments", PAYER, paymentBody(o.id, { providerRef: "ch_1" }));
      expect(r.statusCode, r.body).toBe(201);
      const p = r.json();
      expect(p).toMatchObject({
        orderId: o.id,
        clientId: A,
        amount: { amount: "4800.00", currency: "USD" },
        method: "card",
        capturedAt: "2026-02-02T10:05:00Z",
        providerRef: "ch_1",
        refunded: { amount: "0.00", currency: "USD" },
        version: 0,
      });
      expect(p.id).toMatch(/^pay_/);
      expect((await call("GET", `/payments/${p.id}`, CLIENT_A)).json()).toEqual(p);
      expect((await call("GET", `/payments/${p.id}`, "token:r:payments:read")).statusCode).toBe(
        200,
      );
      const foreign = await call("GET", `/payments/${p.id}`, CLIENT_B);
      const missing = await call("GET", "/payments/pay_nope", CLIENT_B);
      expect(foreign.statusCode).toBe(404);
      expect({ ...foreign.json(), instance: 0 }).toEqual({ ...missing.json(), instance: 0 });
      const list = await call("GET", `/orders/${o.id}/payments`, CLIENT_A);
      expect(list.json()).toEqual({ items: [{ ...p, extra: false }], nextCursor: null });
      const audit = await t.deps.db
        .selectFrom("audit_events")
        .selectAll()
        .where("entity_id", "=", p.id)
        .executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ action: "payment.recorded", actor: "token:tok_pay" });
      expect(audit.summary).not.toContain("ch_1");
    });

    it("marks, in an order's list, the payments that are extra (the same charge paid again)", async () => {
      const o = await createOrder();
      const first = await call(
        "POST",
        "/payments",
        PAYER,
        paymentBody(o.id, { providerRef: "ch_a" }),
      );
      const again = await call(
        "POST",
        "/payments",
        PAYER,
        paymentBody(o.id, { providerRef: "ch_b", capturedAt: "2026-02-02T10:06:00Z" }),
      );
      expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
      const list = await call("GET", `/orders/${o.id}/payments`, CLIENT_A);
      expect(
        list.json<{ items: { id: string; extra: boolean }[] }>().items.map((p) => [p.id, p.extra]),
      ).toEqual([
        [first.json<{ id: string }>().id, false],
        [again.json<{ id: string }>().id, true],
      ]);
      // A page of one still knows what came before it.
      const page1 = await call("GET", `/orders/${o.id}/payments?limit=1`, CLIENT_A);
      const cursor = page1.json<{ nextCursor: string }>().nextCursor;
      const page2 = await call(
        "GET",
        `/orders/${o.id}/payments?limit=1&cursor=${encodeURIComponent(cursor)}`,
        CLIENT_A,
      );
      expect(page2.json<{ items: { id: string; extra: boolean }[] }>().items).toEqual([
        expect.objectContaining({ id: again.json<{ id: string }>().id, extra: true }),
      ]);
      // Read alone, a payment carries no list-relative flag.
      expect(
        (await call("GET", `/payments/${again.json<{ id: string }>().id}`, CLIENT_A)).json(),
      ).not.toHaveProperty("extra");
    });

    it("keeps crypto amounts exact", async () => {
      const o = await createOrder();
      const r = await call(
        "POST",
        "/payments",
        PAYER,
        paymentBody(o.id, { amount: { amount: "0.05123456", currency: "BTC" }, method: "crypto" }),
      );
      expect(r.statusCode).toBe(201);
      expect(r.json().amount).toEqual({ amount: "0.05123456", currency: "BTC" });
      const row = await t.deps.db
        .selectFrom("payments")
        .selectAll()
        .where("id", "=", r.json().id)
        .executeTakeFirstOrThrow();
      expect([row.amount_minor, row.currency]).toEqual(["5123456", "BTC"]);
    });

    it("replays the same payment (200, no new row) and refuses a clash (409)", async () => {
      const o = await createOrder();
      const body = paymentBody(o.id, { id: "PAY-X1", providerRef: "ch_replay" });
      const first = await call("POST", "/payments", PAYER, body);
      expect(first.statusCode).toBe(201);
      const before = await count("payments");
      const again = await call("POST", "/payments", PAYER, body);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first.json());
      // Without the id, the provider reference identifies the same payment.
      const noId = paymentBody(o.id, { providerRef: "ch_replay" });
      const byRef = await call("POST", "/payments", PAYER, noId);
      expect(byRef.statusCode).toBe(200);
      expect(byRef.json().id).toBe("PAY-X1");
      expect(await count("payments")).toBe(before);

      const otherAmount = await call("POST", "/payments", PAYER, {
        ...noId,
        amount: { amount: "10.00", currency: "USD" },
      });
      expect(otherAmount.statusCode).toBe(409);
      expect(otherAmount.json().errors[0].path).toBe("body.providerRef");
      const otherRef = await call("POST", "/payments", PAYER, { ...body, providerRef: "ch_other" });
      expect(otherRef.statusCode).toBe(409);
      expect(otherRef.json().errors[0].path).toBe("body.id");
      expect(await count("payments")).toBe(before);
    });

    it.each([
      [
        "amount as a JSON number",
        { amount: { amount: 10, currency: "USD" } },
        400,
        "body.amount.amount",
      ],
      ["a zero amount", { amount: { amount: "0.00", currency: "USD" } }, 400, "body.amount.amount"],
      [
        "a negative amount",
        { amount: { amount: "-5.00", currency: "USD" } },
        400,
        "body.amount.amount",
      ],
      ["an unknown method", { method: "cash" }, 400, "body.method"],
      ["a bad capturedAt", { capturedAt: "2026-02-02 10:05" }, 400, "body.capturedAt"],
      [
        "refunded in the body",
        { refunded: { amount: "1.00", currency: "USD" } },
        400,
        "body.refunded",
      ],
      ["clientId in the body", { clientId: B }, 400, "body.clientId"],
      ["an unknown order", { orderId: "ORD-none" }, 422, "body.orderId"],
    ])("refuses %s naming the field", async (_what, patch, status, path) => {
      const o = await createOrder();
      const before = await count("payments");
      const r = await call("POST", "/payments", PAYER, paymentBody(o.id, patch));
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().errors[0].path).toBe(path);
      expect(await count("payments")).toBe(before);
    });

    it("lets only payments:write tokens and admins record payments", async () => {
      const o = await createOrder();
      for (const actor of [CLIENT_A, QA, FINANCE, WRITER, "token:t:payments:read"]) {
        const r = await call("POST", "/payments", actor, paymentBody(o.id));
        expect(r.statusCode, actor).toBe(403);
      }
      expect((await call("POST", "/payments", ADMIN, paymentBody(o.id))).statusCode).toBe(201);
    });
  });

  describe("service events", () => {
    it("records an event with events:write, who and when; lists and closes it", async () => {
      const o = await createOrder();
      const r = await call("POST", `/orders/${o.id}/events`, EVENTS, {
        kind: "client_blocker",
        from: "2026-02-05T09:00:00Z",
        note: 'Waiting for VPN access, "urgent"',
      });
      expect(r.statusCode, r.body).toBe(201);
      const e = r.json();
      expect(e).toMatchObject({
        orderId: o.id,
        kind: "client_blocker",
        from: "2026-02-05T09:00:00Z",
        to: null,
        recordedBy: "token:tok_evt",
        recordedAt: "2026-03-02T09:00:00Z",
      });
      const closed = await call("PATCH", `/orders/${o.id}/events/${e.id}`, EVENTS, {
        to: "2026-02-12T09:00:00Z",
      });
      expect(closed.statusCode, closed.body).toBe(200);
      expect(closed.json()).toMatchObject({ id: e.id, to: "2026-02-12T09:00:00Z" });
      const list = await call("GET", `/orders/${o.id}/events`, QA);
      expect(list.json()).toEqual({ items: [closed.json()], nextCursor: null });
      const actions = await t.deps.db
        .selectFrom("audit_events")
        .select("action")
        .where("entity_id", "=", e.id)
        .orderBy("seq")
        .execute();
      expect(actions.map((a) => a.action)).toEqual(["event.recorded", "event.changed"]);
    });

    it("follows the access rules for events", async () => {
      const o = await createOrder();
      const body = { kind: "external_incident", from: "2026-02-05T09:00:00Z", note: "Outage" };
      for (const actor of [CLIENT_A, QA, FINANCE, PAYER]) {
        expect((await call("POST", `/orders/${o.id}/events`, actor, body)).statusCode, actor).toBe(
          403,
        );
      }
      expect((await call("POST", `/orders/${o.id}/events`, ADMIN, body)).statusCode).toBe(201);
      expect((await call("GET", `/orders/${o.id}/events`, CLIENT_A)).statusCode).toBe(403);
      expect((await call("GET", `/orders/${o.id}/events`, FINANCE)).statusCode).toBe(403);
      expect((await call("GET", `/orders/NOPE/events`, QA)).statusCode).toBe(404);
      expect((await call("POST", `/orders/NOPE/events`, EVENTS, body)).statusCode).toBe(404);
    });

    it("validates events like the engine does", async () => {
      const o = await createOrder();
      const base = { kind: "internal_fault", from: "2026-02-05T09:00:00Z", note: "Disk" };
      const cases: [Record<string, unknown>, string][] = [
        [{ ...base, kind: "holiday" }, "body.kind"],
        [{ ...base, to: "2026-02-04T09:00:00Z" }, "body.to"],
        [{ ...base, from: "soon" }, "body.from"],
        [{ ...base, note: " " }, "body.note"],
        [{ ...base, recordedBy: "someone" }, "body.recordedBy"],
      ];
      for (const [body, path] of cases) {
        const r = await call("POST", `/orders/${o.id}/events`, EVENTS, body);
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect(r.json().errors[0].path).toBe(path);
      }
      const e = (await call("POST", `/orders/${o.id}/events`, EVENTS, base)).json();
      const early = await call("PATCH", `/orders/${o.id}/events/${e.id}`, EVENTS, {
        to: "2026-02-01T00:00:00Z",
      });
      expect(early.statusCode).toBe(400);
      expect(early.json().errors[0].path).toBe("body.to");
      const other = await createOrder();
      const wrongOrder = await call("PATCH", `/orders/${other.id}/events/${e.id}`, EVENTS, {
        to: null,
      });
      expect(wrongOrder.statusCode).toBe(404);
      const mass = await call("PATCH", `/orders/${o.id}/events/${e.id}`, EVENTS, { kind: "x" });
      expect(mass.statusCode).toBe(400);
    });
  });

  it("answers NUL characters (which PostgreSQL text cannot hold) without a 5xx", async () => {
    const body = await call("POST", "/orders", WRITER, orderBody({ clientId: "cl\u0000a" }));
    expect(body.statusCode).toBe(400);
    expect(body.json().errors[0].path).toBe("body.clientId");
    const name = await call(
      "POST",
      "/orders",
      WRITER,
      orderBody({ service: { name: "a\u0000b", category: "audit", billing: "one_off" } }),
    );
    expect(name.json().errors[0].path).toBe("body.service.name");
    expect((await call("GET", "/orders/a%00b", ADMIN)).statusCode).toBe(404);
    expect((await call("GET", "/payments/a%00b", ADMIN)).statusCode).toBe(404);
    const query = await call("GET", "/orders?clientId=a%00b", ADMIN);
    expect(query.statusCode).toBe(400);
    expect(query.json().errors[0].path).toBe("querystring.clientId");
    const payment = await call("POST", "/payments", PAYER, {
      orderId: "o\u0000",
      chargeRef: "c",
      amount: { amount: "1.00", currency: "USD" },
      method: "card",
      capturedAt: "2026-02-02T10:05:00Z",
    });
    expect(payment.statusCode).toBe(400);
    expect(payment.json().errors[0].path).toBe("body.orderId");
  });

  it("documents every route of the slice in OpenAPI with a tag, a summary and a permission", async () => {
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    const expected: [string, string][] = [
      ["/api/v1/orders", "post"],
      ["/api/v1/orders", "get"],
      ["/api/v1/orders/{id}", "get"],
      ["/api/v1/orders/{id}", "patch"],
      ["/api/v1/orders/{id}/payments", "get"],
      ["/api/v1/orders/{id}/events", "get"],
      ["/api/v1/orders/{id}/events", "post"],
      ["/api/v1/orders/{id}/events/{eventId}", "patch"],
      ["/api/v1/payments", "post"],
      ["/api/v1/payments/{id}", "get"],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths?.[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags.length).toBeGreaterThan(0);
      expect(op.summary).toEqual(expect.any(String));
    }
    const records = (app as unknown as { routeRecords: { url: string; permission?: string }[] })
      .routeRecords;
    const mine = records.filter((x) => /^\/api\/v1\/(orders|payments)/.test(x.url));
    expect(mine.length).toBeGreaterThanOrEqual(expected.length);
    for (const r of mine) {
      expect(r.permission, r.url).toMatch(/^(order|payment|event)\.(read|write)$/);
    }
  });

  describe("re-evaluation", () => {
    it("re-evaluates the order's open requests when a payment, an event or a fact changes", async () => {
      const o = await createOrder();
      const req = requestRow(
        { id: o.id, client_id: A },
        { submitted_at: "2026-02-16T09:30:00.000Z" },
      );
      await t.deps.db.insertInto("refund_requests").values(req).execute();
      const recs = async () =>
        t.deps.db
          .selectFrom("recommendations")
          .select(["outcome", "amount_minor"])
          .where("request_id", "=", req.id)
          .orderBy("created_at")
          .execute();
      expect(await recs()).toEqual([]);
      // Each step a minute later, so the recommendations' created_at orders them.
      let minute = 0;
      const tick = () => t.setNow(Date.parse("2026-03-02T09:00:00Z") + ++minute * 60_000);

      // Paid, never started: the engine recommends refunding the payment.
      tick();
      const pay = await call("POST", "/payments", PAYER, {
        orderId: o.id,
        chargeRef: o.id,
        amount: { amount: "4800.00", currency: "USD" },
        method: "card",
        capturedAt: "2026-02-02T10:05:00Z",
      });
      expect(pay.statusCode).toBe(201);
      const afterPayment = await recs();
      expect(afterPayment.length).toBeGreaterThan(0);
      expect(afterPayment.at(-1)).toEqual({ outcome: "refund", amount_minor: "480000" });

      // A client blocker since the day after the order explains the delay: denied.
      tick();
      const blocker = await call("POST", `/orders/${o.id}/events`, EVENTS, {
        kind: "client_blocker",
        from: "2026-02-03T00:00:00Z",
        note: "VPN access not provided",
      });
      expect(blocker.statusCode).toBe(201);
      const afterBlocker = await recs();
      expect(afterBlocker.at(-1)).toEqual({ outcome: "deny", amount_minor: null });

      // Closed after one day, it no longer explains the delay: a refund again.
      tick();
      const closed = await call("PATCH", `/orders/${o.id}/events/${blocker.json().id}`, EVENTS, {
        to: "2026-02-04T00:00:00Z",
      });
      expect(closed.statusCode).toBe(200);
      const afterClose = await recs();
      expect(afterClose.at(-1)).toEqual({ outcome: "refund", amount_minor: "480000" });

      // Delivered after all: no longer a refund for non-delivery.
      tick();
      const patched = await call("PATCH", `/orders/${o.id}`, WRITER, {
        expectedVersion: 0,
        startedAt: "2026-02-09T10:00:00Z",
        deliveredAt: "2026-02-20T10:00:00Z",
      });
      expect(patched.statusCode, patched.body).toBe(200);
      const afterDelivery = await recs();
      expect(afterDelivery.length).toBeGreaterThan(afterClose.length);
      expect(afterDelivery.at(-1)?.outcome).not.toBe("refund");
      t.setNow(Date.parse("2026-03-02T09:00:00Z"));
    });
  });
});
