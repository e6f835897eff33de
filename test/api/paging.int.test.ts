// Every list answers `{ items, nextCursor }` and pages (issue 12): the lists under an order
// (payments, service events), under a request (messages, decisions, attachments, timeline) and
// one's own sessions. Walking a list two at a time gives exactly the whole list, in its order,
// ties included; the last page says null; a cursor this API did not give out is a 400; a client
// never sees an internal note, even where it would fill a page.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/db/ids.js";
import { clientRow, orderRow, paymentRow, requestRow, userRow } from "../support/db-rows.js";
import { testServer, type TestServer } from "../support/http.js";

let t: TestServer;
let qa: string;
let client: string;
let orderId: string;
let requestId: string;
let qaUserId: string;
const T = (minute: number) => new Date(Date.UTC(2026, 1, 20, 9, minute)).toISOString();

beforeAll(async () => {
  t = await testServer({ now: Date.parse("2026-03-02T09:00:00Z") });
  const c = clientRow();
  const cu = userRow({ role: "client", client_id: c.id });
  const q = userRow({ role: "qa" });
  qaUserId = q.id;
  await t.db.db.insertInto("clients").values(c).execute();
  await t.db.db.insertInto("users").values([cu, q]).execute();
  qa = `qa:${q.id}`;
  client = `client:${c.id}:${cu.id}`;
  const o = orderRow(c.id);
  orderId = o.id;
  await t.db.db.insertInto("orders").values(o).execute();
  // Five payments, two captured at the same instant, across a page boundary (each list has such a
  // tie: the cursor must neither skip nor repeat one of them).
  await t.db.db
    .insertInto("payments")
    .values(
      [0, 1, 1, 2, 3].map((m, i) =>
        paymentRow(o, { charge_ref: `CH-${i}`, amount_minor: "1000", captured_at: T(m) }),
      ),
    )
    .execute();
  await t.db.db
    .insertInto("service_events")
    .values(
      [4, 1, 1, 0, 2].map((m, i) => ({
        id: newId("evt"),
        order_id: o.id,
        kind: "internal_fault",
        from_at: T(m),
        to_at: null,
        note: `Fault ${i}`,
        recorded_by: "tok_x",
        recorded_at: T(10),
      })),
    )
    .execute();
  const r = requestRow(o, { status: "in_review", reviewer_id: q.id });
  requestId = r.id;
  await t.db.db.insertInto("refund_requests").values(r).execute();
  // Messages: notes (internal) between the client's messages.
  await t.db.db
    .insertInto("messages")
    .values(
      [0, 1, 2, 3, 4, 5, 6].map((m) => ({
        id: newId("msg"),
        request_id: r.id,
        author_user_id: m % 2 === 0 ? cu.id : q.id,
        kind: "note" as const,
        body: `Message ${m}`,
        created_at: T(m),
        internal: m % 2 === 0 ? 0 : 1,
      })),
    )
    .execute();
  await t.db.db
    .insertInto("decisions")
    .values(
      [0, 1, 1].map((m, i) => ({
        id: newId("dec"),
        request_id: r.id,
        recommendation_id: null,
        decided_by: q.id,
        kind: "offer_alternative" as const,
        amount_minor: null,
        amount_currency: null,
        justification: `Offer ${i}`,
        alternative: JSON.stringify({ kind: "re-delivery", note: `Offer ${i}` }),
        created_at: T(m),
      })),
    )
    .execute();
  await t.db.db
    .insertInto("attachments")
    .values(
      [0, 1, 1, 2, 3].map((m, i) => ({
        id: newId("att"),
        request_id: r.id,
        uploaded_by: cu.id,
        original_name: `file-${i}.pdf`,
        stored_name: `${randomBytes(8).toString("hex")}.pdf`,
        content_type: "application/pdf",
        size_bytes: 10,
        sha256: "0".repeat(64),
        created_at: T(m),
      })),
    )
    .execute();
  // Timeline material: audit events of the request.
  const { appendAudit } = await import("../../src/db/audit.js");
  await t.db.db.transaction().execute(async (trx) => {
    for (const m of [0, 1, 1, 2, 5]) {
      await appendAudit(trx, {
        actor: `user:${q.id}`,
        action: m === 1 ? "request.assign" : "request.start_review",
        entityType: "refund_request",
        entityId: r.id,
        summary: { minute: m },
        ip: null,
        at: Date.parse(T(m)),
      });
    }
  });
  // Sessions of the QA user: two share an instant, across a page boundary (newest first).
  await t.db.db
    .insertInto("sessions")
    .values(
      [0, 1, 2, 2, 3].map((m) => ({
        id: randomBytes(16).toString("hex"),
        user_id: q.id,
        csrf_token: "x",
        created_at: T(m),
        expires_at: "2026-04-01T00:00:00.000Z",
      })),
    )
    .execute();
});
afterAll(() => t.close());

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

async function page(url: string, actor: string): Promise<Page> {
  const res = await t.app.inject({
    method: "GET",
    url: `/api/v1${url}`,
    headers: { "x-test-actor": actor },
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<Page>();
  expect(Object.keys(body).sort()).toEqual(["items", "nextCursor"]);
  return body;
}

/** Every item, two at a time; also checks that no page but the last is short. */
async function walk(url: string, actor: string): Promise<{ items: unknown[]; pages: number }> {
  const items: unknown[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes("?") ? "&" : "?";
    const q: string = `${sep}limit=2${cursor === null ? "" : `&cursor=${cursor}`}`;
    const p: Page = await page(`${url}${q}`, actor);
    pages += 1;
    if (p.nextCursor !== null) expect(p.items).toHaveLength(2);
    items.push(...p.items);
    cursor = p.nextCursor;
  } while (cursor !== null && pages < 50);
  return { items, pages };
}

const LISTS = () => [
  { url: `/orders/${orderId}/payments`, n: 5, order: "capturedAt" },
  { url: `/orders/${orderId}/events`, n: 5, order: "from" },
  { url: `/requests/${requestId}/messages`, n: 7, order: "createdAt" },
  { url: `/requests/${requestId}/decisions`, n: 3, order: "decidedAt" },
  { url: `/requests/${requestId}/attachments`, n: 5, order: "uploadedAt" },
  { url: `/requests/${requestId}/timeline`, n: 5, order: "at" },
  { url: `/sessions`, n: 5, order: "createdAt", newestFirst: true },
];

describe("lists under a resource page with a cursor", () => {
  it("walking two at a time gives the whole list in its order, ties included", async () => {
    for (const list of LISTS()) {
      const whole = await page(`${list.url}${list.url.includes("?") ? "&" : "?"}limit=100`, qa);
      expect(whole.nextCursor, list.url).toBeNull();
      expect(whole.items, list.url).toHaveLength(list.n);
      const walked = await walk(list.url, qa);
      expect(walked.items, list.url).toEqual(whole.items);
      expect(walked.pages, list.url).toBe(Math.ceil(list.n / 2));
      const keys = whole.items.map((i) => String(i[list.order]));
      const sorted = [...keys].sort();
      expect(keys, list.url).toEqual(list.newestFirst === true ? sorted.reverse() : sorted);
    }
  });

  it("answers the default page of 50 with a null cursor when everything fits", async () => {
    for (const list of LISTS()) {
      const p = await page(list.url, qa);
      expect(p.items, list.url).toHaveLength(list.n);
      expect(p.nextCursor, list.url).toBeNull();
    }
  });

  it("refuses a cursor it did not give out and a limit out of range, naming the parameter", async () => {
    for (const list of LISTS()) {
      for (const q of ["cursor=not%20a%20cursor", "cursor=bm90IGpzb24", "limit=0", "limit=101"]) {
        const res = await t.app.inject({
          method: "GET",
          url: `/api/v1${list.url}?${q}`,
          headers: { "x-test-actor": qa },
        });
        expect(res.statusCode, `${list.url}?${q}: ${res.body}`).toBe(400);
        expect(res.json<{ errors?: { path: string }[] }>().errors?.[0]?.path ?? "").toMatch(
          /^querystring\.(cursor|limit)$/,
        );
      }
    }
  });

  it("a client's pages hold only what it may read: no internal notes, pages stay full", async () => {
    const walked = await walk(`/requests/${requestId}/messages`, client);
    expect(walked.items.map((m) => (m as { body: string }).body)).toEqual([
      "Message 0",
      "Message 2",
      "Message 4",
      "Message 6",
    ]);
    expect(walked.pages).toBe(2);
    const timeline = await walk(`/requests/${requestId}/timeline`, client);
    // The client's timeline leaves the assignments out.
    expect(timeline.items.map((i) => (i as { kind: string }).kind)).toEqual([
      "request.start_review",
      "request.start_review",
      "request.start_review",
    ]);
  });

  it("sessions page by a public id: the stored id never appears, the current one is marked", async () => {
    const all = await page("/sessions?limit=100", qa);
    const stored = await t.db.db
      .selectFrom("sessions")
      .select("id")
      .where("user_id", "=", qaUserId)
      .execute();
    const body = JSON.stringify(all);
    for (const s of stored) expect(body).not.toContain(s.id);
    const walked = await walk("/sessions", qa);
    expect(new Set(walked.items.map((i) => (i as { id: string }).id)).size).toBe(5);
  });
});
