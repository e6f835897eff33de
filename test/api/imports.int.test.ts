// Bulk import over the API (issue 18): a token sends a CSV or NDJSON file, the body is stored in
// chunks, a worker step imports it (all rows or none) and GET /imports/{id} tells the outcome.
// SQLite in npm test, PostgreSQL with DATABASE_URL.

import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueImport, runQueuedImport } from "../../src/app/imports/import-jobs.js";
import { clientRow } from "../support/db-rows.js";
import { testServer, type TestServer } from "../support/http.js";

const TOKEN = { "x-test-actor": "token:tok_erp:orders:write,events:write" };
const ADMIN = { "x-test-actor": "admin:usr_ada" };
const ORDER_HEADER =
  "id,clientId,service.name,service.category,service.billing,price.amount,price.currency," +
  "placedAt,promisedStartBy,promisedDeliveryBy,startedAt,deliveredAt," +
  "subscription.periodStart,subscription.periodEnd,subscription.chargeRef";
const orderLine = (id: string, client = "CL-1") =>
  `${id},${client},Audit,audit,one_off,100.00,USD,2026-02-01T10:00:00Z,,,,,,,`;

describe("imports over the API", () => {
  let t: TestServer;
  const savedLimit = process.env["IMPORT_MAX_BYTES"];

  beforeAll(async () => {
    process.env["IMPORT_MAX_BYTES"] = "4096";
    t = await testServer();
    await t.db.db
      .insertInto("clients")
      .values(clientRow({ id: "CL-1" }))
      .execute();
  });
  afterAll(async () => {
    if (savedLimit === undefined) delete process.env["IMPORT_MAX_BYTES"];
    else process.env["IMPORT_MAX_BYTES"] = savedLimit;
    await t?.close();
  });

  const send = (body: string, type: string, kind = "orders", who = TOKEN) =>
    t.app.inject({
      method: "POST",
      url: `/api/v1/imports?kind=${kind}`,
      headers: { ...who, "content-type": type },
      payload: body,
    });
  const read = (id: string, who = TOKEN) =>
    t.app.inject({ method: "GET", url: `/api/v1/imports/${id}`, headers: who });

  it("queues a CSV file, a worker step imports every row, and the import says so", async () => {
    const res = await send(
      `${ORDER_HEADER}\n${orderLine("API-1")}\n${orderLine("API-2")}\n`,
      "text/csv",
    );
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json<{ id: string; status: string; bytes: number }>();
    expect(job.status).toBe("pending");
    expect(res.headers["location"]).toBe(`/api/v1/imports/${job.id}`);
    expect(await runQueuedImport(t.deps)).toBe(1);
    expect(await runQueuedImport(t.deps)).toBe(0);
    const done = (await read(job.id)).json();
    expect(done).toMatchObject({
      status: "done",
      rowsRead: 2,
      rowsWritten: 2,
      problems: 0,
      rejected: [],
    });
    const orders = await t.db.db
      .selectFrom("orders")
      .select("id")
      .where("id", "in", ["API-1", "API-2"])
      .execute();
    expect(orders).toHaveLength(2);
    const audit = await t.db.db
      .selectFrom("audit_events")
      .select(["action", "actor"])
      .where("entity_id", "in", ["API-1", job.id])
      .orderBy("seq")
      .execute();
    expect(audit).toEqual([
      { action: "import.requested", actor: "token:tok_erp" },
      { action: "order.created", actor: "token:tok_erp" },
      { action: "import.done", actor: "system:import" },
    ]);
  });

  it("rejects a file with bad rows: nothing written, every problem with its line", async () => {
    const ndjson = [
      JSON.stringify({
        orderId: "API-1",
        kind: "internal_fault",
        from: "2026-02-03T00:00:00Z",
        note: "ok",
      }),
      JSON.stringify({ orderId: "NOPE", kind: "outage", from: "2026-02-03T00:00:00Z", note: "x" }),
    ].join("\n");
    const res = await send(ndjson, "application/x-ndjson", "events");
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json<{ id: string }>().id;
    await runQueuedImport(t.deps);
    expect((await read(id)).json()).toMatchObject({
      status: "rejected",
      rowsRead: 2,
      rowsWritten: 0,
      problems: 2,
      rejected: [
        {
          line: 2,
          reason:
            'kind: unknown value "outage"; expected one of client_blocker, external_incident, internal_fault',
        },
        { line: 2, reason: "orderId: no order with this id" },
      ],
    });
    const events = await t.db.db.selectFrom("service_events").select("id").execute();
    expect(events).toEqual([]);
  });

  it("refuses a body over the limit (413), an unknown type (415), an empty body (400), and a kind the token may not write (403)", async () => {
    const big = `${ORDER_HEADER}\n${Array.from({ length: 60 }, (_, i) => orderLine(`BIG-${i}`)).join("\n")}\n`;
    expect(big.length).toBeGreaterThan(4096);
    const tooBig = await send(big, "text/csv");
    expect(tooBig.statusCode, tooBig.body).toBe(413);
    expect(tooBig.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((await send("{}", "application/json")).statusCode).toBe(415);
    expect((await send("", "text/csv")).statusCode).toBe(400);
    const payments = await send("id\n", "text/csv", "payments");
    expect(payments.statusCode).toBe(403);
    // Nothing of the refused bodies is kept.
    const jobs = await t.db.db.selectFrom("imports").select("id").execute();
    expect(jobs).toHaveLength(2);
    expect(
      await t.db.db
        .selectFrom("import_chunks")
        .select("seq")
        .where(
          "import_id",
          "not in",
          jobs.map((j) => j.id),
        )
        .execute(),
    ).toEqual([]);
  });

  it("lists one's own imports (admins: every one), and hides another sender's", async () => {
    const mine = await t.app.inject({
      method: "GET",
      url: "/api/v1/imports?limit=1",
      headers: TOKEN,
    });
    const page = mine.json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const other = { "x-test-actor": "token:tok_other:orders:write" };
    const theirs = await t.app.inject({ method: "GET", url: "/api/v1/imports", headers: other });
    expect(theirs.json<{ items: unknown[] }>().items).toEqual([]);
    expect((await read(page.items[0]!.id, other)).statusCode).toBe(404);
    const all = await t.app.inject({ method: "GET", url: "/api/v1/imports", headers: ADMIN });
    expect(all.json<{ items: unknown[] }>().items).toHaveLength(2);
  });

  it("stores a body in many chunks and reads it back whole", async () => {
    const csv = `${ORDER_HEADER}\n${orderLine("CH-1")}\n${orderLine("CH-2")}\n${orderLine("CH-3")}\n`;
    const job = await queueImport(
      t.deps,
      { actor: { role: "admin", userId: "usr_ada" }, ip: null },
      {
        kind: "orders",
        format: "csv",
        body: Readable.from([csv.slice(0, 10), csv.slice(10)]),
        maxBytes: 10_000,
        chunkBytes: 7,
      },
    );
    const chunks = await t.db.db
      .selectFrom("import_chunks")
      .select("seq")
      .where("import_id", "=", job.id)
      .execute();
    expect(chunks.length).toBe(Math.ceil(Buffer.byteLength(csv) / 7));
    await runQueuedImport(t.deps);
    expect((await read(job.id, ADMIN)).json()).toMatchObject({ status: "done", rowsWritten: 3 });
  });
});
