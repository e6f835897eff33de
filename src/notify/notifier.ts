// The worker's handler for `notify.*` outbox rows. For one row it:
// 1. reads the payload and loads what the template needs (request, order, message, decision,
//    payout); an unknown request or payout is a PermanentNotificationError (retrying cannot help);
// 2. records one webhook delivery per subscribed endpoint (idempotent: unique per event and
//    endpoint), which `deliverDueWebhooks` sends later;
// 3. sends one e-mail per recipient, skipping recipients already recorded as sent for this outbox
//    row, and records each send. If any send fails it throws after trying the others, so the
//    worker's retry sends only what is missing.
// Delivery is at least once: a crash between the mail server's acceptance and the record means one
// resend, with the same Message-ID (derived from the outbox id and the address), which mail
// clients use to drop duplicates.

import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { alternativeFromDb } from "../db/alternative.js";
import { moneyToJson, type Money } from "../core/money/money.js";
import type { Policy } from "../core/policy/index.js";
import { workflowOf } from "../core/requests/deadlines.js";
import { fromDbMoney } from "../db/money.js";
import { outboxCreatedAt } from "../db/outbox.js";
import type { Database, RefundRequestRow } from "../db/schema.js";
import { toDbInstant } from "../db/time.js";
import { mailDomain, type NotifyConfig } from "./config.js";
import type { MailTransport } from "./mail.js";
import {
  isTemplate,
  renderEmail,
  type RequestFacts,
  type TemplateData,
  type TemplateName,
} from "./templates/render.js";
import {
  emailSent,
  findOrderService,
  findPayoutOfRequest,
  findRequest,
  latestFinalDecision,
  latestMessage,
  messageBodyOfRequest,
  paymentCurrency,
  recipientsFor,
  recordEmailSent,
  type Recipient,
} from "./queries.js";
import { enqueueWebhookEvent, type WebhookEventData } from "./webhooks.js";

/** The database (a Kysely instance over either dialect). */
export type Db = Kysely<Database>;

/** One outbox row as the worker hands it over. */
export interface OutboxMessage {
  readonly id: string;
  readonly topic: string;
  /** The row's payload, parsed from JSON. */
  readonly payload: unknown;
  /** Attempts made before this one. */
  readonly attempts: number;
}

export interface NotifierDeps {
  readonly db: Db;
  /**
   * The Reply-To of e-mails about a request (issue 19: `support+REQ-...-token@...`), or null for
   * none; the wiring hands in app/inbound's `replyToFor(settings)`.
   */
  readonly replyTo?: (requestId: string) => string | null;
  /** Epoch milliseconds. */
  readonly clock: () => number;
  readonly mail: MailTransport;
  readonly config: Pick<NotifyConfig, "publicUrl" | "mailFrom">;
  /**
   * The policy for what e-mails quote of it (a denial's clauses in words, the appeal window):
   * one policy, or the request's (the service hands the version the request is judged under,
   * ADR 0025); without it a denial names its clauses by id.
   */
  readonly policy?:
    | Pick<Policy, "clauses" | "workflow">
    | ((request: RefundRequestRow) => Promise<Pick<Policy, "clauses" | "workflow">>);
}

export interface Notifier {
  /** Handles one `notify.*` row; resolves when done, throws when the worker should retry. */
  handle(message: OutboxMessage): Promise<void>;
}

/**
 * A notification that can never succeed (unknown topic, malformed payload, a request or payout
 * that does not exist): the worker may park the row at once instead of retrying it.
 */
export class PermanentNotificationError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = "PermanentNotificationError";
  }
}

/** The topic prefix the worker routes to the notifier. */
export const NOTIFY_PREFIX = "notify.";

type Audience = "client" | "staff" | "finance";

interface Payload {
  readonly requestId: string;
  readonly audience: Audience;
  readonly status: string | null;
  readonly messageId: string | null;
  readonly payoutId: string | null;
  /** Every field of the payload, for the webhook event. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** What one row resolves to before anything is sent. */
interface Prepared {
  readonly template: TemplateName;
  /** Who it is for: only the client's e-mails carry the reply address. */
  readonly audience: Audience;
  readonly request: RequestFacts;
  readonly data: TemplateData;
  readonly recipients: readonly Recipient[];
  readonly webhookData: WebhookEventData;
}

/** Builds the handler the worker calls for every `notify.*` outbox row. */
export function createNotifier(deps: NotifierDeps): Notifier {
  const domain = mailDomain(deps.config.mailFrom);
  return {
    async handle(message) {
      const createdAt = await eventTime(deps, message.id);
      const prepared = await prepare(deps.db, message, createdAt, deps.policy);
      await enqueueWebhookEvent(deps.db, {
        eventId: message.id,
        type: prepared.template,
        createdAt,
        data: prepared.webhookData,
        now: deps.clock(),
      });
      const failures: string[] = [];
      for (const r of prepared.recipients) {
        try {
          await sendOnce(deps, domain, message, prepared, r);
        } catch (e) {
          failures.push(`${r.email}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (failures.length > 0) {
        throw new Error(
          `${message.topic} ${message.id}: ${failures.length} of ${prepared.recipients.length} e-mails not sent (${failures.join("; ")})`,
        );
      }
    },
  };
}

/** The deterministic Message-ID of the e-mail for `recipient` from outbox row `outboxId`. */
export function messageIdFor(outboxId: string, recipient: string, domain: string): string {
  const who = createHash("sha256").update(recipient.toLowerCase()).digest("hex").slice(0, 16);
  return `<${outboxId}.${who}@${domain}>`;
}

async function sendOnce(
  deps: NotifierDeps,
  domain: string,
  message: OutboxMessage,
  prepared: Prepared,
  r: Recipient,
): Promise<void> {
  await sendEmailOnce(
    deps,
    domain,
    message,
    r.email,
    () =>
      renderEmail({
        publicUrl: deps.config.publicUrl,
        recipientName: r.name,
        request: prepared.request,
        data: prepared.data,
      }),
    prepared.audience === "client" ? (deps.replyTo?.(prepared.request.id) ?? null) : null,
  );
}

/**
 * Sends outbox row `message`'s e-mail to `email` unless `notification_deliveries` says it was
 * accepted already, then records it: once per (row, recipient), with the Message-ID derived from
 * both so that a rare duplicate (a crash between acceptance and the record) is recognisable.
 */
export async function sendEmailOnce(
  deps: NotifierDeps,
  domain: string,
  message: OutboxMessage,
  email: string,
  render: () => { subject: string; text: string; html: string },
  replyTo: string | null = null,
): Promise<void> {
  const recipient = email.toLowerCase();
  if (await emailSent(deps.db, message.id, recipient)) return;
  const rendered = render();
  const messageId = messageIdFor(message.id, recipient, domain);
  await deps.mail.send({
    from: deps.config.mailFrom,
    to: recipient,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    ...(replyTo === null ? {} : { replyTo }),
    // RFC 3834: the desk's mail is generated, so autoresponders (out of office) do not answer
    // it, and the desk's own intake would ignore such an answer anyway (no loops).
    headers: { "X-Refund-Desk-Event": message.id, "Auto-Submitted": "auto-generated" },
  });
  await recordEmailSent(deps.db, {
    outboxId: message.id,
    recipient,
    topic: message.topic,
    messageId,
    sentAt: toDbInstant(deps.clock()),
  });
}

/** When the event happened: the outbox row's creation (now if the row is gone). */
async function eventTime(deps: NotifierDeps, outboxId: string): Promise<string> {
  return (await outboxCreatedAt(deps.db, outboxId)) ?? toDbInstant(deps.clock());
}

function parsePayload(message: OutboxMessage): Payload {
  const p = message.payload;
  const bad = (why: string) =>
    new PermanentNotificationError(`${message.topic} ${message.id}: payload ${why}`);
  if (typeof p !== "object" || p === null || Array.isArray(p)) throw bad("is not an object");
  const raw = p as Record<string, unknown>;
  const str = (k: string): string | null => {
    const v = raw[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string" || v === "") throw bad(`field ${k} is not a string`);
    return v;
  };
  const requestId = str("requestId");
  if (requestId === null) throw bad("has no requestId");
  const audience = str("audience");
  if (audience !== "client" && audience !== "staff" && audience !== "finance") {
    throw bad(`audience ${String(audience)} is not client, staff or finance`);
  }
  return {
    requestId,
    audience,
    status: str("status"),
    messageId: str("messageId"),
    payoutId: str("payoutId"),
    raw,
  };
}

/** Loads everything the row needs; throws PermanentNotificationError for what cannot exist. */
async function prepare(
  db: Db,
  message: OutboxMessage,
  createdAt: string,
  policyOf: NotifierDeps["policy"],
): Promise<Prepared> {
  const name = message.topic.startsWith(NOTIFY_PREFIX)
    ? message.topic.slice(NOTIFY_PREFIX.length)
    : "";
  if (!isTemplate(name)) {
    throw new PermanentNotificationError(`${message.topic} ${message.id}: unknown topic`);
  }
  const payload = parsePayload(message);
  const missing = (what: string) =>
    new PermanentNotificationError(`${message.topic} ${message.id}: ${what} does not exist`);

  const request = await findRequest(db, payload.requestId);
  if (request === undefined) throw missing(`request ${payload.requestId}`);
  const policy = typeof policyOf === "function" ? await policyOf(request) : policyOf;
  const order = await findOrderService(db, request.order_id);
  if (order === undefined) throw missing(`order ${request.order_id}`);
  const facts: RequestFacts = {
    id: request.id,
    orderId: request.order_id,
    serviceName: order.service_name,
  };

  const loadPayout = async () => {
    if (payload.payoutId === null) {
      throw new PermanentNotificationError(
        `${message.topic} ${message.id}: payload has no payoutId`,
      );
    }
    const payout = await findPayoutOfRequest(db, payload.payoutId, request.id);
    if (payout === undefined) throw missing(`payout ${payload.payoutId} of ${request.id}`);
    return payout;
  };

  let data: TemplateData;
  let extra: Record<string, unknown> = {};
  switch (name) {
    case "request_received":
    case "request_withdrawn":
      data = { template: name };
      break;
    case "question_asked": {
      const q = await latestMessage(db, request.id, "question", createdAt);
      data = { template: name, question: q ?? request.open_question ?? "" };
      break;
    }
    case "reply_reminder": {
      const q = await latestMessage(db, request.id, "question", createdAt);
      const lastDay = payload.raw["lastDay"];
      if (typeof lastDay !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(lastDay)) {
        throw new PermanentNotificationError(
          `${message.topic} ${message.id}: payload has no lastDay (YYYY-MM-DD)`,
        );
      }
      data = {
        template: name,
        question: q ?? request.open_question ?? "",
        lastDay,
        overdue: payload.raw["overdue"] === true,
      };
      break;
    }
    case "client_answered":
      data = {
        template: name,
        answer: await latestMessage(db, request.id, "answer", createdAt),
      };
      break;
    case "decision": {
      const decision = await latestFinalDecision(db, request.id);
      const approved =
        decision === undefined ? payload.status === "approved" : decision.kind === "approve";
      const amount =
        decision === undefined
          ? null
          : moneyOrNull(decision.amount_minor, decision.amount_currency);
      const texts = (policy?.clauses ?? {}) as Readonly<Record<string, string | undefined>>;
      const clauseIds =
        decision?.clauses_json == null ? [] : (JSON.parse(decision.clauses_json) as string[]);
      data = {
        template: name,
        outcome: approved ? "approved" : "denied",
        amount: approved ? amount : null,
        ...(approved
          ? {}
          : {
              reason: decision?.justification ?? null,
              clauses: clauseIds.map((id) => ({ id, text: texts[id] ?? null })),
              appealWindowDays: policy === undefined ? null : workflowOf(policy).appealWindowDays,
            }),
      };
      extra = {
        outcome: approved ? "approved" : "denied",
        amount: approved && amount !== null ? moneyJson(amount) : null,
      };
      break;
    }
    case "alternative_offered": {
      const alt = alternativeFromDb(request.alternative_json);
      if (alt === null) throw missing(`the alternative offered on ${request.id}`);
      data = { template: name, kind: alt.kind, note: alt.note };
      extra = { alternative: { kind: alt.kind } };
      break;
    }
    case "alternative_accepted":
    case "alternative_declined": {
      const alt = alternativeFromDb(request.alternative_json);
      data = { template: name, kind: alt?.kind ?? null };
      break;
    }
    case "message_posted": {
      if (payload.messageId === null) {
        throw new PermanentNotificationError(
          `${message.topic} ${message.id}: payload has no messageId`,
        );
      }
      const body = await messageBodyOfRequest(db, payload.messageId, request.id);
      if (body === undefined) throw missing(`message ${payload.messageId}`);
      data = {
        template: name,
        body,
        from: payload.audience === "client" ? "staff" : "client",
      };
      break;
    }
    case "refund_sent": {
      const po = await loadPayout();
      const amount = fromDbMoney({ minor: po.amount_minor, currency: po.currency });
      data = {
        template: name,
        amount,
        method: po.method,
        dueEarliest: po.due_earliest,
        dueLatest: po.due_latest,
      };
      extra = { payout: payoutJson(po, amount) };
      break;
    }
    case "refund_failed": {
      const po = await loadPayout();
      const amount = fromDbMoney({ minor: po.amount_minor, currency: po.currency });
      data = { template: name, amount, method: po.method, reason: po.failure_reason };
      extra = { payout: payoutJson(po, amount) };
      break;
    }
    case "payout_needs_action": {
      const po = await loadPayout();
      const amount = fromDbMoney({ minor: po.amount_minor, currency: po.currency });
      data = {
        template: name,
        payoutId: po.id,
        amount,
        method: po.method,
        status: po.parked_at === null ? po.status : `${po.status}, parked`,
        reason: po.failure_reason,
        dueLatest: po.due_latest,
      };
      extra = { payout: payoutJson(po, amount) };
      break;
    }
    case "destination_needed":
    case "destination_reminder": {
      const po = await loadPayout();
      const amount = fromDbMoney({ minor: po.amount_minor, currency: po.currency });
      const currency = await paymentCurrency(db, po.payment_id);
      data = {
        template: name,
        payoutId: po.id,
        amount,
        kind: po.method === "crypto" ? "crypto" : "bank",
        asset: po.method === "crypto" ? (currency ?? null) : null,
        dueLatest: po.due_latest,
      };
      extra = { payout: payoutJson(po, amount) };
      break;
    }
    case "payout_overdue": {
      const po = await loadPayout();
      const amount = fromDbMoney({ minor: po.amount_minor, currency: po.currency });
      data = {
        template: name,
        payoutId: po.id,
        amount,
        method: po.method,
        status: po.status,
        dueLatest: po.due_latest,
      };
      extra = { payout: payoutJson(po, amount) };
      break;
    }
  }

  const recipients = await recipientsFor(db, payload.audience, request);
  // The webhook event: the payload's own facts (not who is told how), plus what integrators need.
  const webhookData: WebhookEventData = {
    ...withoutKeys(payload.raw, ["audience", "template"]),
    requestId: request.id,
    orderId: request.order_id,
    clientId: request.client_id,
    ...extra,
  };
  return {
    template: name,
    audience: payload.audience,
    request: facts,
    data,
    recipients,
    webhookData,
  };
}

function moneyOrNull(minor: string | null, currency: string | null): Money | null {
  return minor === null || currency === null ? null : fromDbMoney({ minor, currency });
}

/** Money as the API writes it: a decimal string with the currency's exponent. */
function moneyJson(m: Money): { amount: string; currency: string } {
  return moneyToJson(m);
}

function payoutJson(
  po: {
    id: string;
    method: string;
    status: string;
    due_earliest: string;
    due_latest: string;
  },
  amount: Money,
) {
  return {
    id: po.id,
    amount: moneyJson(amount),
    method: po.method,
    status: po.status,
    dueEarliest: po.due_earliest,
    dueLatest: po.due_latest,
  };
}

function withoutKeys(
  obj: Readonly<Record<string, unknown>>,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}
