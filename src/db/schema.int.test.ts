import type { Insertable } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, testDatabaseUrl, type TestDatabase } from "../../test/support/database.js";
import {
  clientRow,
  orderRow,
  paymentRow,
  requestRow,
  userRow,
} from "../../test/support/db-rows.js";
import { newId } from "./ids.js";
import { MIGRATIONS, migrateToLatest, migrationStatus } from "./migrations/index.js";
import { fromDbMoney, toDbMoney } from "./money.js";
import type { Database } from "./schema.js";
import { fromDbInstant, toDbInstant } from "./time.js";

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe(`migrations (${testDatabaseUrl() === undefined ? "sqlite" : "postgres"})`, () => {
  it("apply once; running them again applies nothing and changes nothing", async () => {
    t = await freshDatabase({ migrate: false });
    expect(await migrationStatus(t.db)).toEqual({ applied: [], pending: Object.keys(MIGRATIONS) });
    expect(await migrateToLatest(t.db)).toEqual(Object.keys(MIGRATIONS));
    const tables = (await t.db.introspection.getTables()).map((x) => x.name).sort();
    expect(await migrateToLatest(t.db)).toEqual([]);
    expect(await migrateToLatest(t.db)).toEqual([]);
    expect((await t.db.introspection.getTables()).map((x) => x.name).sort()).toEqual(tables);
    expect(await migrationStatus(t.db)).toEqual({ applied: Object.keys(MIGRATIONS), pending: [] });
    expect(tables).toEqual(
      expect.arrayContaining([
        "clients",
        "users",
        "sessions",
        "api_tokens",
        "login_throttle",
        "orders",
        "payments",
        "service_events",
        "refund_requests",
        "messages",
        "attachments",
        "recommendations",
        "decisions",
        "payouts",
        "audit_events",
        "idempotency_keys",
        "outbox",
        "notification_deliveries",
        "webhook_endpoints",
        "webhook_deliveries",
      ]),
    );
  });

  it.runIf(testDatabaseUrl() !== undefined)(
    "two pools migrating at once apply each migration once",
    async () => {
      t = await freshDatabase({ migrate: false });
      const other = await t.reopen();
      const [a, b] = await Promise.all([migrateToLatest(t.db), migrateToLatest(other.db)]);
      expect([...a, ...b]).toEqual(Object.keys(MIGRATIONS));
    },
  );
});

describe("every table round-trips its columns", () => {
  it("stores and returns each row exactly, an 18-decimal ETH amount included", async () => {
    t = await freshDatabase();
    const db = t.db;
    const at = (iso: string) => toDbInstant(Date.parse(iso));
    const inserted: { [K in keyof Database]?: Insertable<Database[K]> } = {};

    const client = clientRow();
    const clientUser = userRow({ role: "client", client_id: client.id, email: "Ann@acme.test" });
    const staff = userRow({ role: "finance" });
    const order = orderRow(client.id, {
      service_category: "monitoring",
      service_billing: "subscription",
      subscription_period_start: at("2026-02-01T00:00:00Z"),
      subscription_period_end: at("2026-03-01T00:00:00Z"),
      subscription_charge_ref: "SUB-1/P",
      started_at: at("2026-02-01T12:00:00Z"),
    });
    // 123,456,789.012345678901234567 ETH in wei: far beyond 2^63.
    const eth = fromDbMoney({ minor: "123456789012345678901234567", currency: "ETH" });
    const payment = paymentRow(order, {
      ...{ amount_minor: toDbMoney(eth).minor, currency: toDbMoney(eth).currency },
      method: "crypto",
      provider_ref: "0xabc",
      refunded_minor: "1000000000000000001",
    });
    const request = requestRow(order);
    inserted.clients = client;
    inserted.users = clientUser;
    inserted.orders = order;
    inserted.payments = payment;
    inserted.refund_requests = request;
    await db.insertInto("clients").values(client).execute();
    await db.insertInto("users").values([clientUser, staff]).execute();
    await db.insertInto("orders").values(order).execute();
    await db.insertInto("payments").values(payment).execute();
    await db.insertInto("refund_requests").values(request).execute();

    inserted.sessions = {
      id: "a".repeat(64),
      user_id: clientUser.id,
      csrf_token: "csrf-1",
      created_at: at("2026-02-16T09:00:00Z"),
      expires_at: at("2026-02-16T21:00:00Z"),
    };
    inserted.api_tokens = {
      id: newId("tok"),
      name: "billing system",
      token_hash: "b".repeat(64),
      scopes: JSON.stringify(["orders:write", "payments:write"]),
      created_by: staff.id,
      created_at: at("2026-02-01T00:00:00Z"),
      last_used_at: null,
      revoked_at: at("2026-02-20T00:00:00Z"),
    };
    inserted.login_throttle = {
      key: "email:ann@acme.test",
      failures: 3,
      window_started_at: at("2026-02-16T09:00:00Z"),
      locked_until: at("2026-02-16T09:15:00Z"),
    };
    inserted.service_events = {
      id: newId("evt"),
      order_id: order.id,
      kind: "external_incident",
      from_at: at("2026-02-03T00:00:00Z"),
      to_at: null,
      note: "Cloud outage",
      recorded_by: staff.id,
      recorded_at: at("2026-02-03T08:00:00Z"),
    };
    inserted.messages = {
      id: newId("msg"),
      request_id: request.id,
      author_user_id: staff.id,
      kind: "question",
      body: "Which invoice? ✓ «ünïcødé»",
      created_at: at("2026-02-16T10:00:00Z"),
    };
    inserted.attachments = {
      id: newId("att"),
      request_id: request.id,
      uploaded_by: clientUser.id,
      original_name: "invoice.pdf",
      stored_name: newId("f"),
      content_type: "application/pdf",
      size_bytes: 12_345,
      sha256: "c".repeat(64),
      created_at: at("2026-02-16T09:31:00Z"),
    };
    const recommendation = {
      id: newId("rec"),
      request_id: request.id,
      policy_version: "2026-01",
      outcome: "refund",
      amount_minor: "123456789012345678901234567",
      amount_currency: "ETH",
      decision_json: JSON.stringify({ outcome: "refund", clauses: ["eligible.not-delivered"] }),
      created_at: at("2026-02-16T09:30:01Z"),
    };
    inserted.recommendations = recommendation;
    const decision = {
      id: newId("dec"),
      request_id: request.id,
      recommendation_id: recommendation.id,
      decided_by: staff.id,
      kind: "approve" as const,
      amount_minor: "123456789012345678901234567",
      amount_currency: "ETH",
      justification: null,
      alternative: null,
      created_at: at("2026-02-17T10:00:00Z"),
    };
    inserted.decisions = decision;
    inserted.payouts = {
      id: newId("po"),
      request_id: request.id,
      decision_id: decision.id,
      payment_id: payment.id,
      method: "crypto",
      amount_minor: "123456789012345678901234567",
      currency: "ETH",
      status: "scheduled",
      due_earliest: "2026-02-26",
      due_latest: "2026-03-09",
      idempotency_key: "payout:po_1",
      provider_ref: null,
      failure_reason: null,
      attempts: 0,
      next_attempt_at: at("2026-02-17T10:00:00Z"),
      approvals: JSON.stringify([{ userId: staff.id, at: "2026-02-17T10:00:00.000Z" }]),
      created_at: at("2026-02-17T10:00:00Z"),
      updated_at: at("2026-02-17T10:00:00Z"),
      version: 0,
    };
    inserted.idempotency_keys = {
      scope: clientUser.id,
      key: "k-1",
      method: "POST",
      path: "/api/v1/refund-requests",
      fingerprint: "d".repeat(64),
      state: "done",
      locked_until: null,
      response_status: 201,
      response_headers: JSON.stringify({ location: `/api/v1/refund-requests/${request.id}` }),
      response_body: JSON.stringify({ id: request.id }),
      created_at: at("2026-02-16T09:30:00Z"),
      expires_at: at("2026-02-17T09:30:00Z"),
    };
    inserted.outbox = {
      id: newId("out"),
      topic: "payout.execute",
      payload: JSON.stringify({ payoutId: "po_1" }),
      created_at: at("2026-02-17T10:00:00Z"),
      available_at: at("2026-02-17T10:00:00Z"),
      attempts: 2,
      claimed_by: "worker-1",
      claimed_until: at("2026-02-17T10:01:00Z"),
      done_at: null,
      last_error: "timeout",
    };
    await db.insertInto("sessions").values(inserted.sessions).execute();
    await db.insertInto("api_tokens").values(inserted.api_tokens).execute();
    await db.insertInto("login_throttle").values(inserted.login_throttle).execute();
    await db.insertInto("service_events").values(inserted.service_events).execute();
    await db.insertInto("messages").values(inserted.messages).execute();
    await db.insertInto("attachments").values(inserted.attachments).execute();
    await db.insertInto("recommendations").values(inserted.recommendations).execute();
    await db.insertInto("decisions").values(inserted.decisions).execute();
    await db.insertInto("payouts").values(inserted.payouts).execute();
    await db.insertInto("idempotency_keys").values(inserted.idempotency_keys).execute();
    await db.insertInto("outbox").values(inserted.outbox).execute();

    for (const table of Object.keys(inserted) as (keyof Database)[]) {
      const row = inserted[table];
      const stored = await db.selectFrom(table).selectAll().execute();
      expect(stored, table).toContainEqual(expect.objectContaining(row));
    }

    // Defaults, as both dialects apply them.
    const p = await db.selectFrom("payments").selectAll().executeTakeFirstOrThrow();
    expect(fromDbMoney({ minor: p.amount_minor, currency: p.currency })).toEqual(eth);
    expect(p.version).toBe(0);
    const u = await db
      .selectFrom("users")
      .select("disabled")
      .where("id", "=", staff.id)
      .executeTakeFirstOrThrow();
    expect(u.disabled).toBe(0);
    const r = await db.selectFrom("refund_requests").selectAll().executeTakeFirstOrThrow();
    expect(r.version).toBe(0);
    expect(fromDbInstant(r.submitted_at)).toBe(Date.parse("2026-02-16T09:30:00Z"));
  });

  it("orders instants by their text", async () => {
    t = await freshDatabase();
    const client = clientRow();
    await t.db.insertInto("clients").values(client).execute();
    const times = [
      "2026-03-01T00:00:00.000Z",
      "2025-12-31T23:59:59.999Z",
      "2026-02-28T12:00:00.001Z",
      "2026-02-28T12:00:00.000Z",
    ];
    for (const placed_at of times) {
      await t.db.insertInto("orders").values(orderRow(client.id, { placed_at })).execute();
    }
    const rows = await t.db.selectFrom("orders").select("placed_at").orderBy("placed_at").execute();
    expect(rows.map((x) => x.placed_at)).toEqual([...times].sort());
  });
});

describe("constraints hold on both databases", () => {
  it("refuses orphans, duplicate unique values and bad enum values", async () => {
    t = await freshDatabase();
    const db = t.db;
    const client = clientRow();
    await db.insertInto("clients").values(client).execute();
    const order = orderRow(client.id);
    await db.insertInto("orders").values(order).execute();

    // Foreign keys (SQLite needs PRAGMA foreign_keys=ON for this).
    await expect(
      db.insertInto("orders").values(orderRow("cl_missing")).execute(),
    ).rejects.toThrow();
    // provider_ref: unique when present, any number of NULLs.
    await db.insertInto("payments").values(paymentRow(order)).execute();
    await db.insertInto("payments").values(paymentRow(order)).execute();
    await db
      .insertInto("payments")
      .values(paymentRow(order, { provider_ref: "ch_1" }))
      .execute();
    await expect(
      db
        .insertInto("payments")
        .values(paymentRow(order, { provider_ref: "ch_1" }))
        .execute(),
    ).rejects.toThrow();
    // users: unique email, known role, client_id only for clients.
    const u = userRow();
    await db.insertInto("users").values(u).execute();
    await expect(
      db
        .insertInto("users")
        .values(userRow({ email: u.email }))
        .execute(),
    ).rejects.toThrow();
    await expect(
      db
        .insertInto("users")
        .values(userRow({ role: "root" as "qa" }))
        .execute(),
    ).rejects.toThrow();
    await expect(
      db
        .insertInto("users")
        .values(userRow({ role: "client", client_id: null }))
        .execute(),
    ).rejects.toThrow();
    await expect(
      db
        .insertInto("users")
        .values(userRow({ role: "qa", client_id: client.id }))
        .execute(),
    ).rejects.toThrow();
    // idempotency: one row per (scope, key).
    const key = {
      scope: "s",
      key: "k",
      method: "POST",
      path: "/x",
      fingerprint: "f",
      state: "in_flight" as const,
      created_at: toDbInstant(0),
      expires_at: toDbInstant(1),
    };
    await db.insertInto("idempotency_keys").values(key).execute();
    await expect(db.insertInto("idempotency_keys").values(key).execute()).rejects.toThrow();
  });
});
