// A request's timeline: one ordered list of everything that happened to it, read from the audit
// trail (submission, recommendations and re-evaluations, reviews, questions and answers, decisions
// with their justification and clauses, alternatives, appeals, follow-ups, assignment, messages,
// attachments, payouts and their states) and the e-mail deliveries. Staff see everything; the
// client sees its subset: no internal notes, re-evaluations, assignments or e-mails to staff, and
// payout steps without the provider's answer, finance's notes, approvals or staff ids.
// Paged like every list (`limit`, `cursor`), by (instant, id): one request's history is assembled
// whole from its three sources (bounded by that request's life) and the page cut from it, so a
// cursor stays valid while new events are added after it.

import { isStaff } from "../../core/access/index.js";
import type { JsonValue } from "../../db/audit.js";
import type { ActionContext, AppDeps } from "../context.js";
import type { Page, PageQuery } from "../auth/pagination.js";
import { pageInMemory } from "../paging.js";
import { readableRequest } from "./get-request.js";
import {
  attachmentIdsOfRequest,
  auditOfRequest,
  usersOfClient,
  emailsAboutRequest,
  messagesOfRequest,
  payoutIdsOfRequest,
} from "./queries.js";

export interface TimelineItem {
  /**
   * Stable within the request: `a:<audit seq>` (zero-padded), `m:<message id>`, or
   * `e:<outbox id>:<recipient>`; with `at`, the order of the list and the cursor.
   */
  readonly id: string;
  /** ISO instant. */
  readonly at: string;
  /** What happened: the audit action (`request.deny`, `payout.succeeded`...) or `email.sent`. */
  readonly kind: string;
  /** Who: `user:<id>`, `token:<id>`, `system` or `anonymous`. */
  readonly actor: string;
  /** The recorded facts (justification, clauses, amounts, states, recipients...). */
  readonly details: Readonly<Record<string, JsonValue>>;
  /** Message text for messages, questions and answers (internal notes: staff only). */
  readonly text?: string;
}

/** Audit actions a client does not see on its timeline. */
const STAFF_ONLY = new Set([
  "request.reevaluate",
  "request.reevaluation_held",
  "request.assign",
  "request.unassign",
  "request.fulfil_follow_up",
]);

/**
 * The payout steps a client sees, each with the facts it may read: where its refund stands and
 * when it arrives, never the provider's answer, finance's notes or who approved (as the client's
 * payout view). Any other payout step (approvals, provider calls, reminders) is staff only.
 */
const CLIENT_PAYOUT_FACTS: Readonly<Record<string, readonly string[]>> = {
  "payout.scheduled": ["amount", "dueEarliest", "dueLatest"],
  "payout.destination": ["asset", "network"],
  "payout.released": [],
  "payout.pending": [],
  "payout.succeeded": [],
  "payout.failed": [],
  "payout.retried": [],
  "payout.unparked": [],
  "payout.reissued": ["method", "to", "replacedBy"],
  "payout.recorded": [],
  "payout.paid_outside": [],
};

/** A payout step as its client reads it, or null when it is staff only. */
function clientPayoutStep(
  action: string,
  actor: string,
  details: Readonly<Record<string, JsonValue>>,
  clientActors: ReadonlySet<string>,
): { actor: string; details: Record<string, JsonValue> } | null {
  const facts = CLIENT_PAYOUT_FACTS[action];
  if (facts === undefined) return null;
  const kept: Record<string, JsonValue> = {};
  for (const k of facts) {
    const v = details[k];
    if (v !== undefined) kept[k] = v;
  }
  // The client's own people by name; staff and workers as "staff" (no staff ids to clients).
  return { actor: clientActors.has(actor) ? actor : "staff", details: kept };
}

/** A page of the timeline of request `id`, oldest first. */
export async function requestTimeline(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  page: PageQuery,
): Promise<Page<TimelineItem>> {
  const row = await readableRequest(deps.db, ctx, id, "request.read");
  const staff = isStaff(ctx.actor);
  const payoutIds = await payoutIdsOfRequest(deps.db, id);
  const attachmentIds = await attachmentIdsOfRequest(deps.db, id);
  const audit = await auditOfRequest(deps.db, id, payoutIds, attachmentIds);
  const messages = await messagesOfRequest(deps.db, id);
  const byMessageId = new Map(messages.map((m) => [m.id, m]));
  const clientPeople = await usersOfClient(deps.db, row.client_id);
  const clientActors = new Set(clientPeople.map((u) => `user:${u.id}`));
  const items: TimelineItem[] = [];
  for (const a of audit) {
    if (!staff && STAFF_ONLY.has(a.action)) continue;
    let details = JSON.parse(a.summary) as Record<string, JsonValue>;
    let actor = a.actor;
    if (!staff && a.entity_type === "payout") {
      const step = clientPayoutStep(a.action, a.actor, details, clientActors);
      if (step === null) continue;
      ({ actor, details } = step);
    }
    let text: string | undefined;
    if (a.action === "message.create") {
      const m = byMessageId.get(String(details["messageId"]));
      if (m !== undefined && Number(m.internal) === 1 && !staff) continue;
      text = m?.body;
    }
    items.push({
      id: `a:${String(a.seq).padStart(12, "0")}`,
      at: a.at,
      kind: a.action,
      actor,
      details,
      ...(text === undefined ? {} : { text }),
    });
  }
  // Questions and answers are recorded by their transition; their words come from the messages.
  for (const m of messages) {
    if (m.kind !== "question" && m.kind !== "answer") continue;
    items.push({
      id: `m:${m.id}`,
      at: m.created_at,
      kind: m.kind === "question" ? "message.question" : "message.answer",
      actor: `user:${m.author_user_id}`,
      details: { messageId: m.id },
      text: m.body,
    });
  }
  // E-mails sent about the request (to the client's people; staff also see their own).
  const clientUsers = new Set(clientPeople.map((u) => u.email.toLowerCase()));
  const mails = await emailsAboutRequest(deps.db, id);
  for (const m of mails) {
    const toClient = clientUsers.has(m.recipient);
    if (!staff && !toClient) continue;
    items.push({
      id: `e:${m.outbox_id}:${m.recipient}`,
      at: m.sent_at,
      kind: "email.sent",
      actor: "system",
      details: { to: m.recipient, template: m.topic.replace(/^notify\./, "") },
    });
  }
  return pageInMemory(items, page, (i) => ({ key: i.at, id: i.id }));
}
