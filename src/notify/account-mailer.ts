// The worker's handler for `account.*` outbox rows (invitations, password resets): loads the user,
// sends the e-mail with the link, records the delivery (once per row and recipient, like the
// notifier), then blanks the token in the outbox row, so the database keeps no usable link once
// it has gone out (only the token's SHA-256 stays, in account_tokens).

import type { Kysely } from "kysely";
import { setOutboxPayload } from "../db/outbox.js";
import type { Database } from "../db/schema.js";
import { mailDomain, type NotifyConfig } from "./config.js";
import type { MailTransport } from "./mail.js";
import { PermanentNotificationError, sendEmailOnce, type OutboxMessage } from "./notifier.js";
import { findMailUser } from "./queries.js";
import { renderAccountEmail, type AccountTemplate } from "./templates/account.js";

/** The topic prefix the worker routes here. */
export const ACCOUNT_PREFIX = "account.";

export interface AccountMailerDeps {
  readonly db: Kysely<Database>;
  readonly clock: () => number;
  readonly mail: MailTransport;
  readonly config: Pick<NotifyConfig, "publicUrl" | "mailFrom">;
}

const TEMPLATES: Readonly<Record<string, AccountTemplate>> = {
  "account.invitation": "invitation",
  "account.password_reset": "password_reset",
};

/** Builds the handler for `account.*` rows. */
export function createAccountMailer(deps: AccountMailerDeps): {
  handle(message: OutboxMessage): Promise<void>;
} {
  const domain = mailDomain(deps.config.mailFrom);
  return {
    async handle(message) {
      const template = TEMPLATES[message.topic];
      const p = message.payload as Record<string, unknown> | null;
      const bad = (why: string) =>
        new PermanentNotificationError(`${message.topic} ${message.id}: ${why}`);
      if (template === undefined) throw bad("unknown topic");
      if (typeof p !== "object" || p === null) throw bad("payload is not an object");
      const { userId, token, expiresAt } = p;
      if (typeof userId !== "string" || typeof expiresAt !== "string") {
        throw bad("payload lacks userId or expiresAt");
      }
      // Sent already (the token was blanked after sending): nothing more to do.
      if (token === null) return;
      if (typeof token !== "string") throw bad("payload lacks the token");
      const user = await findMailUser(deps.db, userId);
      if (user === undefined) throw bad(`unknown user ${userId}`);
      if (Number(user.disabled) === 0) {
        await sendEmailOnce(deps, domain, message, user.email, () =>
          renderAccountEmail({
            template,
            publicUrl: deps.config.publicUrl,
            recipientName: user.name,
            token,
            expiresAt,
          }),
        );
      }
      await setOutboxPayload(deps.db, message.id, { ...p, token: null });
    },
  };
}
