// What the desk reads out of an e-mail (issue 19), pure: no parsing of MIME (the shell hands in
// headers and text), no clock, no crypto. Each function is a rule a test pins down:
// - `isAutomatic`: auto-replies, bounces and bulk mail (RFC 3834 Auto-Submitted, Precedence,
//   DSNs/MDNs as multipart/report, the null sender, mailer-daemons, list mail), which never
//   create requests and are never answered (no loops);
// - `stripQuoted`: the new text of a reply, without the quoted history and the signature (a
//   tested heuristic: attribution lines in the common clients' forms, Outlook's headers block,
//   `>` quotes, RFC 3676's `-- ` signature separator, "Sent from my ..." footers);
// - `reasonFromText`: a refund reason only when the text says it plainly (one reason's words
//   and no other's); otherwise null and QA classifies it;
// - `orderIdCandidates`: the words of a text that could be order ids (checked by the shell
//   against the sender's own orders);
// - `replyAddress` / `parseReplyAddress`: plus-addressing that names a request and carries a
//   token (`support+REQ-348ED14F-<token>@desk.example`).

import type { Reason } from "../policy/index.js";
import { shortRef } from "../requests/reference.js";

/** Header names lower-cased; a repeated header's values joined by "\n". */
export type MailHeaders = Readonly<Record<string, string>>;

/** Why a message is automatic, or null for one a person wrote. */
export function isAutomatic(headers: MailHeaders, envelopeFrom: string | null): string | null {
  const h = (name: string) => (headers[name] ?? "").trim().toLowerCase();
  const autoSubmitted = h("auto-submitted");
  if (autoSubmitted !== "" && autoSubmitted !== "no") return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = h("precedence");
  if (/^(bulk|junk|list|auto_reply)\b/.test(precedence)) return `Precedence: ${precedence}`;
  if (h("x-autoreply") !== "" || h("x-autorespond") !== "" || h("x-autoresponder") !== "") {
    return "X-Autoreply";
  }
  if (/\b(all|autoreply|oof)\b/.test(h("x-auto-response-suppress"))) {
    return "X-Auto-Response-Suppress";
  }
  if (h("list-id") !== "" || h("list-unsubscribe") !== "") return "mailing list";
  if (h("feedback-type") !== "") return "feedback report";
  const type = h("content-type");
  if (
    /^multipart\/report\b/.test(type) ||
    /^message\/(delivery-status|disposition-notification)/.test(type)
  ) {
    return "delivery or read report";
  }
  if (envelopeFrom !== null && envelopeFrom.trim() === "") return "null sender (bounce)";
  const from = h("from");
  if (/\b(mailer-daemon|postmaster)@/.test(from)) return "mailer-daemon";
  const subject = h("subject");
  if (
    /^(auto(matic)? ?(reply|response)|out of (the )?office|undeliverable|delivery status notification|returned mail|mail delivery failed)\b/.test(
      subject.replace(/^(re|aw|fwd?):\s*/g, ""),
    )
  ) {
    return `subject: ${subject.slice(0, 60)}`;
  }
  return null;
}

const ATTRIBUTION = [
  /^On\b.{0,300}\bwrote:\s*$/i,
  /^Am\b.{0,300}\bschrieb.{0,80}:\s*$/i,
  /^Le\b.{0,300}\ba écrit\s*:\s*$/i,
  /^El\b.{0,300}\bescribió:\s*$/i,
  /^.{0,200}<[^>\s]+@[^>\s]+>\s+(wrote|schrieb|a écrit|escribió):\s*$/i,
];
const SEPARATORS = [
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Forwarded message)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^Begin forwarded message:\s*$/i,
];
const HEADER_BLOCK = /^\*?(From|Von|De)\*?:\s*\S/i;
const HEADER_NEXT = /^\*?(Sent|Date|Gesendet|Envoyé|To|An|À|Subject|Betreff|Objet|Cc)\*?:\s/i;
const SIGNATURE = [/^-- ?$/, /^(Sent from my|Get Outlook for|Von meinem .* gesendet)\b/i];

/**
 * The text a person wrote on top of a reply: everything before the first attribution line
 * ("On ... wrote:"), forwarded/original-message separator, Outlook headers block (From: followed by
 * Sent:/To:/Subject:) or signature separator, with `>`-quoted lines removed. Line ends become "\n".
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    const next = (lines[i + 1] ?? "").trimEnd();
    const joined = `${line} ${next.trim()}`;
    if (
      ATTRIBUTION.some((r) => r.test(line.trim())) ||
      (/^On\b/i.test(line.trim()) && ATTRIBUTION[0]!.test(joined.trim())) ||
      SEPARATORS.some((r) => r.test(line.trim())) ||
      SIGNATURE.some((r) => r.test(line)) ||
      (HEADER_BLOCK.test(line.trim()) &&
        lines.slice(i + 1, i + 4).some((l) => HEADER_NEXT.test(l.trim())))
    ) {
      end = i;
      // A two-line attribution starts on this line; nothing of it stays.
      break;
    }
  }
  return lines
    .slice(0, end)
    .filter((l) => !/^\s*>/.test(l))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const REASON_WORDS: readonly (readonly [Reason, RegExp])[] = [
  [
    "duplicate_payment",
    /\b(charged|billed|paid|debited) (us |me )?twice\b|\bdouble[- ]?(charged|charge|billed|payment)\b|\bduplicate (payment|charge)s?\b|\btwo (identical )?(charges|payments)\b/i,
  ],
  [
    "not_delivered",
    /\b(not|never) (been )?(delivered|started|performed|carried out|done|provided|received)\b|\b(did not|didn't|has not|hasn't|have not|haven't|never) (start|started|deliver|delivered|happen|happened|take place|taken place|show up|turn up)\b|\bnothing (has been|was|got) (delivered|done|started|provided)\b|\bno(t)? delivery\b|\bnon[- ]delivery\b/i,
  ],
  [
    "unused_subscription",
    /\bunused (subscription|period|months?)\b|\bsubscription\b.{0,60}\b(not|never|didn't|did not) (use|used)\b|\b(never|not|didn't|did not) (use|used)\b.{0,60}\bsubscription\b|\bcancel(led|ed)? (my |our |the )?subscription\b/i,
  ],
  [
    "mismatch",
    /\bnot what (we|i) (ordered|bought|paid for|agreed)\b|\b(does not|doesn't|did not|didn't) match\b|\bdifferent (from|than) (what )?(we |i )?(ordered|agreed|promised|was promised)\b|\bwrong (service|scope|product)\b/i,
  ],
];

/**
 * The reason the text states plainly: exactly one reason's wording appears. None, or the words
 * of several, answer null (QA decides; the desk never guesses silently). "other" is never read
 * from words: it is QA's choice.
 */
export function reasonFromText(text: string): Exclude<Reason, "other"> | null {
  const found = REASON_WORDS.filter(([, words]) => words.test(text)).map(([r]) => r);
  return found.length === 1 ? (found[0] as Exclude<Reason, "other">) : null;
}

/**
 * Words of `text` that could be order ids (letters, digits, `.`, `_`, `:`, `-`; at least 3
 * characters and one digit; trailing punctuation removed), de-duplicated, at most `limit`.
 */
export function orderIdCandidates(text: string, limit = 200): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/[A-Za-z0-9][A-Za-z0-9._:-]{2,127}/g)) {
    const word = m[0].replace(/[._:-]+$/, "");
    if (word.length >= 3 && /\d/.test(word)) out.add(word);
    if (out.size >= limit) break;
  }
  return [...out];
}

/** The mailbox replies go to: `local@domain` (e.g. support@desk.example). */
export interface ReplyMailbox {
  readonly local: string;
  readonly domain: string;
}

/** `local+REQ-XXXXXXXX-token@domain`. */
export function replyAddress(mailbox: ReplyMailbox, requestId: string, token: string): string {
  return `${mailbox.local}+${shortRef(requestId)}-${token}@${mailbox.domain}`;
}

/**
 * The request reference and token a reply address carries, or null when `address` is not one of
 * `mailbox`'s plus-addresses (case-insensitive; the token is lower-case hex).
 */
export function parseReplyAddress(
  mailbox: ReplyMailbox,
  address: string,
): { readonly reference: string; readonly token: string } | null {
  const at = address.lastIndexOf("@");
  if (at < 0) return null;
  if (address.slice(at + 1).toLowerCase() !== mailbox.domain.toLowerCase()) return null;
  const local = address.slice(0, at);
  const m = /^(.+)\+REQ-([0-9a-f]{8})-([0-9a-z]{1,64})$/i.exec(local);
  if (m === null || m[1]!.toLowerCase() !== mailbox.local.toLowerCase()) return null;
  return { reference: `REQ-${m[2]!.toUpperCase()}`, token: m[3]!.toLowerCase() };
}

/**
 * The outbox topic of the acknowledgement a client contact gets when their e-mail waits for QA
 * (no request exists yet to acknowledge): written by the intake, sent by notify.
 */
export const INBOUND_ACK_TOPIC = "mail.received";
