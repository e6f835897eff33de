// Where e-mails go: an SMTP server (SMTP_URL) through nodemailer, or, when none is configured (a
// fresh `npm start`), one `.eml` file per message under DATA_DIR/mail, so nothing is lost and a
// developer can open what would have been sent. Both behind one small interface, so the notifier
// and its tests do not depend on nodemailer's types.

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";

/** One e-mail as the notifier hands it over. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<...@...>`: deterministic, so a resent message is recognisably the same one. */
  readonly messageId: string;
  /**
   * Where replies go: for e-mails about a request, the support mailbox's plus-address naming the
   * request with its signed token (issue 19), so a reply lands on that request.
   */
  readonly replyTo?: string;
  /** Extra headers, e.g. the outbox id for tracing. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends e-mails; `send` throws when the message was not accepted (the caller retries). */
export interface MailTransport {
  /** For the start-up log line: where mail goes. */
  readonly description: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** Timeouts for the SMTP conversation: a stuck server must not hold a worker forever. */
const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
} as const;

/** Mail through the SMTP server at `url` (`smtp://`, `smtps://`, with credentials if any). */
export function smtpTransport(url: string): MailTransport {
  const parsed = new URL(url);
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
    throw new RangeError("SMTP_URL must be an smtp:// or smtps:// URL");
  }
  const transporter = nodemailer.createTransport({
    url,
    ...SMTP_TIMEOUTS,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  // Never log the credentials of the URL.
  const where = `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}`;
  return {
    description: `sending e-mail through ${where}`,
    async send(mail) {
      const info = (await transporter.sendMail(toNodemailer(mail))) as {
        accepted?: unknown[];
        rejected?: unknown[];
      };
      if (Array.isArray(info.rejected) && info.rejected.length > 0) {
        throw new Error(`the mail server refused ${mail.to}`);
      }
    },
    close: () => transporter.close(),
  };
}

/**
 * Mail as `.eml` files under `dir` (created on first use), named after the Message-ID, so a resent
 * message overwrites its earlier copy instead of adding one.
 */
export function fileTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    description: `SMTP_URL is not set: writing each e-mail as an .eml file under ${dir}`,
    async send(mail) {
      const info = (await transporter.sendMail(toNodemailer(mail))) as { message: Buffer };
      await mkdir(dir, { recursive: true });
      const name = mail.messageId.replace(/[<>]/g, "").replace(/[^A-Za-z0-9._-]/g, "_");
      await writeFile(join(dir, `${name}.eml`), info.message);
    },
    close: () => transporter.close(),
  };
}

function toNodemailer(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    ...(mail.replyTo === undefined ? {} : { replyTo: mail.replyTo }),
    headers: { ...(mail.headers ?? {}) },
    // Our own text only: never let nodemailer fetch a URL or read a file named in a message.
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}

/** The transport the configuration names: SMTP when `smtpUrl` is set, else `.eml` files. */
export function createMailTransport(config: {
  readonly smtpUrl: string | null;
  readonly mailDir: string;
}): MailTransport {
  return config.smtpUrl === null ? fileTransport(config.mailDir) : smtpTransport(config.smtpUrl);
}
