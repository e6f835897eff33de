// Settings of the e-mail intake (issue 19), read once by the wiring, and the reply token.
//
// - INBOUND_SMTP_PORT: the desk listens for SMTP on this port (INBOUND_SMTP_HOST, default
//   127.0.0.1) for a mail relay to forward support mail to.
// - INBOUND_ADDRESS: the support mailbox (`support@desk.example`); replies go to its
//   plus-addresses. Default: the address of MAIL_FROM.
// - INBOUND_TOKEN_SECRET: the key of the reply tokens (at least 16 characters). Without it no
//   Reply-To is set and no reply is accepted as one (such mail goes to triage).
// - INBOUND_IMAP_URL: or poll a support mailbox over IMAP
//   (`imaps://user:password@host/INBOX?processed=Processed`), every INBOUND_IMAP_INTERVAL_SECONDS
//   (default 60); each message is moved to the processed folder once stored.
// - INBOUND_MAX_BYTES: the largest message stored (default 30 MiB); a larger one is refused by the
//   listener with 552.

import { createHmac, timingSafeEqual } from "node:crypto";
import { replyAddress, type ReplyMailbox } from "../../core/mail/inbound.js";
import { DEFAULT_ATTACHMENT_LIMITS, type AttachmentLimits } from "../attachments/storage.js";

/** A DNS look-up as mailauth calls it (tests answer from a table; production uses the system's). */
export type DnsResolver = (domain: string, rrtype: string) => Promise<string[][] | string[]>;

export interface InboundSettings {
  /** The support mailbox replies are addressed to (plus-addressing), or null: no Reply-To. */
  readonly mailbox: ReplyMailbox | null;
  /** The key of reply tokens; null: replies are not recognised as such. */
  readonly tokenSecret: string | null;
  readonly maxBytes: number;
  /** Attachment limits, the same as uploads'. */
  readonly attachments: AttachmentLimits;
  /** DNS for SPF/DKIM/DMARC (default: the system resolver). */
  readonly resolver?: DnsResolver;
  /** Our host name in Authentication-Results (default: the OS host name). */
  readonly mta?: string;
}

export const DEFAULT_INBOUND_MAX_BYTES = 30 * 1024 * 1024;

/** Where the desk receives mail: its own SMTP listener, or none configured. */
export interface InboundListen {
  readonly smtpPort: number | null;
  readonly smtpHost: string;
  /** INBOUND_IMAP_URL: a support mailbox to poll (imapflow), or null. */
  readonly imapUrl: string | null;
  /** INBOUND_IMAP_INTERVAL_SECONDS (default 60), as milliseconds. */
  readonly imapIntervalMs: number;
}

function mailboxOf(address: string): ReplyMailbox | null {
  const m = /(?:^|<|\s)([^<>\s@+]+)@([A-Za-z0-9.-]+)>?\s*$/.exec(address.trim());
  return m === null ? null : { local: m[1]!, domain: m[2]!.toLowerCase() };
}

/** Reads INBOUND_* (and MAIL_FROM for the default mailbox); malformed values throw at start. */
export function inboundSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  attachments: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
): InboundSettings & InboundListen {
  const address = env["INBOUND_ADDRESS"]?.trim() || env["MAIL_FROM"]?.trim() || "";
  const mailbox = address === "" ? null : mailboxOf(address);
  if (env["INBOUND_ADDRESS"]?.trim() && mailbox === null) {
    throw new RangeError("INBOUND_ADDRESS must be an e-mail address without a +tag");
  }
  const secret = env["INBOUND_TOKEN_SECRET"]?.trim() || null;
  if (secret !== null && secret.length < 16) {
    throw new RangeError("INBOUND_TOKEN_SECRET must be at least 16 characters");
  }
  const num = (name: string, fallback: number | null, max: number): number | null => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > max) {
      throw new RangeError(`${name} must be an integer from 0 to ${max}`);
    }
    return Number(raw);
  };
  return {
    mailbox,
    tokenSecret: secret,
    maxBytes:
      num("INBOUND_MAX_BYTES", DEFAULT_INBOUND_MAX_BYTES, 2 ** 31) ?? DEFAULT_INBOUND_MAX_BYTES,
    attachments,
    smtpPort: num("INBOUND_SMTP_PORT", null, 65535),
    smtpHost: env["INBOUND_SMTP_HOST"]?.trim() || "127.0.0.1",
    imapUrl: imapUrlOf(env["INBOUND_IMAP_URL"]),
    imapIntervalMs: (num("INBOUND_IMAP_INTERVAL_SECONDS", 60, 86_400) ?? 60) * 1000,
  };
}

function imapUrlOf(raw: string | undefined): string | null {
  const url = raw?.trim() || null;
  if (url !== null && !/^imaps?:\/\//.test(url)) {
    // The value itself is not repeated: it carries a password.
    throw new RangeError("INBOUND_IMAP_URL must be an imap:// or imaps:// URL");
  }
  return url;
}

/** The reply token of a request: 16 hex digits of HMAC-SHA256(secret, "reply:" + id). */
export function replyToken(secret: string, requestId: string): string {
  return createHmac("sha256", secret).update(`reply:${requestId}`).digest("hex").slice(0, 16);
}

/** True when `token` is the request's (compared in constant time). */
export function verifyReplyToken(secret: string, requestId: string, token: string): boolean {
  const want = Buffer.from(replyToken(secret, requestId));
  const got = Buffer.from(token.toLowerCase());
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * The Reply-To of the e-mails about a request (`support+REQ-XXXXXXXX-<token>@...`), or null when
 * the mailbox or the secret is not configured. The notifier is handed this function.
 */
export function replyToFor(
  settings: Pick<InboundSettings, "mailbox" | "tokenSecret">,
): (requestId: string) => string | null {
  const { mailbox, tokenSecret } = settings;
  if (mailbox === null || tokenSecret === null) return () => null;
  return (requestId) => replyAddress(mailbox, requestId, replyToken(tokenSecret, requestId));
}
