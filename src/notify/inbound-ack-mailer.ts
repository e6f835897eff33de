// The acknowledgement of a client's e-mail that waits for QA (issue 19): when a known contact's
// e-mail names no single order, or does not say plainly why a refund is asked for, no request
// exists yet, so the request templates cannot answer; this one says the e-mail arrived and a
// specialist files it. Sent once per outbox row and recipient (like every notification), never
// for automatic mail, unknown senders, quarantined or forged messages (the intake enqueues none).

import type { Kysely } from "kysely";
import { INBOUND_ACK_TOPIC } from "../core/mail/inbound.js";
import type { Database } from "../db/schema.js";
import { mailDomain, type NotifyConfig } from "./config.js";
import type { MailTransport } from "./mail.js";
import { PermanentNotificationError, sendEmailOnce, type OutboxMessage } from "./notifier.js";
import { findMailUser } from "./queries.js";
import { escapeHtml } from "./templates/render.js";

/** The topic the intake writes and the worker routes here. */
export { INBOUND_ACK_TOPIC };

export interface InboundAckDeps {
  readonly db: Kysely<Database>;
  readonly clock: () => number;
  readonly mail: MailTransport;
  readonly config: Pick<NotifyConfig, "publicUrl" | "mailFrom">;
}

/** Subject, text and HTML of the acknowledgement (pure). */
export function renderInboundAck(input: {
  readonly publicUrl: string;
  readonly recipientName: string;
}): { subject: string; text: string; html: string } {
  const link = `${input.publicUrl.replace(/\/+$/, "")}/requests/new`;
  const lines = [
    `Hello ${input.recipientName},`,
    "",
    "We received your e-mail. A specialist reads it and files it as a refund request; we write to you as soon as it is filed, or if we need to know more (which order it is about, or what went wrong).",
    "",
    `You can also file a request yourself: ${link}`,
    "",
    "Refund Desk",
  ];
  return {
    subject: "We received your e-mail",
    text: `${lines.join("\n")}\n`,
    html: `<p>Hello ${escapeHtml(input.recipientName)},</p><p>We received your e-mail. A specialist reads it and files it as a refund request; we write to you as soon as it is filed, or if we need to know more (which order it is about, or what went wrong).</p><p>You can also <a href="${escapeHtml(link)}">file a request yourself</a>.</p><p>Refund Desk</p>`,
  };
}

/** Builds the handler for `mail.received` rows. */
export function createInboundAckMailer(deps: InboundAckDeps): {
  handle(message: OutboxMessage): Promise<void>;
} {
  const domain = mailDomain(deps.config.mailFrom);
  return {
    async handle(message) {
      const p = message.payload as Record<string, unknown> | null;
      const bad = (why: string) =>
        new PermanentNotificationError(`${message.topic} ${message.id}: ${why}`);
      if (message.topic !== INBOUND_ACK_TOPIC) throw bad("unknown topic");
      if (typeof p !== "object" || p === null || typeof p["userId"] !== "string") {
        throw bad("payload lacks userId");
      }
      const user = await findMailUser(deps.db, p["userId"]);
      if (user === undefined) throw bad(`unknown user ${p["userId"]}`);
      if (Number(user.disabled) !== 0) return;
      await sendEmailOnce(deps, domain, message, user.email, () =>
        renderInboundAck({
          publicUrl: deps.config.publicUrl,
          recipientName: user.name,
        }),
      );
    },
  };
}
