// GET /audit and GET /audit/verification: one request's or one person's trail in chain order, a
// page at a time, admins only; and the chain's verification naming the entry it breaks at.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { appendAudit, type AuditInput } from "../../db/audit.js";
import { auditRoutes } from "./audit.js";

let t: TestServer;
// The chain a fresh server starts with: the first policy version's publication (ADR 0025).
let B = 0;
beforeAll(async () => {
  t = await testServer({ routes: [auditRoutes] });
  B = (await t.db.db.selectFrom("audit_events").select("seq").execute()).length;
  const T0 = Date.parse("2026-02-16T09:30:00Z");
  const entries: Omit<AuditInput, "ip" | "at">[] = [
    // B+1 to B+3: request req_1 by the client, then decided by QA usr_q.
    {
      actor: "user:usr_c",
      action: "request.submitted",
      entityType: "refund_request",
      entityId: "req_1",
      summary: { to: "submitted" },
    },
    {
      actor: "user:usr_q",
      action: "request.review_started",
      entityType: "refund_request",
      entityId: "req_1",
      summary: { to: "in_review" },
    },
    {
      actor: "user:usr_q",
      action: "request.decided",
      entityType: "refund_request",
      entityId: "req_1",
      summary: { to: "approved", amount: "120.00" },
    },
    // B+4: another request, by the same QA.
    {
      actor: "user:usr_q",
      action: "request.review_started",
      entityType: "refund_request",
      entityId: "req_2",
      summary: { to: "in_review" },
    },
    // B+5: the admin changes QA's role (an entry about usr_q, by someone else).
    {
      actor: "user:usr_a",
      action: "user.updated",
      entityType: "user",
      entityId: "usr_q",
      summary: { role: "finance" },
    },
  ];
  for (const [i, e] of entries.entries()) {
    await t.deps.db
      .transaction()
      .execute((trx) => appendAudit(trx, { ...e, ip: "203.0.113.7", at: T0 + i * 1000 }));
  }
});
afterAll(() => t.close());

const ADMIN = { "x-test-actor": "admin:usr_a" };
const get = (url: string, headers: Record<string, string> = ADMIN) =>
  t.app.inject({ method: "GET", url: `/api/v1${url}`, headers });

describe("GET /audit", () => {
  it("answers one request's entries in chain order, readable, with their hashes", async () => {
    const r = await get("/audit?requestId=req_1");
    expect(r.statusCode).toBe(200);
    const body = r.json<{ items: Record<string, unknown>[]; nextCursor: string | null }>();
    expect(body.items.map((e) => e["seq"])).toEqual([B + 1, B + 2, B + 3]);
    expect(body.items[2]).toMatchObject({
      actor: "user:usr_q",
      action: "request.decided",
      entityType: "refund_request",
      entityId: "req_1",
      summary: { to: "approved", amount: "120.00" },
      ip: "203.0.113.7",
    });
    expect(body.items[1]?.["prevHash"]).toBe(body.items[0]?.["hash"]);
    expect(body.nextCursor).toBeNull();
  });

  it("answers one person's trail: what they did and what was done to their account", async () => {
    const r = await get("/audit?userId=usr_q");
    expect(r.json<{ items: { seq: number }[] }>().items.map((e) => e.seq)).toEqual([
      B + 2,
      B + 3,
      B + 4,
      B + 5,
    ]);
  });

  it("pages with the cursor, and an id naming nothing answers an empty page", async () => {
    const first = (await get("/audit?userId=usr_q&limit=3")).json<{
      items: { seq: number }[];
      nextCursor: string;
    }>();
    expect(first.items.map((e) => e.seq)).toEqual([B + 2, B + 3, B + 4]);
    const second = (await get(`/audit?userId=usr_q&limit=3&cursor=${first.nextCursor}`)).json<{
      items: { seq: number }[];
      nextCursor: string | null;
    }>();
    expect(second.items.map((e) => e.seq)).toEqual([B + 5]);
    expect(second.nextCursor).toBeNull();
    expect((await get("/audit?requestId=req_nothing")).json()).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("refuses a call without exactly one of requestId or userId, naming the field", async () => {
    for (const q of ["", "?requestId=req_1&userId=usr_q"]) {
      const r = await get(`/audit${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(r.json<{ errors: { path: string }[] }>().errors[0]?.path).toMatch(
        /^querystring\.(requestId|userId)$/,
      );
    }
    expect((await get("/audit?userId=usr_q&cursor=bm90LWEtY3Vyc29y")).statusCode).toBe(400);
  });

  it("is for admins only", async () => {
    for (const actor of ["client:cl_1:usr_c", "qa:usr_q", "finance:usr_f"]) {
      expect((await get("/audit?requestId=req_1", { "x-test-actor": actor })).statusCode).toBe(403);
      expect((await get("/audit/verification", { "x-test-actor": actor })).statusCode).toBe(403);
    }
    expect((await get("/audit?requestId=req_1", {})).statusCode).toBe(401);
  });
});

describe("GET /audit/verification", () => {
  it("answers ok with the count and head hash, then the entry a changed summary breaks at", async () => {
    const ok = (await get("/audit/verification")).json<Record<string, unknown>>();
    expect(B).toBe(1);
    expect(ok).toMatchObject({ ok: true, count: B + 5, brokenAt: null });
    expect(ok["headHash"]).toMatch(/^[0-9a-f]{64}$/);

    // Tamper as an attacker with DDL rights could: the append-only guards off, entry B+3 changed.
    const db = t.deps.db;
    if (t.db.dialect === "postgres") {
      await sql`alter table audit_events disable trigger user`.execute(db);
    } else {
      const triggers = await sql<{ name: string; sql: string }>`
        select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'audit_events'`.execute(
        db,
      );
      for (const tr of triggers.rows) await sql`drop trigger ${sql.id(tr.name)}`.execute(db);
    }
    await db
      .updateTable("audit_events")
      .set({ summary: '{"amount":"12000.00","to":"approved"}' })
      .where("seq", "=", B + 3)
      .execute();

    const broken = (await get("/audit/verification")).json<Record<string, unknown>>();
    expect(broken).toMatchObject({
      ok: false,
      count: null,
      headHash: null,
      brokenAt: {
        seq: B + 3,
        problem: "hash",
        entry: {
          seq: B + 3,
          action: "request.decided",
          summary: { amount: "12000.00", to: "approved" },
        },
      },
    });
  });
});
