// The worker's dispute reminder (issue 20): finance is reminded 5 and 2 days before a dispute's
// evidence is due (core `reminderDue`), once each, claimed by a conditional UPDATE so two workers
// never send it twice; an outbox row `dispute.reminder` (src/notify/dispute-mailer.ts sends it to
// every active finance user) and an audit event in the same transaction.

import { reminderDue } from "../../core/disputes/index.js";
import { formatMinor } from "../../core/money/money.js";
import { appendAudit } from "../../db/audit.js";
import { fromDbMinor } from "../../db/money.js";
import { enqueueOutbox } from "../../db/outbox.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { DISPUTE_ENTITY } from "./record-dispute.js";
import { claimReminder, reminderCandidates } from "./repository.js";

const DAY_MS = 86_400_000;

/** Sends the reminders due now; returns how many. */
export async function remindDisputes(deps: AppDeps): Promise<number> {
  const now = deps.clock();
  const candidates = await reminderCandidates(
    deps.db,
    toDbInstant(now + 5 * DAY_MS),
    toDbInstant(now),
  );
  let sent = 0;
  for (const d of candidates) {
    const days = reminderDue(
      {
        status: d.status,
        dueBy: d.due_by === null ? null : fromDbInstant(d.due_by),
        submitted: d.evidence_submitted_at !== null,
        reminded5: d.reminded_5_at !== null,
        reminded2: d.reminded_2_at !== null,
      },
      now,
    );
    if (days === null) continue;
    const done = await deps.db.transaction().execute(async (trx) => {
      if (!(await claimReminder(trx, d.id, days, toDbInstant(now)))) return false;
      await enqueueOutbox(
        trx,
        "dispute.reminder",
        {
          disputeId: d.id,
          days,
          dueBy: d.due_by,
          amount: formatMinor(fromDbMinor(d.amount_minor), d.currency),
          currency: d.currency,
          reason: d.reason,
          chargeRef: d.charge_ref,
        },
        now,
      );
      await appendAudit(trx, {
        actor: "system",
        action: "dispute.reminded",
        entityType: DISPUTE_ENTITY,
        entityId: d.id,
        summary: { days, dueBy: d.due_by },
        ip: null,
        at: now,
      });
      return true;
    });
    if (done) sent += 1;
  }
  return sent;
}
