// Requests and replies by e-mail (issue 19), end to end: nodemailer sends to the desk's own SMTP
// listener on localhost, the listener stores each message raw, and the worker's step
// (processInboundMail) makes it into a request, a message, an answer, or a triage item. Runs on
// SQLite, and on PostgreSQL with DATABASE_URL.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nodemailer from "nodemailer";
import type { SendMailOptions, Transporter } from "nodemailer";
import { startSmtpListener, type SmtpListener } from "../../src/inbound/smtp-listener.js";
import {
  processInboundMail,
  DEFAULT_INBOUND_RUN,
} from "../../src/app/inbound/process-inbound-mail.js";
import {
  replyToFor,
  replyToken,
  type DnsResolver,
  type InboundSettings,
} from "../../src/app/inbound/settings.js";
import { claimStoredInbound } from "../../src/app/inbound/repository.js";
import { DEFAULT_ATTACHMENT_LIMITS } from "../../src/app/attachments/storage.js";
import { applyRequestEvent } from "../../src/app/requests/apply-request-event.js";
import { submitRequest } from "../../src/app/requests/submit-request.js";
import { toDbInstant } from "../../src/db/time.js";
import { createAppDeps } from "../../src/app/context.js";
import { testServer, type TestServer } from "../support/http.js";
import { startSmtp } from "../support/smtp.js";
import { createNotifier, smtpTransport } from "../../src/notify/index.js";
import { createInboundAckMailer } from "../../src/notify/inbound-ack-mailer.js";
import { INBOUND_ACK_TOPIC } from "../../src/core/mail/inbound.js";
import { apiCalls, newClient, newOrder, newStaff, type TestClient } from "../support/api-world.js";

const SECRET = "test-inbound-secret-0123456789";
const MAILBOX = { local: "support", domain: "desk.test" };

/** DNS for mailauth from a table: the client domain publishes a DMARC reject policy. */
const resolver: DnsResolver = async (domain, rrtype) => {
  if (rrtype === "TXT" && domain === "_dmarc.strict.test") return [["v=DMARC1; p=reject"]];
  throw Object.assign(new Error(`no ${rrtype} for ${domain}`), { code: "ENOTFOUND" });
};

const SETTINGS: InboundSettings = {
  mailbox: MAILBOX,
  tokenSecret: SECRET,
  maxBytes: 5 * 1024 * 1024,
  attachments: DEFAULT_ATTACHMENT_LIMITS,
  resolver,
  mta: "desk.test",
};

const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
  "latin1",
);

let t: TestServer;
let listener: SmtpListener;
let smtp: Transporter;
let alice: TestClient;
let bob: TestClient;
let strict: TestClient;
let aliceOrder: string;
let bobOrder: string;
let qa: string;

async function send(mail: SendMailOptions): Promise<void> {
  await smtp.sendMail({ to: "support@desk.test", ...mail });
}

async function process(): Promise<number> {
  return processInboundMail(t.deps, SETTINGS, 50);
}

async function rowsByMessageId(messageId: string) {
  return t.db.db
    .selectFrom("inbound_mail")
    .selectAll()
    .where("message_id", "=", messageId.replace(/[<>]/g, "").toLowerCase())
    .execute();
}

async function requestsOf(clientId: string) {
  return t.db.db
    .selectFrom("refund_requests")
    .selectAll()
    .where("client_id", "=", clientId)
    .execute();
}

beforeAll(async () => {
  t = await testServer();
  listener = await startSmtpListener(t.deps, {
    port: 0,
    host: "127.0.0.1",
    maxBytes: SETTINGS.maxBytes,
  });
  smtp = nodemailer.createTransport({
    host: "127.0.0.1",
    port: listener.port,
    secure: false,
    ignoreTLS: true,
  });
  alice = await newClient(t, [{ email: "alice@client.test" }]);
  bob = await newClient(t, [{ email: "bob@other.test" }]);
  strict = await newClient(t, [{ email: "carol@strict.test" }]);
  aliceOrder = (await newOrder(t, alice, { order: { id: "ORD-2026-0142" } })).order.id;
  await newOrder(t, alice, { order: { id: "ORD-2026-0999" } });
  bobOrder = (await newOrder(t, bob, { order: { id: "ORD-2026-0555" } })).order.id;
  await newOrder(t, strict, { order: { id: "ORD-2026-0777" } });
  qa = (await newStaff(t, ["qa"])).ids[0]!;
});

afterAll(async () => {
  smtp?.close();
  await listener?.close();
  await t?.close();
});

let aliceRequestId = "";
const aliceRequest = () => aliceRequestId;

describe("e-mail to the desk's SMTP listener", () => {
  it("a contact's e-mail with a PDF becomes a request on the right order", async () => {
    await send({
      from: "Alice <alice@client.test>",
      subject: "Refund for ORD-2026-0142",
      text: "Hello,\n\nthe penetration test was never started and nobody called us.\nPlease refund.\n\n-- \nAlice, Client Ltd",
      messageId: "<new-1@client.test>",
      attachments: [{ filename: "invoice.pdf", content: PDF, contentType: "application/pdf" }],
    });
    expect(await process()).toBe(1);
    const [row] = await rowsByMessageId("new-1@client.test");
    expect(row).toMatchObject({ status: "done", outcome: "request_created", order_id: aliceOrder });
    const requests = await requestsOf(alice.clientId);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request).toMatchObject({
      id: row!.request_id,
      order_id: aliceOrder,
      reason: "not_delivered",
      status: "submitted",
    });
    // The text is the description, without the signature.
    expect(request.description).toContain("never started");
    expect(request.description).not.toContain("Client Ltd");
    const files = await t.db.db
      .selectFrom("attachments")
      .selectAll()
      .where("request_id", "=", request.id)
      .execute();
    expect(files.map((f) => [f.original_name, f.content_type, f.uploaded_by])).toEqual([
      ["invoice.pdf", "application/pdf", alice.userId],
    ]);
    // The usual acknowledgement.
    const ack = await t.db.db
      .selectFrom("outbox")
      .select("topic")
      .where("topic", "=", "notify.request_received")
      .execute();
    expect(ack.length).toBeGreaterThanOrEqual(1);
    aliceRequestId = request.id;
  });

  it("the acknowledgement's Reply-To names the request; a reply to it lands on the request, quoted history stripped", async () => {
    // The desk's acknowledgement, sent by the notifier as the worker would, to a mail server the
    // test reads.
    const outside = await startSmtp();
    const transport = smtpTransport(outside.url);
    try {
      const notifier = createNotifier({
        db: t.deps.db,
        clock: t.deps.clock,
        mail: transport,
        config: { publicUrl: "https://desk.test", mailFrom: "Refund Desk <no-reply@desk.test>" },
        replyTo: replyToFor(SETTINGS),
      });
      const row = await t.db.db
        .selectFrom("outbox")
        .select(["id", "topic", "payload", "attempts"])
        .where("topic", "=", "notify.request_received")
        .executeTakeFirstOrThrow();
      await notifier.handle({ ...row, payload: JSON.parse(row.payload) as unknown });
    } finally {
      transport.close();
      await outside.close();
    }
    expect(outside.received.map((m) => m.to)).toEqual([["alice@client.test"]]);
    const replyTo = outside.received[0]!.headers.get("reply-to")!;
    expect(replyTo).toBe(replyToFor(SETTINGS)(aliceRequest()));
    expect(replyTo).toMatch(/^support\+REQ-[0-9A-F]{8}-[0-9a-f]{16}@desk\.test$/);
    await send({
      from: "alice@client.test",
      to: replyTo,
      subject: "Re: Your refund request",
      text: "We also attach the contract.\n\nOn Mon, 2 Mar 2026 at 10:00, Refund Desk <no-reply@desk.test> wrote:\n> We received your request.\n> Thank you.",
      messageId: "<reply-1@client.test>",
      attachments: [{ filename: "contract.pdf", content: Buffer.concat([PDF, Buffer.from("x")]) }],
    });
    expect(await process()).toBe(1);
    const [row] = await rowsByMessageId("reply-1@client.test");
    expect(row).toMatchObject({
      status: "done",
      outcome: "message_posted",
      request_id: aliceRequest(),
    });
    const messages = await t.db.db
      .selectFrom("messages")
      .selectAll()
      .where("request_id", "=", aliceRequest())
      .execute();
    expect(messages.map((m) => m.body)).toEqual(["We also attach the contract."]);
    const files = await t.db.db
      .selectFrom("attachments")
      .select("original_name")
      .where("request_id", "=", aliceRequest())
      .execute();
    expect(files.map((f) => f.original_name).sort()).toEqual(["contract.pdf", "invoice.pdf"]);
  });

  it("a reply while a question is open is the answer, and resumes the review", async () => {
    const qaCtx = { actor: { role: "qa" as const, userId: qa }, ip: null };
    const started = await applyRequestEvent(t.deps, qaCtx, {
      requestId: aliceRequest(),
      event: { type: "start_review", expectedVersion: 1 },
    });
    await applyRequestEvent(t.deps, qaCtx, {
      requestId: aliceRequest(),
      event: { type: "request_info", expectedVersion: started.version, question: "When?" },
    });
    await send({
      from: "alice@client.test",
      to: replyToFor(SETTINGS)(aliceRequest())!,
      subject: "Re: A question about your request",
      text: "It should have started on 9 February.\n\n> When?",
      messageId: "<answer-1@client.test>",
    });
    await process();
    const [row] = await rowsByMessageId("answer-1@client.test");
    expect(row).toMatchObject({ status: "done", outcome: "answered" });
    const request = (await requestsOf(alice.clientId)).find((r) => r.id === aliceRequest())!;
    expect(request.status).toBe("in_review");
    const answer = await t.db.db
      .selectFrom("messages")
      .selectAll()
      .where("request_id", "=", aliceRequest())
      .where("kind", "=", "answer")
      .execute();
    expect(answer.map((m) => m.body)).toEqual(["It should have started on 9 February."]);
  });

  it("a reply processed again (its worker died before recording the outcome) is not posted again", async () => {
    await send({
      from: "alice@client.test",
      to: replyToFor(SETTINGS)(aliceRequest())!,
      subject: "Re: Your refund request",
      text: "One more detail: the scope letter is signed.",
      messageId: "<reply-twice@client.test>",
    });
    expect(await process()).toBe(1);
    const [done] = await rowsByMessageId("reply-twice@client.test");
    expect(done).toMatchObject({ status: "done", request_id: aliceRequest() });
    // The worker dies after the message's transaction, before the row's outcome: the row is still
    // `stored` (its lease runs out); the message's own transaction named the request on it.
    await t.db.db
      .updateTable("inbound_mail")
      .set({ status: "stored", outcome: null, processed_at: null, claimed_until: null })
      .where("id", "=", done!.id)
      .execute();
    expect(await process()).toBe(1);
    const posted = await t.db.db
      .selectFrom("messages")
      .select("body")
      .where("request_id", "=", aliceRequest())
      .where("body", "=", "One more detail: the scope letter is signed.")
      .execute();
    expect(posted).toHaveLength(1);
    const [again] = await rowsByMessageId("reply-twice@client.test");
    expect(again).toMatchObject({ status: "done", outcome: "message_posted" });
  });

  it("a forged reply to another client's request is refused", async () => {
    const bobRequest = await submitRequest(
      t.deps,
      { actor: { role: "client", clientId: bob.clientId, userId: bob.userId }, ip: null },
      { orderId: bobOrder, reason: "mismatch", description: "Wrong scope." },
    );
    const before = await t.db.db.selectFrom("messages").select("id").execute();
    // Alice writes to Bob's genuine reply address ...
    await send({
      from: "alice@client.test",
      to: replyToFor(SETTINGS)(bobRequest.id)!,
      text: "Please approve this one too.",
      messageId: "<forged-1@client.test>",
    });
    // ... and to an address with a made-up token.
    const madeUp = replyToFor(SETTINGS)(bobRequest.id)!.replace(
      replyToken(SECRET, bobRequest.id),
      "0123456789abcdef",
    );
    await send({
      from: "bob@other.test",
      to: madeUp,
      text: "Approve.",
      messageId: "<forged-2@other.test>",
    });
    await process();
    expect(await rowsByMessageId("forged-1@client.test")).toMatchObject([
      { status: "refused", outcome: "forged_reply" },
    ]);
    expect(await rowsByMessageId("forged-2@other.test")).toMatchObject([
      { status: "refused", outcome: "forged_reply" },
    ]);
    expect(await t.db.db.selectFrom("messages").select("id").execute()).toHaveLength(before.length);
  });

  it("an auto-reply, a bounce and a bulk message create nothing", async () => {
    const before = (await t.db.db.selectFrom("refund_requests").select("id").execute()).length;
    const outboxBefore = (await t.db.db.selectFrom("outbox").select("id").execute()).length;
    await send({
      from: "alice@client.test",
      subject: "Automatic reply: ORD-2026-0142 never started",
      text: "I am out of the office. The service was never started.",
      headers: { "Auto-Submitted": "auto-replied" },
      messageId: "<auto-1@client.test>",
    });
    await send({
      from: "alice@client.test",
      to: replyToFor(SETTINGS)(aliceRequest())!,
      subject: "Refund ORD-2026-0142",
      text: "Newsletter: never started",
      headers: { Precedence: "bulk" },
      messageId: "<bulk-1@client.test>",
    });
    await send({
      envelope: { from: "", to: ["support@desk.test"] },
      from: "MAILER-DAEMON@client.test",
      subject: "Undeliverable: ORD-2026-0142",
      text: "Delivery failed.",
      messageId: "<bounce-1@client.test>",
    });
    await process();
    for (const id of ["auto-1@client.test", "bulk-1@client.test", "bounce-1@client.test"]) {
      expect(await rowsByMessageId(id), id).toMatchObject([
        { status: "ignored", outcome: "automatic" },
      ]);
    }
    expect((await t.db.db.selectFrom("refund_requests").select("id").execute()).length).toBe(
      before,
    );
    // Nothing to send back either: no loop.
    expect((await t.db.db.selectFrom("outbox").select("id").execute()).length).toBe(outboxBefore);
  });

  it("an unknown sender lands in triage, never in a client's account", async () => {
    await send({
      from: "mallory@elsewhere.test",
      subject: "Refund ORD-2026-0142",
      text: "The service was never delivered.",
      messageId: "<unknown-1@elsewhere.test>",
    });
    await process();
    expect(await rowsByMessageId("unknown-1@elsewhere.test")).toMatchObject([
      { status: "triage", triage_kind: "unknown_sender", client_id: null, request_id: null },
    ]);
  });

  it("no order or several orders wait for QA (a request needs its order)", async () => {
    await send({
      from: "alice@client.test",
      subject: "Refund please",
      text: "We were charged twice.",
      messageId: "<noorder@client.test>",
    });
    await send({
      from: "alice@client.test",
      subject: "ORD-2026-0142 and ORD-2026-0999",
      text: "We were charged twice.",
      messageId: "<twoorders@client.test>",
    });
    await process();
    expect(await rowsByMessageId("noorder@client.test")).toMatchObject([
      { status: "triage", triage_kind: "order_unclear", client_id: alice.clientId },
    ]);
    expect(await rowsByMessageId("twoorders@client.test")).toMatchObject([
      { status: "triage", triage_kind: "order_unclear" },
    ]);
    // Alice is told her e-mail arrived (no request exists yet to say so); the unknown sender of
    // the test before is not.
    const acks = await t.db.db
      .selectFrom("outbox")
      .select(["id", "topic", "payload", "attempts"])
      .where("topic", "=", INBOUND_ACK_TOPIC)
      .execute();
    expect(acks.map((a) => (JSON.parse(a.payload) as { userId: string }).userId)).toEqual([
      alice.userId,
      alice.userId,
    ]);
    const outside = await startSmtp();
    const transport = smtpTransport(outside.url);
    try {
      const mailer = createInboundAckMailer({
        db: t.deps.db,
        clock: t.deps.clock,
        mail: transport,
        config: { publicUrl: "https://desk.test", mailFrom: "Refund Desk <no-reply@desk.test>" },
      });
      const first = acks[0]!;
      await mailer.handle({ ...first, payload: JSON.parse(first.payload) as unknown });
      await mailer.handle({ ...first, payload: JSON.parse(first.payload) as unknown });
    } finally {
      transport.close();
      await outside.close();
    }
    expect(outside.received).toHaveLength(1);
    expect(outside.received[0]).toMatchObject({
      to: ["alice@client.test"],
      subject: "We received your e-mail",
    });
    expect(outside.received[0]!.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it("an unclear reason makes a request in triage at once: no recommendation, the usual acknowledgement, in the client's portal", async () => {
    await send({
      from: "alice@client.test",
      subject: "ORD-2026-0999",
      text: "We are not happy with this.",
      messageId: "<noreason@client.test>",
    });
    await process();
    const [row] = await rowsByMessageId("noreason@client.test");
    // Done: the e-mail names the request it made, and waits in no triage list of e-mails.
    expect(row).toMatchObject({
      status: "done",
      outcome: "request_in_triage",
      triage_kind: null,
      client_id: alice.clientId,
      order_id: "ORD-2026-0999",
    });
    const request = (await requestsOf(alice.clientId)).find((r) => r.id === row!.request_id);
    expect(request).toMatchObject({
      order_id: "ORD-2026-0999",
      status: "triage",
      reason: null,
      recommendation_id: null,
      description: "We are not happy with this.",
      // Dated when the e-mail arrived, not when the worker got to it.
      submitted_at: row!.received_at,
    });
    const recommendations = await t.db.db
      .selectFrom("recommendations")
      .select("id")
      .where("request_id", "=", request!.id)
      .execute();
    expect(recommendations).toEqual([]);
    // The usual acknowledgement names the request; no "we received your e-mail" besides.
    const received = await t.db.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", "notify.request_received")
      .execute();
    expect(received.filter((a) => a.payload.includes(request!.id))).toHaveLength(1);
    const mailAcks = await t.db.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", INBOUND_ACK_TOPIC)
      .execute();
    expect(mailAcks.some((a) => a.payload.includes(row!.id))).toBe(false);
    // The client sees it, without a reason or recommendation, and may only withdraw it (messages
    // and uploads, as on a submitted request, are not events).
    const api = apiCalls(t);
    const seen = await api.get(`/requests/${request!.id}`, alice.actor);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json()).toMatchObject({
      status: "triage",
      reason: null,
      recommendation: null,
      waitingOn: "staff",
      actions: ["withdraw"],
    });
    const listed = await api.get(`/requests?status=triage`, alice.actor);
    expect(listed.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toEqual([
      request!.id,
    ]);
    const message = await api.post(`/requests/${request!.id}/messages`, alice.actor, {
      body: "It is about the second invoice.",
    });
    expect(message.statusCode, message.body).toBe(201);
  });

  it("DMARC failing for a known client's domain is quarantined", async () => {
    await send({
      from: "carol@strict.test",
      subject: "Refund ORD-2026-0777",
      text: "Never delivered.",
      messageId: "<spoof@strict.test>",
    });
    await process();
    expect(await rowsByMessageId("spoof@strict.test")).toMatchObject([
      { status: "quarantined", outcome: "dmarc_fail" },
    ]);
    expect(await requestsOf(strict.clientId)).toHaveLength(0);
  });

  it("the same message delivered twice is stored once", async () => {
    const mail = {
      from: "mallory@elsewhere.test",
      subject: "Hello",
      text: "Same message twice.",
      messageId: "<twice@elsewhere.test>",
    };
    await send(mail);
    await send(mail);
    expect(await rowsByMessageId("twice@elsewhere.test")).toHaveLength(1);
    expect(await process()).toBe(1);
  });

  it("a crash between storing and processing loses nothing", async () => {
    await send({
      from: "alice@client.test",
      subject: "ORD-2026-0999 was charged twice",
      text: "We were charged twice for this order.",
      messageId: "<crash@client.test>",
    });
    // A worker claims the message and dies before processing it.
    const now = t.deps.clock();
    const claimed = await claimStoredInbound(
      t.db.db,
      toDbInstant(now),
      toDbInstant(now + DEFAULT_INBOUND_RUN.leaseMs),
      10,
    );
    expect(claimed).toHaveLength(1);
    // A fresh process (new deps, same database) finds nothing claimable while the lease holds ...
    let clock = now + 1000;
    const restarted = createAppDeps({
      db: t.db.db,
      dialect: t.db.dialect,
      policy: t.policy,
      clock: () => clock,
      dataDir: t.deps.dataDir,
      attachments: t.deps.attachments,
    });
    expect(await processInboundMail(restarted, SETTINGS, 10)).toBe(0);
    // ... and processes it once the lease has run out.
    clock = now + DEFAULT_INBOUND_RUN.leaseMs + 1;
    expect(await processInboundMail(restarted, SETTINGS, 10)).toBe(1);
    const [row] = await rowsByMessageId("crash@client.test");
    expect(row).toMatchObject({ status: "done", outcome: "request_created", attempts: 2 });
    const request = (await requestsOf(alice.clientId)).find((r) => r.id === row!.request_id);
    expect(request).toMatchObject({ order_id: "ORD-2026-0999", reason: "duplicate_payment" });
  });

  it("a message whose every attempt took the worker down is given up, not tried for ever", async () => {
    await send({
      from: "alice@client.test",
      subject: "ORD-2026-0999 again",
      text: "A message that stops the worker each time.",
      messageId: "<poison@client.test>",
    });
    const run = { leaseMs: 1000, maxAttempts: 3 };
    let clock = t.deps.clock();
    // Three workers in turn claim it and die before recording anything.
    for (let i = 0; i < run.maxAttempts; i++) {
      clock += run.leaseMs + 1;
      const claimed = await claimStoredInbound(
        t.db.db,
        toDbInstant(clock),
        toDbInstant(clock + run.leaseMs),
        10,
      );
      expect(claimed).toHaveLength(1);
    }
    const restarted = createAppDeps({
      db: t.db.db,
      dialect: t.db.dialect,
      policy: t.policy,
      clock: () => clock,
      dataDir: t.deps.dataDir,
      attachments: t.deps.attachments,
    });
    clock += run.leaseMs + 1;
    expect(await processInboundMail(restarted, SETTINGS, 10, run)).toBe(1);
    const [row] = await rowsByMessageId("poison@client.test");
    expect(row).toMatchObject({
      status: "failed",
      outcome: "processing_failed",
      attempts: run.maxAttempts + 1,
      request_id: null,
    });
    // Listed for QA, and never claimed again.
    clock += run.leaseMs + 1;
    expect(await processInboundMail(restarted, SETTINGS, 10, run)).toBe(0);
  });
});

describe("QA's triage of inbound e-mail", () => {
  const qaActor = () => `qa:${qa}`;
  const api = () => apiCalls(t);

  async function idOf(messageId: string): Promise<string> {
    const [row] = await rowsByMessageId(messageId);
    return row!.id;
  }

  async function audit(action: string, id: string) {
    return t.db.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", action)
      .where("entity_id", "=", id)
      .execute();
  }

  it("lists what waits for QA as a Page, oldest first; clients may not see it", async () => {
    const res = await api().get("/inbound-mail?limit=3", qaActor());
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<{ items: { status: string }[]; nextCursor: string | null }>();
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).not.toBeNull();
    const all: { status: string; triageKind: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const next = await api().get(
        `/inbound-mail${cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`}`,
        qaActor(),
      );
      const body = next.json<{ items: typeof all; nextCursor: string | null }>();
      all.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor !== null);
    // (The message given up after its attempts, above, is listed for QA too.)
    expect(new Set(all.map((m) => m.status))).toEqual(
      new Set(["triage", "quarantined", "refused", "failed"]),
    );
    expect(all.map((m) => m.triageKind)).toEqual(
      expect.arrayContaining(["unknown_sender", "order_unclear"]),
    );
    // An e-mail whose reason alone was unclear made its request (in triage): not listed here.
    expect(all.map((m) => m.triageKind)).not.toContain("reason_unclear");
    expect((await api().get("/inbound-mail", alice.actor)).statusCode).toBe(403);
    const bad = await api().get("/inbound-mail?status=bogus", qaActor());
    expect(bad.statusCode).toBe(400);
  });

  it("a request in triage is classified by QA: submitted, then the engine recommends; deciding it before is refused", async () => {
    const [row] = await rowsByMessageId("noreason@client.test");
    const requestId = row!.request_id!;
    const before = (await api().get(`/requests/${requestId}`, qaActor())).json<{
      version: number;
      actions: string[];
    }>();
    expect(before.actions).toEqual(["classify_reason"]);
    // Nothing is decided before its reason: a clear 409 naming the state.
    const approve = await api().post(`/requests/${requestId}/approve`, qaActor(), {
      expectedVersion: before.version,
      amount: { amount: "10.00", currency: "USD" },
    });
    expect(approve.statusCode, approve.body).toBe(409);
    expect(approve.json()).toMatchObject({
      code: "invalid_transition",
      state: "triage",
      detail:
        "The request came by e-mail and waits for a reviewer to classify its reason, so you cannot approve it.",
    });
    const deny = await api().post(`/requests/${requestId}/deny`, qaActor(), {
      expectedVersion: before.version,
      justification: "no",
    });
    expect(deny.statusCode).toBe(409);
    // The client may not classify its own request.
    const byClient = await api().post(`/requests/${requestId}/classify-reason`, alice.actor, {
      expectedVersion: before.version,
      reason: "mismatch",
    });
    expect(byClient.statusCode).toBe(403);
    const bad = await api().post(`/requests/${requestId}/classify-reason`, qaActor(), {
      expectedVersion: before.version,
      reason: "bored",
    });
    expect(bad.statusCode).toBe(400);

    const res = await api().post(`/requests/${requestId}/classify-reason`, qaActor(), {
      expectedVersion: before.version,
      reason: "mismatch",
    });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json<{
      status: string;
      reason: string;
      version: number;
      recommendation: { outcome: string } | null;
    }>();
    expect(view).toMatchObject({ status: "submitted", reason: "mismatch" });
    expect(view.recommendation).not.toBeNull();
    const stored = (await requestsOf(alice.clientId)).find((r) => r.id === requestId);
    expect(stored).toMatchObject({ status: "submitted", reason: "mismatch" });
    expect(stored!.recommendation_id).not.toBeNull();
    const audits = await t.db.db
      .selectFrom("audit_events")
      .select(["action", "actor"])
      .where("entity_id", "=", requestId)
      .orderBy("seq")
      .execute();
    expect(audits.map((a) => a.action)).toEqual(
      expect.arrayContaining(["request.submit", "request.classify_reason", "request.reevaluate"]),
    );
    expect(audits.find((a) => a.action === "request.classify_reason")?.actor).toContain(qa);
    // Once: it is no longer in triage.
    const again = await api().post(`/requests/${requestId}/classify-reason`, qaActor(), {
      expectedVersion: view.version,
      reason: "other",
    });
    expect(again.statusCode).toBe(409);
    // The e-mail itself was done from the start: the triage list's own classify does not apply.
    const mailAgain = await api().post(`/inbound-mail/${row!.id}/classify-reason`, qaActor(), {
      reason: "other",
    });
    expect(mailAgain.statusCode).toBe(409);
  });

  it("classify-reason on an e-mail whose order was unclear makes the request as the contact, with the usual acknowledgement", async () => {
    const id = await idOf("noorder@client.test");
    const res = await api().post(`/inbound-mail/${id}/classify-reason`, qaActor(), {
      reason: "other",
      orderId: "ORD-2026-0999",
    });
    expect(res.statusCode, res.body).toBe(200);
    const mail = res.json<{ status: string; requestId: string; resolvedBy: string }>();
    expect(mail, res.body).toMatchObject({ status: "done", resolvedBy: qa });
    const request = (await requestsOf(alice.clientId)).find((r) => r.id === mail.requestId);
    expect(request).toMatchObject({
      order_id: "ORD-2026-0999",
      reason: "other",
      status: "submitted",
    });
    const acks = await t.db.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", "notify.request_received")
      .execute();
    expect(acks.some((a) => a.payload.includes(mail.requestId))).toBe(true);
    expect(await audit("inbound_mail.reason_classified", id)).toHaveLength(1);
    // Resolved once: a second action is refused.
    const again = await api().post(`/inbound-mail/${id}/discard`, qaActor(), {});
    expect(again.statusCode).toBe(409);
  });

  it("classify-reason names the order when the e-mail named several; only the client's own", async () => {
    const id = await idOf("twoorders@client.test");
    const foreign = await api().post(`/inbound-mail/${id}/classify-reason`, qaActor(), {
      reason: "duplicate_payment",
      orderId: bobOrder,
    });
    expect(foreign.statusCode).toBe(422);
    const none = await api().post(`/inbound-mail/${id}/classify-reason`, qaActor(), {
      reason: "duplicate_payment",
    });
    expect(none.statusCode).toBe(400);
    const ok = await api().post(`/inbound-mail/${id}/classify-reason`, qaActor(), {
      reason: "mismatch",
      orderId: "ORD-2026-0142",
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: "done", orderId: "ORD-2026-0142" });
  });

  it("assign-to-client sends an unknown sender's e-mail through the intake as that client's", async () => {
    await send({
      from: "dave@unknown.test",
      subject: "ORD-2026-0555: we were charged twice",
      text: "Two identical charges on our card.",
      messageId: "<dave@unknown.test>",
    });
    await process();
    const id = await idOf("dave@unknown.test");
    const res = await api().post(`/inbound-mail/${id}/assign-to-client`, qaActor(), {
      clientId: bob.clientId,
    });
    expect(res.statusCode, res.body).toBe(200);
    const mail = res.json<{ status: string; requestId: string; clientId: string }>();
    expect(mail).toMatchObject({ status: "done", clientId: bob.clientId });
    const request = (await requestsOf(bob.clientId)).find((r) => r.id === mail.requestId);
    expect(request).toMatchObject({ order_id: bobOrder, reason: "duplicate_payment" });
    expect(await audit("inbound_mail.assigned_to_client", id)).toHaveLength(1);
  });

  it("attach-to-request: an unknown sender's e-mail becomes QA's internal note", async () => {
    const id = await idOf("unknown-1@elsewhere.test");
    const res = await api().post(`/inbound-mail/${id}/attach-to-request`, qaActor(), {
      requestId: aliceRequest(),
    });
    expect(res.statusCode, res.body).toBe(200);
    const notes = await t.db.db
      .selectFrom("messages")
      .selectAll()
      .where("request_id", "=", aliceRequest())
      .where("internal", "=", 1)
      .execute();
    expect(notes.map((n) => [n.author_user_id, n.body.split("\n")[0]])).toEqual([
      [qa, 'E-mail from mallory@elsewhere.test, "Refund ORD-2026-0142":'],
    ]);
    expect(await audit("inbound_mail.attached_to_request", id)).toHaveLength(1);
  });

  it("discard keeps the e-mail out of the list", async () => {
    const id = await idOf("twice@elsewhere.test");
    const res = await api().post(`/inbound-mail/${id}/discard`, qaActor(), { note: "Test." });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: "discarded", note: "Test." });
    const open = await api().get("/inbound-mail?limit=100", qaActor());
    expect(open.json<{ items: { id: string }[] }>().items.map((m) => m.id)).not.toContain(id);
    expect(await audit("inbound_mail.discarded", id)).toHaveLength(1);
  });
});
