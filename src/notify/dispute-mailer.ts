// The worker's handler for `dispute.*` outbox rows (issue 20): the reminder that a card dispute's
// evidence is due in 5 or 2 days, e-mailed to every active finance user (once per row and
// recipient, like the notifier) with a link to the dispute in the finance console.

import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { mailDomain, type NotifyConfig } from "./config.js";
import type { MailTransport } from "./mail.js";
import { PermanentNotificationError, sendEmailOnce, type OutboxMessage } from "./notifier.js";
import { financeRecipients } from "./queries.js";
import { escapeHtml } from "./templates/render.js";

export const DISPUTE_PREFIX = "dispute.";

export interface DisputeMailerDeps {
  readonly db: Kysely<Database>;
  readonly clock: () => number;
  readonly mail: MailTransport;
  readonly config: Pick<NotifyConfig, "publicUrl" | "mailFrom">;
}

/** The reminder's subject, text and HTML (pure). */
export function renderDisputeReminder(r: {
  readonly publicUrl: string;
  readonly recipientName: string;
  readonly disputeId: string;
  readonly days: number;
  readonly dueBy: string;
  readonly amount: string;
  readonly currency: string;
  readonly reason: string;
  readonly chargeRef: string;
}): { subject: string; text: string; html: string } {
  const link = `${r.publicUrl.replace(/\/$/, "")}/staff/disputes/${encodeURIComponent(r.disputeId)}`;
  const subject = `Dispute evidence due in ${r.days} days: ${r.amount} ${r.currency} (${r.chargeRef})`;
  const lines = [
    `Hello ${r.recipientName},`,
    "",
    `The client's bank disputes charge ${r.chargeRef} for ${r.amount} ${r.currency} (reason: ${r.reason}).`,
    `The evidence must reach the card provider before ${r.dueBy}. Review the draft and submit it:`,
    link,
  ];
  const html = `<p>Hello ${escapeHtml(r.recipientName)},</p><p>The client's bank disputes charge ${escapeHtml(r.chargeRef)} for ${escapeHtml(r.amount)} ${escapeHtml(r.currency)} (reason: ${escapeHtml(r.reason)}).</p><p>The evidence must reach the card provider before ${escapeHtml(r.dueBy)}. <a href="${escapeHtml(link)}">Review the draft and submit it</a>.</p>`;
  return { subject, text: lines.join("\n"), html };
}

export function createDisputeMailer(deps: DisputeMailerDeps): {
  handle(message: OutboxMessage): Promise<void>;
} {
  const domain = mailDomain(deps.config.mailFrom);
  return {
    async handle(message) {
      const bad = (why: string) =>
        new PermanentNotificationError(`${message.topic} ${message.id}: ${why}`);
      if (message.topic !== "dispute.reminder") throw bad("unknown topic");
      const p = message.payload as Record<string, unknown> | null;
      if (typeof p !== "object" || p === null) throw bad("payload is not an object");
      const str = (k: string): string => {
        const v = p[k];
        if (typeof v !== "string") throw bad(`payload lacks ${k}`);
        return v;
      };
      const days = p["days"];
      if (typeof days !== "number") throw bad("payload lacks days");
      const fields = {
        publicUrl: deps.config.publicUrl,
        disputeId: str("disputeId"),
        days,
        dueBy: str("dueBy"),
        amount: str("amount"),
        currency: str("currency"),
        reason: str("reason"),
        chargeRef: str("chargeRef"),
      };
      const failures: string[] = [];
      for (const r of await financeRecipients(deps.db)) {
        try {
          await sendEmailOnce(deps, domain, message, r.email, () =>
            renderDisputeReminder({ ...fields, recipientName: r.name }),
          );
        } catch (e) {
          failures.push(`${r.email}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (failures.length > 0)
        throw new Error(`${message.topic} ${message.id}: ${failures.join("; ")}`);
    },
  };
}
