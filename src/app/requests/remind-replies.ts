// The worker's reply-by reminder (issue 12): a question to the client has a reply-by date (policy
// file `workflow.replyByBusinessDays`); at the start of its last day (policy zone and calendar)
// the client's people get one reminder e-mail, `notify.reply_reminder`, through the outbox like
// every notification (ADR 0012). Exactly once per question: the reminder is claimed by one
// conditional UPDATE of `reply_reminded_at` in the transaction that enqueues the e-mail and
// appends the audit event, so a restart or a second worker never sends it twice, and a crash
// before the commit leaves it for the next run. A new question clears the mark (saveSnapshot).
// Past the reply-by the request carries the `replyOverdue` flag in QA's queue (computed on read,
// deadlines.ts); a reminder that goes out late (the worker was down) says the answer is overdue.

import { replyReminderDue } from "../../core/requests/index.js";
import { appendAudit } from "../../db/audit.js";
import { enqueueOutbox } from "../../db/outbox.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { claimReplyReminder, REQUEST_ENTITY, replyReminderCandidates } from "./repository.js";

/** The outbox topic of the reminder (template `reply_reminder`). */
export const REPLY_REMINDER_TOPIC = "notify.reply_reminder";

/** Requests looked at per run; the rest wait for the next minute. */
const BATCH = 200;

/**
 * How far ahead of a reply-by its reminder can fall: the start of the last day, which is at most
 * a day and a DST hour before it. Rows beyond are not read; each one read is checked exactly.
 */
const LOOKAHEAD_MS = 26 * 60 * 60 * 1000;

/** Sends the reply-by reminders due now; returns how many this call claimed. */
export async function remindReplies(deps: AppDeps): Promise<number> {
  const now = deps.clock();
  const candidates = await replyReminderCandidates(deps.db, toDbInstant(now + LOOKAHEAD_MS), BATCH);
  let sent = 0;
  for (const r of candidates) {
    const replyBy = fromDbInstant(r.reply_by);
    const due = replyReminderDue(await deps.policies.current(), replyBy, now);
    if (due === null) continue;
    const claimed = await deps.db.transaction().execute(async (trx) => {
      if (!(await claimReplyReminder(trx, r.id, r.reply_by, now))) return false;
      await enqueueOutbox(
        trx,
        REPLY_REMINDER_TOPIC,
        {
          requestId: r.id,
          orderId: r.order_id,
          clientId: r.client_id,
          audience: "client",
          template: "reply_reminder",
          replyBy: new Date(replyBy).toISOString(),
          lastDay: due.lastDay,
          overdue: due.overdue,
        },
        now,
      );
      await appendAudit(trx, {
        actor: "system",
        action: "request.reply_reminded",
        entityType: REQUEST_ENTITY,
        entityId: r.id,
        summary: {
          replyBy: new Date(replyBy).toISOString(),
          lastDay: due.lastDay,
          overdue: due.overdue,
        },
        ip: null,
        at: now,
      });
      return true;
    });
    if (claimed) sent += 1;
  }
  return sent;
}
