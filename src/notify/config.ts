// The notifier's settings, read once from the environment by the process that runs the worker.

import { join } from "node:path";

export interface NotifyConfig {
  /** Base of the links in e-mails (PUBLIC_URL), without a trailing slash. */
  readonly publicUrl: string;
  /** The From header (MAIL_FROM), e.g. `Refund Desk <refunds@example.com>`. */
  readonly mailFrom: string;
  /** SMTP_URL; null: e-mails are written as `.eml` files under `mailDir`. */
  readonly smtpUrl: string | null;
  /** `${DATA_DIR}/mail`. */
  readonly mailDir: string;
}

/** PUBLIC_URL when neither it nor PORT/HOST are set (the server's default address). */
export const DEFAULT_PUBLIC_URL = "http://localhost:3000";

/**
 * Without PUBLIC_URL, links point where the server listens: `http://<HOST>:<PORT>` (HOST 127.0.0.1
 * by default; a wildcard such as 0.0.0.0 or :: reads as localhost). Behind a proxy or TLS, set
 * PUBLIC_URL to the address people use.
 */
export function defaultPublicUrl(env: NodeJS.ProcessEnv): string {
  const port = env["PORT"]?.trim() || "3000";
  const host = env["HOST"]?.trim() || "127.0.0.1";
  const shown =
    host === "0.0.0.0" || host === "::" || host === ""
      ? "localhost"
      : host.includes(":")
        ? `[${host}]`
        : host;
  return `http://${shown}:${port}`;
}
export const DEFAULT_MAIL_FROM = "Refund Desk <no-reply@localhost>";

/** Reads PUBLIC_URL, MAIL_FROM, SMTP_URL and DATA_DIR; a malformed value throws at start. */
export function notifyConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const publicUrl = (env["PUBLIC_URL"]?.trim() || defaultPublicUrl(env)).replace(/\/+$/, "");
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    throw new RangeError(`PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new RangeError(`PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }
  const smtpUrl = env["SMTP_URL"]?.trim() || null;
  if (smtpUrl !== null && !/^smtps?:\/\//.test(smtpUrl)) {
    // The value itself is not repeated: it may carry a password.
    throw new RangeError("SMTP_URL must be an smtp:// or smtps:// URL");
  }
  const mailFrom = env["MAIL_FROM"]?.trim() || DEFAULT_MAIL_FROM;
  if (!/@/.test(mailFrom) || /[\r\n]/.test(mailFrom)) {
    throw new RangeError(`MAIL_FROM must be an e-mail address, got "${mailFrom}"`);
  }
  const dataDir = env["DATA_DIR"]?.trim() || "./data";
  return { publicUrl, mailFrom, smtpUrl, mailDir: join(dataDir, "mail") };
}

/** The domain of the From address: the right-hand side of our Message-IDs. */
export function mailDomain(mailFrom: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom);
  return m?.[1] ?? "refund-desk.invalid";
}
