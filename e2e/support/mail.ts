// The e-mails the server under test sent: without SMTP_URL it writes each one as an .eml file
// under DATA_DIR/mail (one file per Message-ID). Stories read links from them as a person would.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

export interface Mail {
  to: string;
  subject: string;
  /** The text/plain part, decoded. */
  text: string;
  writtenAt: number;
}

/** Quoted-printable to text (soft line breaks joined, =XX bytes decoded as UTF-8). */
function decodeQuotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i];
    const hex = joined.slice(i + 1, i + 3);
    if (c === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c ?? "", "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** A header's value, with folded lines unfolded. */
function header(head: string, name: string): string {
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const m = new RegExp(`^${name}:\\s*(.*)$`, "im").exec(unfolded);
  return m?.[1]?.trim() ?? "";
}

function parse(raw: string, writtenAt: number): Mail {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split);
  // The text/plain part of the multipart/alternative body.
  const part =
    /Content-Type: text\/plain[^\n]*\n(?:[^\n]+\n)*?Content-Transfer-Encoding: (\S+)\r?\n\r?\n([\s\S]*?)\r?\n--/i.exec(
      raw,
    );
  const encoding = part?.[1]?.toLowerCase() ?? "7bit";
  const body = part?.[2] ?? "";
  const text =
    encoding === "quoted-printable"
      ? decodeQuotedPrintable(body)
      : encoding === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : body;
  return { to: header(head, "To"), subject: header(head, "Subject"), text, writtenAt };
}

/** Every e-mail written so far. */
export function readMails(mailDir: string): Mail[] {
  if (!existsSync(mailDir)) return [];
  return readdirSync(mailDir)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => {
      const path = join(mailDir, f);
      return parse(readFileSync(path, "utf8"), statSync(path).mtimeMs);
    });
}

/** Waits for the newest e-mail to `to` whose subject matches, written after `since` (ms). */
export async function waitForMail(
  mailDir: string,
  to: string,
  subject: RegExp,
  since = 0,
): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      () => {
        found = readMails(mailDir)
          .filter((m) => m.to.includes(to) && subject.test(m.subject) && m.writtenAt >= since)
          .sort((a, b) => b.writtenAt - a.writtenAt)[0];
        return found !== undefined;
      },
      { timeout: 30_000, interval: 250, message: `an e-mail to ${to} about ${subject}` },
    )
    .toBe(true);
  return found as Mail;
}

/** The first link in an e-mail whose path starts with `path` (e.g. `/set-password`). */
export function linkIn(mail: Mail, path: string): URL {
  const links = [...mail.text.matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0]));
  const link = links.find((u) => u.pathname.startsWith(path));
  if (link === undefined) throw new Error(`no ${path} link in "${mail.subject}":\n${mail.text}`);
  return link;
}
