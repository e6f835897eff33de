// The first step of every inbound e-mail (issue 19): keep it, raw, before anything reads it. The
// listener (or the IMAP poll) calls this and acknowledges the message only once it returns, so
// a message is either stored or not accepted; processing happens later in the worker and may fail
// and retry without losing it. A message is stored once: by its Message-ID, and by the SHA-256
// of its bytes (for a message without one).

import { createHash } from "node:crypto";
import { newId } from "../../db/ids.js";
import { toDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { findInboundByKey, insertInboundMail } from "./repository.js";

/** How the message arrived (kept with it; SPF needs the address and the envelope sender). */
export interface InboundEnvelope {
  readonly via: "smtp" | "imap" | "test";
  /** The connecting client's IP address (SMTP). */
  readonly remoteAddress?: string | null;
  readonly helo?: string | null;
  /** MAIL FROM; "" for the null sender (bounces). */
  readonly mailFrom?: string | null;
  readonly rcptTo?: readonly string[];
}

/** The Message-ID header of `raw` (lower-case, without brackets), or null. */
export function messageIdOf(raw: Buffer): string | null {
  const end = raw.indexOf("\r\n\r\n");
  const endLf = raw.indexOf("\n\n");
  const cut = end >= 0 ? end : endLf >= 0 ? endLf : Math.min(raw.length, 64 * 1024);
  const head = raw
    .subarray(0, Math.min(cut, 256 * 1024))
    .toString("latin1")
    .replace(/\r?\n[ \t]+/g, " ");
  const m = /^message-id:\s*<?([^\s<>]{1,900})>?\s*$/im.exec(head);
  return m === null ? null : m[1]!.toLowerCase();
}

/**
 * Stores the message; `{ id, duplicate }` where a duplicate names the stored copy. Throws 413
 * beyond `maxBytes` (the listener refuses the message with 552).
 */
export async function storeInboundMail(
  deps: AppDeps,
  raw: Buffer,
  envelope: InboundEnvelope,
  maxBytes: number,
): Promise<{ id: string; duplicate: boolean }> {
  if (raw.length > maxBytes) {
    throw new AppError("payload_too_large", `the message is larger than ${maxBytes} bytes`);
  }
  const sha256 = createHash("sha256").update(raw).digest("hex");
  const messageId = messageIdOf(raw);
  const dedupeKey = messageId ?? `sha256:${sha256}`;
  const id = newId("mail");
  const inserted = await insertInboundMail(deps.db, {
    id,
    dedupe_key: dedupeKey,
    sha256,
    message_id: messageId,
    raw,
    size_bytes: raw.length,
    envelope_json: JSON.stringify({
      via: envelope.via,
      remoteAddress: envelope.remoteAddress ?? null,
      helo: envelope.helo ?? null,
      mailFrom: envelope.mailFrom ?? null,
      rcptTo: envelope.rcptTo ?? [],
    }),
    received_at: toDbInstant(deps.clock()),
    status: "stored",
    outcome: null,
    triage_kind: null,
    from_address: null,
    subject: null,
    excerpt: null,
    client_id: null,
    order_id: null,
    request_id: null,
    auth_json: null,
    note: null,
    claimed_until: null,
    processed_at: null,
    resolved_by: null,
    resolved_at: null,
  });
  if (inserted) return { id, duplicate: false };
  const existing = await findInboundByKey(deps.db, dedupeKey, sha256);
  return { id: existing?.id ?? id, duplicate: true };
}
