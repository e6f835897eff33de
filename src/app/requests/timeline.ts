// A request's timeline: one ordered list of everything that happened to it, read from the audit
// trail (submission, recommendations and re-evaluations, reviews, questions and answers, decisions
// with their justification and clauses, alternatives, appeals, follow-ups, assignment, messages,
// attachments, payouts and their states) and the e-mail deliveries. Staff see everything; the
// client sees its subset: no internal notes, re-evaluations, assignments or e-mails to staff.

import { isStaff } from "../../core/access/index.js";
import type { JsonValue } from "../../db/audit.js";
import type { ActionContext, AppDeps } from "../context.js";
import { readableRequest } from "./get-request.js";
import { REQUEST_ENTITY } from "./repository.js";

export interface TimelineItem {
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
  "request.assign",
  "request.unassign",
  "request.fulfil_follow_up",
]);

/** The timeline of request `id`, oldest first. */
export async function requestTimeline(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<{ items: TimelineItem[]; nextCursor: null }> {
  const row = await readableRequest(deps.db, ctx, id, "request.read");
  const staff = isStaff(ctx.actor);
  const payoutIds = (
    await deps.db.selectFrom("payouts").select("id").where("request_id", "=", id).execute()
  ).map((p) => p.id);
  const attachmentIds = (
    await deps.db.selectFrom("attachments").select("id").where("request_id", "=", id).execute()
  ).map((a) => a.id);
  const audit = await deps.db
    .selectFrom("audit_events")
    .select(["seq", "at", "actor", "action", "entity_type", "entity_id", "summary"])
    .where((eb) =>
      eb.or([
        eb.and([eb("entity_type", "=", REQUEST_ENTITY), eb("entity_id", "=", id)]),
        ...(payoutIds.length === 0
          ? []
          : [eb.and([eb("entity_type", "=", "payout"), eb("entity_id", "in", payoutIds)])]),
        ...(attachmentIds.length === 0
          ? []
          : [eb.and([eb("entity_type", "=", "attachment"), eb("entity_id", "in", attachmentIds)])]),
      ]),
    )
    .orderBy("seq")
    .execute();
  const messages = await deps.db
    .selectFrom("messages")
    .select(["id", "kind", "body", "internal", "created_at", "author_user_id"])
    .where("request_id", "=", id)
    .execute();
  const byMessageId = new Map(messages.map((m) => [m.id, m]));
  const items: TimelineItem[] = [];
  for (const a of audit) {
    if (!staff && STAFF_ONLY.has(a.action)) continue;
    const details = JSON.parse(a.summary) as Record<string, JsonValue>;
    let text: string | undefined;
    if (a.action === "message.create") {
      const m = byMessageId.get(String(details["messageId"]));
      if (m !== undefined && Number(m.internal) === 1 && !staff) continue;
      text = m?.body;
    }
    items.push({
      at: a.at,
      kind: a.action,
      actor: a.actor,
      details,
      ...(text === undefined ? {} : { text }),
    });
  }
  // Questions and answers are recorded by their transition; their words come from the messages.
  for (const m of messages) {
    if (m.kind !== "question" && m.kind !== "answer") continue;
    items.push({
      at: m.created_at,
      kind: m.kind === "question" ? "message.question" : "message.answer",
      actor: `user:${m.author_user_id}`,
      details: { messageId: m.id },
      text: m.body,
    });
  }
  // E-mails sent about the request (to the client's people; staff also see their own).
  const clientUsers = new Set(
    (
      await deps.db
        .selectFrom("users")
        .select("email")
        .where("client_id", "=", row.client_id)
        .execute()
    ).map((u) => u.email.toLowerCase()),
  );
  const mails = await deps.db
    .selectFrom("notification_deliveries as d")
    .innerJoin("outbox as o", "o.id", "d.outbox_id")
    .select(["d.recipient", "d.topic", "d.sent_at", "o.payload"])
    .where("o.payload", "like", `%"requestId":"${id}"%`)
    .execute();
  for (const m of mails) {
    const toClient = clientUsers.has(m.recipient);
    if (!staff && !toClient) continue;
    items.push({
      at: m.sent_at,
      kind: "email.sent",
      actor: "system",
      details: { to: m.recipient, template: m.topic.replace(/^notify\./, "") },
    });
  }
  items.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  return { items, nextCursor: null };
}
