// The review workflow for people (issue 12) through the HTTP API: implicit start of review,
// denials with a reason and clauses in plain words, appeals to another reviewer, follow-ups of
// accepted alternatives, reply-by deadlines and flags, internal notes.

import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clientRow, orderRow, paymentRow, userRow } from "../../../test/support/db-rows.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { reevaluateOrderRequests } from "../../app/requests/evaluate-order.js";
import { remindReplies } from "../../app/requests/remind-replies.js";
import { appendAudit, verifyAudit } from "../../db/audit.js";
import type { OutgoingMail } from "../../notify/mail.js";
import { createNotifier } from "../../notify/notifier.js";
import { policyDocument } from "../../core/policy/index.js";

let t: TestServer;
let qa: string;
let qa2: string;
let finance: string;
const NOW = Date.parse("2026-03-02T09:00:00Z"); // a Monday
const DAY = 86_400_000;

interface Client {
  clientId: string;
  actor: string;
}

beforeAll(async () => {
  t = await testServer();
  const staff = [userRow({ role: "qa" }), userRow({ role: "qa" }), userRow({ role: "finance" })];
  await t.db.db.insertInto("users").values(staff).execute();
  qa = `qa:${staff[0]!.id}`;
  qa2 = `qa:${staff[1]!.id}`;
  finance = `finance:${staff[2]!.id}`;
});
afterAll(() => t.close());
beforeEach(() => t.setNow(NOW));

async function newClient(): Promise<Client> {
  const c = clientRow();
  const u = userRow({ role: "client", client_id: c.id });
  await t.db.db.insertInto("clients").values(c).execute();
  await t.db.db.insertInto("users").values(u).execute();
  return { clientId: c.id, actor: `client:${c.id}:${u.id}` };
}

async function newRequest(client: Client, order: Record<string, unknown> = {}) {
  const o = orderRow(client.clientId, order);
  await t.db.db.insertInto("orders").values(o).execute();
  await t.db.db
    .insertInto("payments")
    .values(paymentRow(o, { charge_ref: o.id }))
    .execute();
  const res = await post("/requests", client.actor, {
    orderId: o.id,
    reason: "not_delivered",
    description: "The engagement never started.",
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<View>();
}

interface View {
  id: string;
  reference: string;
  status: string;
  version: number;
  reviewerId: string | null;
  replyBy: string | null;
  flags: { replyOverdue: boolean; atRisk: boolean };
  recommendation: { outcome: string; clauses: string[] } | null;
  decision: {
    outcome: string;
    justification: string | null;
    followsRecommendation: boolean;
    clauses: { id: string; text: string | null }[];
    appealUntil: string | null;
  } | null;
  alternative: {
    followUp: { dueAt: string; ownerId: string; fulfilledAt: string | null } | null;
  } | null;
  appeal: { appealedAt: string; deniedBy: string } | null;
  actions: string[];
}

function post(url: string, actor: string, payload: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: "POST",
    url: `/api/v1${url}`,
    headers: { "x-test-actor": actor },
    payload: payload as Record<string, unknown>,
  });
}
function get(url: string, actor: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: "GET", url: `/api/v1${url}`, headers: { "x-test-actor": actor } });
}
const idOf = (actor: string) => actor.split(":").at(-1) ?? "";

describe("implicit start of review", () => {
  it("a question on a submitted request takes it into review in the same call", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    expect(v1.status).toBe("submitted");
    const res = await post(`/requests/${v1.id}/request-info`, qa, {
      expectedVersion: 1,
      question: "Which VPN?",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: "info_requested",
      version: 2,
      reviewerId: idOf(qa),
    });
    const audit = await t.db.db
      .selectFrom("audit_events")
      .select("action")
      .where("entity_id", "=", v1.id)
      .orderBy("seq")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      "request.submit",
      "request.start_review",
      "request.request_info",
    ]);
  });

  it("checks the version the reviewer saw: stale, 409 with the current version", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    const stale = await post(`/requests/${v1.id}/request-info`, qa, {
      expectedVersion: 0,
      question: "Which VPN?",
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: "version_conflict", currentVersion: 1 });
  });
});

describe("reply-by deadlines", () => {
  it("a question is due in the policy's business days, and late answers are flagged", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    const asked = await post(`/requests/${v1.id}/request-info`, qa, {
      expectedVersion: 1,
      question: "Which VPN?",
    });
    // 5 business days after Monday 2 March: the end of Monday 9 March (UTC).
    expect(asked.json<View>().replyBy).toBe("2026-03-10T00:00:00.000Z");
    expect(asked.json<View>().flags).toEqual({ replyOverdue: false, atRisk: false });
    t.setNow(Date.parse("2026-03-10T00:00:00Z"));
    const late = await get(`/requests/${v1.id}`, qa);
    expect(late.json<View>().flags.replyOverdue).toBe(true);
  });

  it("the client is reminded once, through the outbox, at the start of the question's last day", async () => {
    const c = await newClient();
    const other = await newClient();
    const v1 = await newRequest(c);
    const unasked = await newRequest(other); // no question: never reminded
    const asked = await post(`/requests/${v1.id}/request-info`, qa, {
      expectedVersion: 1,
      question: "Which VPN did you use?",
    });
    expect(asked.json<View>().replyBy).toBe("2026-03-10T00:00:00.000Z");
    const reminders = async () =>
      (
        await t.db.db
          .selectFrom("outbox")
          .select(["id", "topic", "payload"])
          .where("topic", "=", "notify.reply_reminder")
          .orderBy("created_at")
          .execute()
      ).filter((r) => JSON.parse(r.payload).requestId === v1.id);

    // The last day is Monday 9 March (UTC policy zone): nothing before it starts.
    t.setNow(Date.parse("2026-03-08T23:59:59Z"));
    expect(await remindReplies(t.deps)).toBe(0);
    t.setNow(Date.parse("2026-03-09T00:00:00Z"));
    // Two workers at the same moment, then a restart: one reminder.
    // (Other tests' questions share the database, so the counts are at least this one's.)
    const [a, b] = await Promise.all([remindReplies(t.deps), remindReplies(t.deps)]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    expect(await remindReplies(t.deps)).toBe(0);
    expect(await reminders()).toHaveLength(1);
    const [row] = await reminders();
    expect(row).toBeDefined();
    expect(JSON.parse(row!.payload)).toMatchObject({
      requestId: v1.id,
      audience: "client",
      replyBy: "2026-03-10T00:00:00.000Z",
      lastDay: "2026-03-09",
      overdue: false,
    });
    expect(
      (await t.db.db.selectFrom("outbox").select("payload").execute()).filter(
        (r) => JSON.parse(r.payload).requestId === unasked.id && r.payload.includes("reminder"),
      ),
    ).toEqual([]);

    // Sent by the notifier to the client's people, once even when the row is handled twice.
    const sent: OutgoingMail[] = [];
    const notifier = createNotifier({
      db: t.db.db,
      clock: () => Date.parse("2026-03-09T00:00:05Z"),
      mail: { description: "memory", send: async (m) => void sent.push(m), close: () => {} },
      config: {
        publicUrl: "https://refunds.example.com",
        mailFrom: "Refund Desk <rd@example.com>",
      },
    });
    const message = {
      id: row!.id,
      topic: row!.topic,
      payload: JSON.parse(row!.payload),
      attempts: 0,
    };
    await notifier.handle(message);
    await notifier.handle({ ...message, attempts: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe(
      `Reminder: please answer our question by 9 March 2026 (${v1.reference})`,
    );
    expect(sent[0]!.text).toContain("> Which VPN did you use?");

    // A re-evaluation (new facts) changes nothing; the reminder is on the timeline.
    const order = (await get(`/requests/${v1.id}`, qa)).json<{ orderId: string }>().orderId;
    const event = await t.app.inject({
      method: "POST",
      url: `/api/v1/orders/${order}/events`,
      headers: { "x-test-actor": "token:tok_1:events:write" },
      payload: {
        kind: "internal_fault",
        from: "2026-03-02T00:00:00Z",
        note: "Our scheduler never started the engagement.",
      },
    });
    expect(event.statusCode, event.body).toBe(201);
    expect(await remindReplies(t.deps)).toBe(0);
    const timeline = (await get(`/requests/${v1.id}/timeline`, c.actor)).json<{
      items: { kind: string; details: Record<string, unknown> }[];
    }>();
    expect(timeline.items.find((i) => i.kind === "request.reply_reminded")?.details).toMatchObject({
      lastDay: "2026-03-09",
      overdue: false,
    });

    // Past the reply-by the request is flagged for QA; an answer, then a new question, gets a
    // reminder of its own, late when the worker was away.
    t.setNow(Date.parse("2026-03-10T00:00:00Z"));
    const late = await get(`/requests/${v1.id}`, qa);
    expect(late.json<View>().flags.replyOverdue).toBe(true);
    const answered = await post(`/requests/${v1.id}/answer`, c.actor, { message: "WireGuard." });
    expect(answered.statusCode, answered.body).toBe(200);
    const again = await post(`/requests/${v1.id}/request-info`, qa, {
      expectedVersion: answered.json<View>().version,
      question: "Which port?",
    });
    expect(again.statusCode, again.body).toBe(200);
    t.setNow(Date.parse(again.json<View>().replyBy ?? "") + DAY);
    expect(await remindReplies(t.deps)).toBeGreaterThanOrEqual(1);
    const rows = await reminders();
    expect(rows).toHaveLength(2);
    expect(JSON.parse(rows[1]!.payload)).toMatchObject({ overdue: true });
    expect((await verifyAudit(t.db.db)).ok).toBe(true);
  });

  it("a request waiting on QA longer than the policy's limit is at risk", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    t.setNow(NOW + 2 * DAY);
    expect((await get(`/requests/${v1.id}`, qa)).json<View>().flags.atRisk).toBe(false);
    t.setNow(Date.parse("2026-03-06T00:00:00Z")); // Mon + 3 business days ended
    expect((await get(`/requests/${v1.id}`, qa)).json<View>().flags.atRisk).toBe(true);
  });

  it("the queue filters and counts the flagged: answers overdue, requests at risk", async () => {
    const c = await newClient();
    const waiting = await newRequest(c); // waits on QA from Monday 2 March
    const asked = await newRequest(c);
    await post(`/requests/${asked.id}/request-info`, qa, { expectedVersion: 1, question: "VPN?" });
    t.setNow(Date.parse("2026-03-03T09:00:00Z"));
    const fresh = await newRequest(c); // waits on QA from Tuesday
    const ids = async (q: string) =>
      (await get(`/requests?clientId=${c.clientId}&${q}`, qa))
        .json<{ items: { id: string; flags: View["flags"] }[] }>()
        .items.map((r) => r.id);
    const counted = async (q: string) =>
      (await get(`/requests/counts?clientId=${c.clientId}&${q}`, qa)).json<{ total: number }>()
        .total;

    expect(await ids("flag=at_risk")).toEqual([]);
    expect(await ids("flag=reply_overdue")).toEqual([]);
    // Friday 6 March: Monday's request has waited 3 business days; Tuesday's not yet.
    t.setNow(Date.parse("2026-03-06T00:00:00Z"));
    expect(await ids("flag=at_risk")).toEqual([waiting.id]);
    expect(await counted("flag=at_risk")).toBe(1);
    // Tuesday 10 March: the question's reply-by (end of Monday 9) has passed; Tuesday's request
    // is at risk too.
    t.setNow(Date.parse("2026-03-10T00:00:00Z"));
    expect(await ids("flag=reply_overdue")).toEqual([asked.id]);
    expect((await ids("flag=at_risk&sort=age")).sort()).toEqual([waiting.id, fresh.id].sort());
    expect(await counted("flag=reply_overdue")).toBe(1);
    // Every row the filter gives carries the flag it names, and no other row does.
    const all = (await get(`/requests?clientId=${c.clientId}`, qa)).json<{
      items: { id: string; flags: View["flags"] }[];
    }>().items;
    expect(
      all
        .filter((r) => r.flags.atRisk)
        .map((r) => r.id)
        .sort(),
    ).toEqual((await ids("flag=at_risk")).sort());
    expect(all.filter((r) => r.flags.replyOverdue).map((r) => r.id)).toEqual(
      await ids("flag=reply_overdue"),
    );
    expect((await get(`/requests?flag=late`, qa)).statusCode).toBe(400);
  });
});

describe("re-evaluation when the client answers or new facts arrive", () => {
  interface Item {
    kind: string;
    details: Record<string, unknown>;
  }
  const timeline = async (id: string, actor: string) =>
    (await get(`/requests/${id}/timeline?limit=100`, actor)).json<{ items: Item[] }>().items;

  it("an answer given once the promised start has passed turns the recommendation into a refund", async () => {
    const c = await newClient();
    // Promised to start on Wednesday 4 March; the client files on Monday 2 March.
    const v1 = await newRequest(c, {
      promised_start_by: "2026-03-04T10:00:00.000Z",
      promised_delivery_by: "2026-03-20T10:00:00.000Z",
    });
    const before = v1.recommendation?.outcome;
    expect(before).not.toBe("refund");
    const asked = await post(`/requests/${v1.id}/request-info`, qa, {
      expectedVersion: 1,
      question: "Has anyone from our side contacted you since?",
    });
    expect(asked.statusCode, asked.body).toBe(200);
    t.setNow(Date.parse("2026-03-05T09:00:00Z"));
    const answered = await post(`/requests/${v1.id}/answer`, c.actor, {
      message: "No, nobody. Nothing has started.",
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json<View>()).toMatchObject({
      status: "in_review",
      recommendation: { outcome: "refund" },
    });
    const staff = await timeline(v1.id, qa);
    const kinds = staff.map((i) => i.kind);
    expect(kinds.indexOf("request.reevaluate")).toBeGreaterThan(kinds.indexOf("request.answer"));
    expect(staff.find((i) => i.kind === "request.reevaluate")?.details).toMatchObject({
      outcome: "refund",
      amount: { amount: "4800.00", currency: "USD" },
    });
    // The client's timeline has the answer, not the re-evaluation.
    const mine = (await timeline(v1.id, c.actor)).map((i) => i.kind);
    expect(mine).toContain("request.answer");
    expect(mine).not.toContain("request.reevaluate");
  });

  it("a service event re-evaluates too (payments: orders.int.test.ts), and the change is on the staff timeline", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    expect(v1.recommendation?.outcome).toBe("refund");
    const order = (await get(`/requests/${v1.id}`, qa)).json<{ orderId: string }>().orderId;
    const blocker = await t.app.inject({
      method: "POST",
      url: `/api/v1/orders/${order}/events`,
      headers: { "x-test-actor": "token:tok_1:events:write" },
      payload: {
        kind: "client_blocker",
        from: "2026-02-03T00:00:00Z",
        note: "VPN access not provided",
      },
    });
    expect(blocker.statusCode, blocker.body).toBe(201);
    const after = (await get(`/requests/${v1.id}`, qa)).json<View>();
    expect(after.recommendation?.outcome).toBe("deny");
    expect(after.version).toBe(v1.version + 1);
    const items = await timeline(v1.id, qa);
    expect(items.filter((i) => i.kind === "request.reevaluate").at(-1)?.details).toMatchObject({
      outcome: "deny",
    });
  });

  it("a request is re-evaluated under the policy version it was judged by, after a newer one took effect", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    expect(v1.recommendation?.outcome).toBe("refund");
    const order = (await get(`/requests/${v1.id}`, qa)).json<{ orderId: string }>().orderId;
    // A newer version (another id, another clause text) takes effect a day later; the request
    // was submitted before, so it stays judged by the first.
    const newer = JSON.stringify({
      ...policyDocument(t.policy),
      version: "2026-03-03.review-workflow",
      clauses: { ...t.policy.clauses, "procedure.review": "Reviewed by QA, newer words." },
    });
    const published = await post("/policy/versions", "admin:usr_admin", {
      document: newer,
      effectiveAt: new Date(NOW + DAY).toISOString(),
    });
    expect(published.statusCode, published.body).toBe(201);
    t.setNow(NOW + 2 * DAY);
    await t.db.db
      .insertInto("service_events")
      .values({
        id: `evt_${v1.id.slice(4, 16)}`,
        order_id: order,
        kind: "client_blocker",
        from_at: "2026-02-03T00:00:00.000Z",
        to_at: null,
        note: "VPN access not provided",
        recorded_by: "tok_1",
        recorded_at: "2026-03-04T09:00:00.000Z",
      })
      .execute();
    await t.db.db.transaction().execute((trx) =>
      reevaluateOrderRequests(t.deps, trx, order, {
        actor: { role: "api_token", tokenId: "tok_1", scopes: ["events:write"] },
        ip: null,
      }),
    );
    const after = (await get(`/requests/${v1.id}`, qa)).json<
      View & { policyVersion: string; recommendation: { policyVersion: string } }
    >();
    expect(after.recommendation?.outcome).toBe("deny");
    expect(after.recommendation.policyVersion).toBe(t.policy.version);
    expect(after.policyVersion).toBe(t.policy.version);
    expect(after.version).toBe(v1.version + 1);
    const kinds = (await timeline(v1.id, qa)).map((i) => i.kind);
    expect(kinds).toContain("request.reevaluate");
    expect(kinds).not.toContain("request.reevaluation_held");
    expect(
      (await timeline(v1.id, qa)).filter((i) => i.kind === "request.reevaluate").at(-1)?.details,
    ).toMatchObject({ outcome: "deny", policyVersion: t.policy.version });
    // A request submitted now is judged by the newer version.
    const later = await newRequest(c);
    expect(later.recommendation).toMatchObject({ policyVersion: "2026-03-03.review-workflow" });
  });
});

describe("denials clients can read", () => {
  it("always need a reason; name their clauses with the policy's words", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    const blank = await post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 1,
      justification: " ",
    });
    expect(blank.statusCode).toBe(422);
    expect(blank.json().errors[0].path).toBe("body.justification");
    const badClause = await post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 1,
      justification: "x",
      clauses: ["not.a.clause"],
    });
    expect(badClause.statusCode).toBe(400);
    expect(badClause.json().errors[0].path).toMatch(/^body\.clauses/);
    const denied = await post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 1,
      justification: "You did not give us VPN access, so the test could not start.",
      clauses: ["excluded.client-side"],
    });
    expect(denied.statusCode, denied.body).toBe(200);
    const view = (await get(`/requests/${v1.id}`, c.actor)).json<View>();
    expect(view.decision).toMatchObject({
      outcome: "denied",
      justification: "You did not give us VPN access, so the test could not start.",
      // The recommendation was a refund: a denial departs from it.
      followsRecommendation: false,
      clauses: [{ id: "excluded.client-side", text: expect.stringMatching(/^Client-side issues/) }],
    });
    const history = (await get(`/requests/${v1.id}/decisions`, qa)).json();
    expect(history.items[0]).toMatchObject({ kind: "deny", clauses: ["excluded.client-side"] });

    // The client's e-mail says the same: the reason, and the clause in the policy's words.
    const row = (
      await t.db.db
        .selectFrom("outbox")
        .select(["id", "topic", "payload"])
        .where("topic", "=", "notify.decision")
        .execute()
    ).find((r) => JSON.parse(r.payload).requestId === v1.id);
    expect(row).toBeDefined();
    const sent: OutgoingMail[] = [];
    await createNotifier({
      db: t.db.db,
      clock: () => NOW,
      mail: { description: "memory", send: async (m) => void sent.push(m), close: () => {} },
      config: {
        publicUrl: "https://refunds.example.com",
        mailFrom: "Refund Desk <rd@example.com>",
      },
      policy: t.policy,
    }).handle({ id: row!.id, topic: row!.topic, payload: JSON.parse(row!.payload), attempts: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain(
      "> You did not give us VPN access, so the test could not start.",
    );
    expect(sent[0]!.text).toMatch(/it rests on:\n\n> Client-side issues: /);
    expect(sent[0]!.text).toContain("within 14 days");
  });

  it("a denial of a `review` recommendation does not follow it", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    await t.db.db
      .updateTable("recommendations")
      .set({ outcome: "review" })
      .where("request_id", "=", v1.id)
      .execute();
    // The stored decision JSON is what the reviewer saw: make it say review too.
    const rec = await t.db.db
      .selectFrom("recommendations")
      .select(["id", "decision_json"])
      .where("request_id", "=", v1.id)
      .executeTakeFirstOrThrow();
    const json = { ...JSON.parse(rec.decision_json), outcome: "review", amount: null, refunds: [] };
    await t.db.db
      .updateTable("recommendations")
      .set({ decision_json: JSON.stringify(json) })
      .where("id", "=", rec.id)
      .execute();
    const denied = await post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 1,
      justification: "The scope was delivered.",
    });
    expect(denied.statusCode, denied.body).toBe(200);
    expect(denied.json<View>().decision?.followsRecommendation).toBe(false);
    const again = (await get(`/requests/${v1.id}`, qa)).json<View>();
    expect(again.decision?.followsRecommendation).toBe(false);
  });
});

describe("appeals", () => {
  async function deniedRequest(c: Client) {
    const v1 = await newRequest(c);
    const res = await post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 1,
      justification: "Delivered in full.",
      clauses: ["excluded.completed"],
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<View>();
  }

  it("reopen the review once, for another reviewer than the one who denied", async () => {
    const c = await newClient();
    const denied = await deniedRequest(c);
    const seen = (await get(`/requests/${denied.id}`, c.actor)).json<View>();
    expect(seen.actions).toEqual(["appeal"]);
    // The client reads until when (the policy's 14 days after the denial).
    expect(seen.decision?.appealUntil).toBe(new Date(NOW + 14 * DAY).toISOString());
    const appealed = await post(`/requests/${denied.id}/appeal`, c.actor, {
      message: "The report never reached us.",
    });
    expect(appealed.statusCode, appealed.body).toBe(200);
    expect(appealed.json<View>()).toMatchObject({
      status: "in_review",
      reviewerId: null,
      decision: null,
      appeal: { deniedBy: idOf(qa) },
    });
    // While the appeal is open, the client may add documents.
    const sameReviewer = await post(`/requests/${denied.id}/approve`, qa, {
      expectedVersion: 3,
      amount: { amount: "4800.00", currency: "USD" },
    });
    expect(sameReviewer.statusCode).toBe(403);
    expect(sameReviewer.json().detail).toBe(
      "You denied this request; its appeal must be decided by another reviewer.",
    );
    const other = await post(`/requests/${denied.id}/deny`, qa2, {
      expectedVersion: 3,
      justification: "Still delivered in full: the report was e-mailed on 20 February.",
    });
    expect(other.statusCode, other.body).toBe(200);
    const twice = await post(`/requests/${denied.id}/appeal`, c.actor, { message: "Again." });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().detail).toBe(
      "This denial was appealed already; a denial can be appealed once.",
    );
  });

  it("are refused after the policy's window", async () => {
    const c = await newClient();
    const denied = await deniedRequest(c);
    t.setNow(NOW + 14 * DAY + 1);
    expect((await get(`/requests/${denied.id}`, c.actor)).json<View>().actions).toEqual([]);
    const late = await post(`/requests/${denied.id}/appeal`, c.actor, { message: "Late." });
    expect(late.statusCode).toBe(409);
    expect(late.json().detail).toMatch(/^The time to appeal this denial ended at 2026-03-16T09/);
  });

  it("are the client's own: another client gets 404, staff 403", async () => {
    const c = await newClient();
    const other = await newClient();
    const denied = await deniedRequest(c);
    const foreign = await post(`/requests/${denied.id}/appeal`, other.actor, { message: "x" });
    expect(foreign.statusCode).toBe(404);
    expect((await post(`/requests/${denied.id}/appeal`, qa2, { message: "x" })).statusCode).toBe(
      403,
    );
  });
});

describe("follow-ups of accepted alternatives", () => {
  it("carry a due date and an owner; overdue, the client may reopen; fulfilled, not", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    await post(`/requests/${v1.id}/offer-alternative`, qa, {
      expectedVersion: 1,
      kind: "re-delivery",
      note: "We run the test again next week.",
    });
    const accepted = await post(`/requests/${v1.id}/accept-alternative`, c.actor, {});
    expect(accepted.statusCode, accepted.body).toBe(200);
    const followUp = accepted.json<View>().alternative?.followUp;
    // 10 business days after Monday 2 March: the end of Monday 16 March.
    expect(followUp).toEqual({
      dueAt: "2026-03-17T00:00:00.000Z",
      ownerId: idOf(qa),
      fulfilledAt: null,
    });
    const early = await post(`/requests/${v1.id}/reopen`, c.actor, { message: "Nothing yet." });
    expect(early.statusCode).toBe(409);
    t.setNow(Date.parse("2026-03-17T00:00:01Z"));
    expect((await get(`/requests/${v1.id}`, c.actor)).json<View>().actions).toEqual(["reopen"]);
    const reopened = await post(`/requests/${v1.id}/reopen`, c.actor, {
      message: "The re-test never happened.",
    });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json<View>().status).toBe("in_review");
  });

  it("once fulfilled, cannot be reopened", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    await post(`/requests/${v1.id}/offer-alternative`, qa, {
      expectedVersion: 1,
      kind: "re-delivery",
      note: "Again.",
    });
    const accepted = (
      await post(`/requests/${v1.id}/accept-alternative`, c.actor, {})
    ).json<View>();
    const done = await post(`/requests/${v1.id}/fulfil-follow-up`, qa, {
      expectedVersion: accepted.version,
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json<View>().alternative?.followUp?.fulfilledAt).toBe(new Date(NOW).toISOString());
    t.setNow(NOW + 30 * DAY);
    const late = await post(`/requests/${v1.id}/reopen`, c.actor, { message: "x" });
    expect(late.statusCode).toBe(409);
    const finances = await post(`/requests/${v1.id}/fulfil-follow-up`, finance, {
      expectedVersion: 1,
    });
    expect(finances.statusCode).toBe(403);
  });
});

describe("internal notes", () => {
  it("are listed to reviewers only and tell the client nothing", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    const outboxBefore = await t.db.db.selectFrom("outbox").select("id").execute();
    const note = await post(`/requests/${v1.id}/messages`, qa, {
      body: "Client's VPN logs show no access was ever given.",
      internal: true,
    });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json()).toMatchObject({ internal: true });
    const outboxAfter = await t.db.db.selectFrom("outbox").select("id").execute();
    expect(outboxAfter.length).toBe(outboxBefore.length);
    const mine = await post(`/requests/${v1.id}/messages`, c.actor, { body: "Any news?" });
    expect(mine.json()).toMatchObject({ internal: false });
    const forClient = (await get(`/requests/${v1.id}/messages`, c.actor)).json();
    expect(forClient.items.map((m: { body: string }) => m.body)).toEqual(["Any news?"]);
    expect(forClient.nextCursor).toBeNull();
    const forQa = (await get(`/requests/${v1.id}/messages`, qa)).json();
    expect(forQa.items).toHaveLength(2);
    const sneaky = await post(`/requests/${v1.id}/messages`, c.actor, {
      body: "x",
      internal: true,
    });
    expect(sneaky.statusCode).toBe(403);
    expect(sneaky.json().detail).toBe("Only reviewers can write internal notes.");
  });
});

describe("the review queue", () => {
  it("rows read without opening: client and order names, price, recommendation, assignee", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    const list = await get(`/requests?clientId=${c.clientId}`, qa);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items[0]).toMatchObject({
      id: v1.id,
      reference: v1.reference,
      orderName: "External penetration test",
      orderAmount: { amount: "4800.00", currency: "USD" },
      clientName: expect.any(String),
      assignee: null,
      recommendation: { outcome: "refund" },
      flags: { replyOverdue: false, atRisk: false },
    });
  });

  it("claims, assigns and unassigns (audited); filters by assignee, statuses and waitingOn", async () => {
    const c = await newClient();
    const a = await newRequest(c);
    const b = await newRequest(c);
    const claimed = await post(`/requests/${a.id}/claim`, qa, {});
    expect(claimed.statusCode, claimed.body).toBe(200);
    expect(claimed.json<View>().reviewerId).toBe(idOf(qa));
    const mine = await get(`/requests?clientId=${c.clientId}&assignee=me`, qa);
    expect(mine.json().items.map((r: { id: string }) => r.id)).toEqual([a.id]);
    expect(mine.json().items[0].assignee).toMatchObject({ id: idOf(qa) });
    const given = await post(`/requests/${b.id}/assign`, qa, { userId: idOf(qa2) });
    expect(given.statusCode, given.body).toBe(200);
    const notReviewer = await post(`/requests/${b.id}/assign`, qa, { userId: idOf(finance) });
    expect(notReviewer.statusCode).toBe(400);
    expect(notReviewer.json().errors[0].path).toBe("body.userId");
    const byFinance = await post(`/requests/${b.id}/claim`, finance, {});
    expect(byFinance.statusCode).toBe(403);
    await post(`/requests/${a.id}/request-info`, qa, { expectedVersion: 2, question: "VPN?" });
    const unassigned = await post(`/requests/${b.id}/unassign`, qa, {});
    expect(unassigned.json<View>().reviewerId).toBeNull();
    const audit = await t.db.db
      .selectFrom("audit_events")
      .select("action")
      .where("entity_id", "=", b.id)
      .orderBy("seq")
      .execute();
    expect(audit.map((x) => x.action)).toEqual([
      "request.submit",
      "request.assign",
      "request.unassign",
    ]);

    const both = await get(`/requests?clientId=${c.clientId}&status=submitted,info_requested`, qa);
    expect(both.json().items).toHaveLength(2);
    const onClient = await get(`/requests?clientId=${c.clientId}&waitingOn=client`, qa);
    expect(onClient.json().items.map((r: { id: string }) => r.id)).toEqual([a.id]);
    const combined = await get(
      `/requests?clientId=${c.clientId}&waitingOn=qa&assignee=unassigned&status=submitted`,
      qa,
    );
    expect(combined.json().items.map((r: { id: string }) => r.id)).toEqual([b.id]);
    const bad = await get(`/requests?status=submitted,nope`, qa);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe("querystring.status");

    const counts = await get(`/requests/counts?clientId=${c.clientId}`, qa);
    expect(counts.statusCode, counts.body).toBe(200);
    expect(counts.json()).toMatchObject({
      counts: { submitted: 1, info_requested: 1, in_review: 0 },
      total: 2,
    });
  });

  it("sorts by age and by the client's last reply, paging with the cursor", async () => {
    const c = await newClient();
    const first = await newRequest(c);
    t.setNow(NOW + 1000);
    const second = await newRequest(c);
    const byAge = await get(`/requests?clientId=${c.clientId}&sort=age&limit=1`, qa);
    expect(byAge.json().items[0].id).toBe(first.id);
    const next = await get(
      `/requests?clientId=${c.clientId}&sort=age&limit=1&cursor=${byAge.json().nextCursor}`,
      qa,
    );
    expect(next.json().items[0].id).toBe(second.id);
    t.setNow(NOW + 5000);
    await post(`/requests/${first.id}/messages`, c.actor, { body: "Any news?" });
    const byReply = await get(`/requests?clientId=${c.clientId}&sort=last_client_reply`, qa);
    expect(byReply.json().items.map((r: { id: string }) => r.id)).toEqual([first.id, second.id]);
  });

  it("finds a request by the reference e-mails show; clients only their own", async () => {
    const c = await newClient();
    const other = await newClient();
    const v1 = await newRequest(c);
    const found = await get(`/requests/by-reference/${v1.reference.toLowerCase()}`, c.actor);
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json<View>().id).toBe(v1.id);
    expect((await get(`/requests/by-reference/${v1.reference}`, qa)).statusCode).toBe(200);
    expect((await get(`/requests/by-reference/${v1.reference}`, other.actor)).statusCode).toBe(404);
    expect((await get(`/requests/by-reference/REQ-XYZ`, qa)).statusCode).toBe(400);
  });
});

describe("the timeline", () => {
  it("lists everything in order for staff, and the client's subset for the client", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    await post(`/requests/${v1.id}/claim`, qa, {});
    await post(`/requests/${v1.id}/request-info`, qa, { expectedVersion: 2, question: "VPN?" });
    await post(`/requests/${v1.id}/messages`, qa, {
      body: "Looks like a blocker.",
      internal: true,
    });
    await post(`/requests/${v1.id}/answer`, c.actor, { message: "Given on day one." });
    await post(`/requests/${v1.id}/deny`, qa, {
      expectedVersion: 4,
      justification: "The VPN was never given.",
      clauses: ["excluded.client-side"],
    });
    const staff = await get(`/requests/${v1.id}/timeline`, qa);
    expect(staff.statusCode, staff.body).toBe(200);
    const kinds = staff.json().items.map((i: { kind: string }) => i.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        "request.submit",
        "request.assign",
        "request.request_info",
        "message.question",
        "message.create",
        "request.answer",
        "message.answer",
        "request.deny",
      ]),
    );
    const deny = staff.json().items.find((i: { kind: string }) => i.kind === "request.deny");
    expect(deny.details).toMatchObject({
      justification: "The VPN was never given.",
      clauses: ["excluded.client-side"],
    });
    const client = (await get(`/requests/${v1.id}/timeline`, c.actor)).json();
    const clientKinds = client.items.map((i: { kind: string }) => i.kind);
    expect(clientKinds).not.toContain("request.assign");
    expect(JSON.stringify(client)).not.toContain("Looks like a blocker.");
    expect(clientKinds).toContain("request.deny");
    const other = await newClient();
    expect((await get(`/requests/${v1.id}/timeline`, other.actor)).statusCode).toBe(404);
  });

  it("shows the client its payout steps without the provider's text, finance's notes or staff ids", async () => {
    const c = await newClient();
    const v1 = await newRequest(c);
    const approved = await post(`/requests/${v1.id}/approve`, qa, {
      expectedVersion: 1,
      amount: { amount: "4800.00", currency: "USD" },
      justification: "Never started.",
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const payouts = await get(`/payouts?requestId=${v1.id}`, finance);
    const payout = payouts.json().items[0] as { id: string; version: number };
    const released = await post(`/payouts/${payout.id}/approve`, finance, {
      expectedVersion: payout.version,
    });
    expect(released.statusCode, released.body).toBe(200);
    // A provider's refusal and finance's reissue note, as the worker and finance record them.
    await t.db.db.transaction().execute(async (trx) => {
      for (const [action, summary] of [
        ["payout.failed", { reason: "lost_or_stolen_card", providerRef: "re_secret_1" }],
        [
          "payout.reissued",
          {
            method: "card",
            to: "bank_transfer",
            justification: "Card stolen, per call with Fran",
            replacedBy: "pyo_x",
          },
        ],
      ] as const) {
        await appendAudit(trx, {
          actor: action === "payout.failed" ? "worker:w1" : `user:${finance.split(":")[1]}`,
          action,
          entityType: "payout",
          entityId: payout.id,
          summary,
          ip: null,
          at: NOW + 1000,
        });
      }
    });
    const staffView = (await get(`/requests/${v1.id}/timeline`, qa)).json();
    expect(JSON.stringify(staffView)).toContain("re_secret_1");
    // 4800.00 USD needs two finance approvals: the first is an internal step.
    const staffKinds = staffView.items.map((i: { kind: string }) => i.kind);
    expect(staffKinds).toContain("payout.approved");
    const client = (await get(`/requests/${v1.id}/timeline`, c.actor)).json();
    const steps = client.items.filter((i: { kind: string }) => i.kind.startsWith("payout."));
    expect(steps.map((i: { kind: string }) => i.kind)).toEqual([
      "payout.scheduled",
      "payout.failed",
      "payout.reissued",
    ]);
    expect(steps[0].details).toEqual({
      amount: { amount: "4800.00", currency: "USD" },
      dueEarliest: expect.any(String),
      dueLatest: expect.any(String),
    });
    expect(steps[1].details).toEqual({});
    expect(steps[2].details).toEqual({ method: "card", to: "bank_transfer", replacedBy: "pyo_x" });
    for (const s of steps) expect(s.actor).toBe("staff");
    const text = JSON.stringify(client);
    expect(text).not.toContain("re_secret_1");
    expect(text).not.toContain("lost_or_stolen_card");
    expect(text).not.toContain("per call with Fran");
    expect(text).not.toContain(finance.split(":")[1]);
  });
});
