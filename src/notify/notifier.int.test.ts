// The notifier end to end: real API actions write outbox rows; the handler reads them, renders and
// sends through nodemailer to a real local SMTP server; the test reads what arrived. Then the
// at-least-once guarantees: a row handled twice sends nothing twice, a refused message makes the
// handler throw and the retry sends only what is missing, a bad payload is a clear error.

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newId } from "../db/ids.js";
import { apiCalls, newClient, newOrder, type TestClient } from "../../test/support/api-world.js";
import { userRow } from "../../test/support/db-rows.js";
import { testServer, type TestServer } from "../../test/support/http.js";
import { startSmtp, type ReceivedMail, type TestSmtp } from "../../test/support/smtp.js";
import { fileTransport, smtpTransport, type MailTransport } from "./mail.js";
import {
  createNotifier,
  messageIdFor,
  PermanentNotificationError,
  type Notifier,
  type OutboxMessage,
} from "./notifier.js";

const PUBLIC_URL = "https://refunds.example.com";
const MAIL_FROM = "Refund Desk <refunds@desk.test>";

let t: TestServer;
let smtp: TestSmtp;
let mail: MailTransport;
let notifier: Notifier;
/** Outbox rows already handed to the notifier by `drain`. */
const handled = new Set<string>();

const staff = {
  qa1: userRow({ role: "qa", email: "qa1@desk.test", name: "Quinn One", disabled: 0 }),
  qa2: userRow({ role: "qa", email: "qa2@desk.test", name: "Quinn Two", disabled: 0 }),
  qaOff: userRow({ role: "qa", email: "qa-off@desk.test", disabled: 1 }),
  fin1: userRow({ role: "finance", email: "fin1@desk.test", name: "Fay Finance", disabled: 0 }),
  fin2: userRow({ role: "finance", email: "fin2@desk.test", name: "Fin Two", disabled: 0 }),
};
const qa1 = `qa:${staff.qa1.id}`;

beforeAll(async () => {
  t = await testServer();
  smtp = await startSmtp();
  mail = smtpTransport(smtp.url);
  notifier = createNotifier({
    db: t.deps.db,
    clock: t.deps.clock,
    mail,
    config: { publicUrl: PUBLIC_URL, mailFrom: MAIL_FROM },
  });
  await t.db.db.insertInto("users").values(Object.values(staff)).execute();
});

afterAll(async () => {
  mail?.close();
  await smtp?.close();
  await t?.close();
});

beforeEach(() => {
  smtp.received.length = 0;
  smtp.refuseNext(0);
});

interface Client extends TestClient {
  /** The addresses that get the client's mail (the disabled user's never does). */
  emails: string[];
}

/** A client with two active users and a disabled one (who must never get mail). */
async function mailClient(): Promise<Client> {
  const tag = newId("t").slice(-8);
  const c = await newClient(t, [
    { email: `a-${tag}@acme.test`, name: "Carla <Acme>", disabled: 0 },
    { email: `b-${tag}@acme.test`, name: "Bob", disabled: 0 },
    { email: `off-${tag}@acme.test`, disabled: 1 },
  ]);
  return { ...c, emails: [c.users[0]!.email, c.users[1]!.email] };
}

/** An order with markup in its service name (escaped in every e-mail), paid by card. */
const markedUpOrder = (c: Client) =>
  newOrder(t, c, { order: { service_name: `Audit <script>x</script> & co` } });

/** POSTs as `actor`, expecting success. */
async function post(url: string, actor: string, payload: unknown): Promise<LightMyRequestResponse> {
  const res = await apiCalls(t).post(url, actor, payload);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res;
}

/** The notify.* outbox rows not handled yet, oldest first, as the worker would hand them over. */
async function pending(): Promise<OutboxMessage[]> {
  const rows = await t.db.db
    .selectFrom("outbox")
    .select(["id", "topic", "payload", "attempts"])
    .where("topic", "like", "notify.%")
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows
    .filter((r) => !handled.has(r.id))
    .map((r) => ({
      id: r.id,
      topic: r.topic,
      payload: JSON.parse(r.payload),
      attempts: r.attempts,
    }));
}

/** Hands every pending notify.* row to the notifier; returns the rows by topic. */
async function drain(): Promise<Map<string, OutboxMessage>> {
  const byTopic = new Map<string, OutboxMessage>();
  for (const m of await pending()) {
    await notifier.handle(m);
    handled.add(m.id);
    byTopic.set(m.topic, m);
  }
  return byTopic;
}

const to = (m: ReceivedMail) => m.to.join(",");

describe("e-mails from real workflow actions, over SMTP", () => {
  it("submit, question, answer, approve: each reaches the right people with the right words", async () => {
    const c = await mailClient();
    const { order } = await markedUpOrder(c);

    const submitted = await post("/requests", c.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "The engagement never started.",
    });
    const req = submitted.json<{ id: string }>();
    const ref = `REQ-${req.id.slice(4, 12).toUpperCase()}`;
    let rows = await drain();
    const receivedRow = rows.get("notify.request_received");
    expect(receivedRow).toBeDefined();

    // To the client's two active users, one e-mail each; the disabled user gets nothing.
    expect(smtp.received.map(to).sort()).toEqual([...c.emails].sort());
    for (const m of smtp.received) {
      expect(m.from).toBe("refunds@desk.test");
      expect(m.headers.get("from")).toBe(MAIL_FROM);
      expect(m.subject).toBe(`We received your refund request ${ref}`);
      expect(m.messageId).toBe(messageIdFor(receivedRow!.id, to(m), "desk.test"));
      expect(m.text).toContain(`${PUBLIC_URL}/requests/${req.id}`);
      expect(m.text).toContain(`order ${order.id} (Audit <script>x</script> & co)`);
      expect(m.html).toContain("Audit &lt;script&gt;x&lt;/script&gt; &amp; co");
      expect(m.html).not.toContain("<script>");
    }
    const carla = smtp.received.find((m) => to(m) === c.emails[0])!;
    expect(carla.text).toContain("Hello Carla <Acme>,");
    expect(carla.html).toContain("Hello Carla &lt;Acme&gt;,");

    // The reviewer takes it and asks a question with markup in it.
    smtp.received.length = 0;
    await post(`/requests/${req.id}/start-review`, qa1, { expectedVersion: 1 });
    const question = `Was the kickoff <b>held</b>? "Yes" & 'no' both fine.`;
    await post(`/requests/${req.id}/request-info`, qa1, { expectedVersion: 2, question });
    rows = await drain();
    expect([...rows.keys()]).toEqual(["notify.question_asked"]);
    expect(smtp.received).toHaveLength(2);
    const asked = smtp.received[0]!;
    expect(asked.subject).toBe(`A question about your refund request ${ref}`);
    expect(asked.text).toContain(`> ${question}`);
    expect(asked.html).toContain(
      "Was the kickoff &lt;b&gt;held&lt;/b&gt;? &quot;Yes&quot; &amp; &#39;no&#39; both fine.",
    );
    expect(asked.html).not.toContain("<b>");

    // The client answers: only the reviewer who took the request hears of it.
    smtp.received.length = 0;
    t.setNow(t.deps.clock() + 60_000);
    await post(`/requests/${req.id}/answer`, c.actor, { message: "No <i>kickoff</i> ever." });
    rows = await drain();
    expect([...rows.keys()]).toEqual(["notify.client_answered"]);
    expect(smtp.received.map(to)).toEqual(["qa1@desk.test"]);
    expect(smtp.received[0]!.subject).toBe(`The client answered on ${ref}`);
    expect(smtp.received[0]!.text).toContain("> No <i>kickoff</i> ever.");
    expect(smtp.received[0]!.html).toContain("No &lt;i&gt;kickoff&lt;/i&gt; ever.");

    // Approval: the amount, exactly.
    smtp.received.length = 0;
    await post(`/requests/${req.id}/approve`, qa1, {
      expectedVersion: 4,
      amount: { amount: "4800.00", currency: "USD" },
    });
    rows = await drain();
    expect(rows.has("notify.decision")).toBe(true);
    expect(smtp.received.map(to).sort()).toEqual([...c.emails].sort());
    expect(smtp.received[0]!.subject).toBe(`Your refund request ${ref} was approved: 4800.00 USD`);
    expect(smtp.received[0]!.text).toContain("We will refund 4800.00 USD.");

    // Each e-mail is on record once, with its Message-ID.
    const recorded = await t.db.db
      .selectFrom("notification_deliveries")
      .selectAll()
      .where("outbox_id", "=", receivedRow!.id)
      .orderBy("recipient")
      .execute();
    expect(recorded.map((r) => r.recipient)).toEqual([...c.emails].sort());
    expect(recorded[0]!.message_id).toBe(
      messageIdFor(receivedRow!.id, recorded[0]!.recipient, "desk.test"),
    );
  });

  it("a message goes to the other side: a client's to the reviewers, staff's to the client", async () => {
    const c = await mailClient();
    const { order } = await markedUpOrder(c);
    const req = (
      await post("/requests", c.actor, {
        orderId: order.id,
        reason: "not_delivered",
        description: "Never started.",
      })
    ).json<{ id: string }>();
    await drain();
    smtp.received.length = 0;

    // No reviewer yet: every active qa user hears of it (not the disabled one).
    await post(`/requests/${req.id}/messages`, c.actor, { body: "Any news?" });
    await drain();
    expect(smtp.received.map(to).sort()).toEqual(["qa1@desk.test", "qa2@desk.test"]);
    expect(smtp.received[0]!.text).toContain("> Any news?");

    smtp.received.length = 0;
    await post(`/requests/${req.id}/messages`, qa1, { body: "We are on it." });
    await drain();
    expect(smtp.received.map(to).sort()).toEqual([...c.emails].sort());
    expect(smtp.received[0]!.subject).toMatch(/^A new message about your refund request REQ-/);
  });

  it("refund_sent and refund_failed read the payout; payout_overdue goes to finance", async () => {
    const c = await mailClient();
    const { order, payment } = await markedUpOrder(c);
    const req = (
      await post("/requests", c.actor, {
        orderId: order.id,
        reason: "not_delivered",
        description: "Never started.",
      })
    ).json<{ id: string }>();
    await post(`/requests/${req.id}/start-review`, qa1, { expectedVersion: 1 });
    await post(`/requests/${req.id}/approve`, qa1, {
      expectedVersion: 2,
      amount: { amount: "4800.00", currency: "USD" },
    });
    await drain();
    smtp.received.length = 0;

    // The payout the lead's worker would create, and its notifications (payload as agreed).
    const decision = await t.db.db
      .selectFrom("decisions")
      .select("id")
      .where("request_id", "=", req.id)
      .executeTakeFirstOrThrow();
    const payoutId = newId("po");
    const at = "2026-03-02T09:00:00.000Z";
    await t.db.db
      .insertInto("payouts")
      .values({
        id: payoutId,
        request_id: req.id,
        decision_id: decision.id,
        payment_id: payment.id,
        method: "card",
        amount_minor: "480000",
        currency: "USD",
        status: "succeeded",
        due_earliest: "2026-03-11",
        due_latest: "2026-03-20",
        idempotency_key: `payout:${payoutId}`,
        provider_ref: "re_1",
        failure_reason: "expired_or_canceled_card",
        created_at: at,
        updated_at: at,
      })
      .execute();
    const base = { requestId: req.id, orderId: order.id, clientId: c.clientId, payoutId };
    const message = (topic: string, payload: object): OutboxMessage => ({
      id: newId("obx"),
      topic,
      payload,
      attempts: 0,
    });

    await notifier.handle(
      message("notify.refund_sent", { ...base, audience: "client", template: "refund_sent" }),
    );
    expect(smtp.received.map(to).sort()).toEqual([...c.emails].sort());
    const sent = smtp.received[0]!;
    expect(sent.subject).toMatch(/^Your refund of 4800\.00 USD is on its way \(REQ-/);
    expect(sent.text).toContain("It should reach you between 11 March 2026 and 20 March 2026.");

    smtp.received.length = 0;
    await notifier.handle(
      message("notify.refund_failed", { ...base, audience: "client", template: "refund_failed" }),
    );
    expect(smtp.received[0]!.text).toContain("the card has expired or was cancelled");

    smtp.received.length = 0;
    await notifier.handle(
      message("notify.payout_overdue", {
        payoutId,
        requestId: req.id,
        audience: "finance",
        template: "payout_overdue",
      }),
    );
    expect(smtp.received.map(to).sort()).toEqual(["fin1@desk.test", "fin2@desk.test"]);
    expect(smtp.received[0]!.subject).toMatch(/^Payout overdue: 4800\.00 USD on REQ-/);
  });
});

describe("at least once, never twice", () => {
  async function freshReceivedRow(): Promise<{ row: OutboxMessage; client: Client }> {
    const c = await mailClient();
    const { order } = await markedUpOrder(c);
    await post("/requests", c.actor, {
      orderId: order.id,
      reason: "not_delivered",
      description: "Never started.",
    });
    const rows = await pending();
    const row = rows.find((r) => r.topic === "notify.request_received");
    if (row === undefined) throw new Error("no outbox row");
    for (const r of rows) handled.add(r.id);
    return { row, client: c };
  }

  it("handling the same row again sends nothing", async () => {
    const { row, client } = await freshReceivedRow();
    await notifier.handle(row);
    await notifier.handle(row);
    await notifier.handle({ ...row, attempts: 2 });
    expect(smtp.received.map(to).sort()).toEqual([...client.emails].sort());
  });

  it("a refused message: the handler throws, and the retry sends only what is missing", async () => {
    const { row, client } = await freshReceivedRow();
    smtp.refuseNext(1);
    // Recipients go out in address order: the first is refused, the second accepted.
    await expect(notifier.handle(row)).rejects.toThrow(/1 of 2 e-mails not sent/);
    expect(smtp.received.map(to)).toEqual([client.emails[1]]);
    const before = await t.db.db
      .selectFrom("notification_deliveries")
      .select("recipient")
      .where("outbox_id", "=", row.id)
      .execute();
    expect(before.map((r) => r.recipient)).toEqual([client.emails[1]]);

    await notifier.handle({ ...row, attempts: 1 });
    expect(smtp.received.map(to)).toEqual([client.emails[1], client.emails[0]]);
    // Both copies of a retried message carry the same Message-ID as a first send would.
    expect(smtp.received[1]!.messageId).toBe(messageIdFor(row.id, client.emails[0]!, "desk.test"));

    await notifier.handle({ ...row, attempts: 2 });
    expect(smtp.received).toHaveLength(2);
  });

  it("the whole server refusing: every recipient is tried, nothing recorded, all sent on retry", async () => {
    const { row, client } = await freshReceivedRow();
    smtp.refuseNext(2);
    await expect(notifier.handle(row)).rejects.toThrow(/2 of 2 e-mails not sent/);
    expect(smtp.received).toHaveLength(0);
    await notifier.handle(row);
    expect(smtp.received.map(to).sort()).toEqual([...client.emails].sort());
  });

  it("a question row retried after a second round still quotes its own question", async () => {
    const c = await mailClient();
    const { order } = await markedUpOrder(c);
    const req = (
      await post("/requests", c.actor, {
        orderId: order.id,
        reason: "not_delivered",
        description: "Never started.",
      })
    ).json<{ id: string }>();
    await drain();
    await post(`/requests/${req.id}/start-review`, qa1, { expectedVersion: 1 });
    await post(`/requests/${req.id}/request-info`, qa1, {
      expectedVersion: 2,
      question: "First question?",
    });
    const first = (await pending()).find((r) => r.topic === "notify.question_asked")!;
    handled.add(first.id);
    t.setNow(t.deps.clock() + 60_000);
    await post(`/requests/${req.id}/answer`, c.actor, { message: "First answer." });
    t.setNow(t.deps.clock() + 60_000);
    await post(`/requests/${req.id}/request-info`, qa1, {
      expectedVersion: 4,
      question: "Second question?",
    });
    smtp.received.length = 0;
    await notifier.handle(first);
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[0]!.text).toContain("> First question?");
    expect(smtp.received[0]!.text).not.toContain("Second question?");
    await drain();
  });

  it("an unreachable server is an error to retry, not a crash", async () => {
    const { row } = await freshReceivedRow();
    const dead = smtpTransport("smtp://127.0.0.1:1");
    const n = createNotifier({
      db: t.deps.db,
      clock: t.deps.clock,
      mail: dead,
      config: { publicUrl: PUBLIC_URL, mailFrom: MAIL_FROM },
    });
    await expect(n.handle(row)).rejects.toThrow(/e-mails not sent/);
    dead.close();
  });
});

describe("bad rows", () => {
  const handle = (topic: string, payload: unknown) =>
    notifier.handle({ id: newId("obx"), topic, payload, attempts: 0 });

  it("an unknown request id is a clear, permanent error", async () => {
    const err = await handle("notify.request_received", {
      requestId: "req_missing",
      audience: "client",
      template: "request_received",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentNotificationError);
    expect((err as Error).message).toMatch(/request req_missing does not exist/);
  });

  it("unknown topics, payloads that are not objects, missing fields: permanent errors", async () => {
    await expect(handle("notify.nonsense", {})).rejects.toThrow(/unknown topic/);
    await expect(handle("notify.request_received", "x")).rejects.toThrow(/not an object/);
    await expect(handle("notify.request_received", { audience: "client" })).rejects.toThrow(
      /no requestId/,
    );
    await expect(
      handle("notify.request_received", { requestId: "r", audience: "everyone" }),
    ).rejects.toBeInstanceOf(PermanentNotificationError);
    await expect(
      handle("notify.refund_sent", { requestId: "r", audience: "client" }),
    ).rejects.toBeInstanceOf(PermanentNotificationError);
    expect(smtp.received).toHaveLength(0);
  });
});

describe("without SMTP_URL: .eml files", () => {
  it("writes one file per e-mail under the mail directory; a resend overwrites it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "refund-desk-mail-"));
    try {
      const files = fileTransport(join(dir, "mail"));
      expect(files.description).toContain(join(dir, "mail"));
      const n = createNotifier({
        db: t.deps.db,
        clock: t.deps.clock,
        mail: files,
        config: { publicUrl: PUBLIC_URL, mailFrom: MAIL_FROM },
      });
      const c = await mailClient();
      const { order } = await markedUpOrder(c);
      await post("/requests", c.actor, {
        orderId: order.id,
        reason: "not_delivered",
        description: "Never started.",
      });
      const row = (await pending()).find((r) => r.topic === "notify.request_received")!;
      handled.add(row.id);
      await n.handle(row);
      await t.db.db.deleteFrom("notification_deliveries").where("outbox_id", "=", row.id).execute();
      await n.handle(row);
      // Two recipients, sent twice (the record was removed in between): still two files.
      const names = (await readdir(join(dir, "mail"))).sort();
      expect(names).toHaveLength(2);
      expect(names.every((f) => f.endsWith(".eml") && f.startsWith(row.id))).toBe(true);
      const eml = await readFile(join(dir, "mail", names[0]!), "utf8");
      expect(eml).toMatch(/^Subject: We received your refund request REQ-/m);
      expect(eml).toMatch(/^Message-ID:\s+<obx_/m);
      files.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
