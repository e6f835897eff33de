// The worker's step for inbound e-mail (issue 19, ADR 0033): claim stored messages (a lease, so a
// crashed worker's message is taken again), and make each into what it is:
//
//   automatic (auto-reply, bounce, bulk)                 -> ignored: nothing created, nothing sent
//   DMARC fails for a known client's domain              -> quarantined
//   to a reply address (support+REQ-...-token@):
//     token wrong, or sender not a contact of that client -> refused (forged reply)
//     request asks a question                            -> the client's answer (resumes review)
//     request open                                       -> a message on the request
//     request closed                                     -> triage
//   a new message:
//     sender not a known contact                         -> triage (unknown_sender)
//     none or several of the client's own orders named   -> triage (order_unclear)
//     the reason not said plainly                        -> a refund request in status triage,
//                                                           for QA to classify (no recommendation
//                                                           until then; the client is acknowledged)
//     otherwise                                          -> a refund request, as the contact
//
// Attachments go through the uploads' own checks (staging with the size limits, type by content)
// and the uploads' use case. Parsing is mailparser's, sender authentication mailauth's.

import { Readable } from "node:stream";
import { authenticate } from "mailauth";
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import type { Actor } from "../../core/access/index.js";
import {
  INBOUND_ACK_TOPIC,
  isAutomatic,
  orderIdCandidates,
  parseReplyAddress,
  reasonFromText,
  stripQuoted,
  type MailHeaders,
} from "../../core/mail/inbound.js";
import type { Reason } from "../../core/policy/index.js";
import { isOpen, type RequestStatus } from "../../core/requests/index.js";
import { parseShortRef } from "../../core/requests/reference.js";
import type { Transaction } from "kysely";
import type { Database, InboundMailRow, InboundMailStatus } from "../../db/schema.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import { enqueueOutbox } from "../../db/outbox.js";
import { decideAttachmentType, sanitizeFileName } from "../attachments/content-type.js";
import { removeStaged, stageFile, type AttachmentLimits } from "../attachments/storage.js";
import { uploadAttachments, type UploadedFile } from "../attachments/upload-attachments.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { applyRequestEvent } from "../requests/apply-request-event.js";
import { postMessage } from "../requests/post-message.js";
import { submitRequest } from "../requests/submit-request.js";
import {
  attachmentHashes,
  claimStoredInbound,
  findContactByEmail,
  findInboundMail,
  isClientDomain,
  ordersOfClientAmong,
  requestsByHex,
  requestWithDescription,
  updateInboundMail,
} from "./repository.js";
import { verifyReplyToken, type InboundSettings } from "./settings.js";

/** How the worker claims: the lease (a crashed worker's claim runs out) and attempts before failing. */
export interface InboundRunOptions {
  readonly leaseMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_INBOUND_RUN: InboundRunOptions = { leaseMs: 120_000, maxAttempts: 5 };

/** A message read: what processing and QA's actions need. */
export interface ReadMail {
  readonly from: string | null;
  readonly subject: string;
  /** The new text: quotes and signature stripped. */
  readonly text: string;
  readonly headers: MailHeaders;
  readonly recipients: readonly string[];
  readonly attachments: readonly { name: string; contentType: string; content: Buffer }[];
  readonly envelope: {
    remoteAddress: string | null;
    helo: string | null;
    mailFrom: string | null;
    rcptTo: string[];
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (field === undefined) return [];
  return (Array.isArray(field) ? field : [field]).flatMap((a) =>
    a.value.flatMap((v) => (v.address === undefined ? [] : [v.address.toLowerCase()])),
  );
}

function headerRecord(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    const value = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    out[key] = out[key] === undefined ? value : `${out[key]}\n${value}`;
  }
  return out;
}

/** Parses a stored message (mailparser) into what the rules read. */
export async function readMail(
  row: Pick<InboundMailRow, "raw" | "envelope_json">,
): Promise<ReadMail> {
  const parsed = await simpleParser(Buffer.from(row.raw), {
    skipImageLinks: true,
    skipTextLinks: true,
  });
  const envelope = JSON.parse(row.envelope_json) as ReadMail["envelope"];
  const headers = headerRecord(parsed);
  const extra = ["delivered-to", "x-original-to", "envelope-to"].flatMap((h) =>
    (headers[h] ?? "").split(/[\n,]/).map((s) => s.trim().replace(/^<|>$/g, "").toLowerCase()),
  );
  return {
    from: parsed.from?.value[0]?.address?.toLowerCase() ?? null,
    subject: (parsed.subject ?? "").trim(),
    text: stripQuoted(parsed.text ?? ""),
    headers,
    recipients: [
      ...new Set(
        [
          ...(envelope.rcptTo ?? []).map((r) => r.toLowerCase()),
          ...addresses(parsed.to),
          ...addresses(parsed.cc),
          ...extra,
        ].filter((a) => a.includes("@")),
      ),
    ],
    // Inline parts of an HTML body (logos, signatures' images) are not documents.
    attachments: parsed.attachments
      .filter((a) => a.related !== true)
      .map((a) => ({
        name: a.filename ?? "attachment",
        contentType: a.contentType,
        content: a.content,
      })),
    envelope: {
      remoteAddress: envelope.remoteAddress ?? null,
      helo: envelope.helo ?? null,
      mailFrom: envelope.mailFrom ?? null,
      rcptTo: envelope.rcptTo ?? [],
    },
  };
}

/** SPF, DKIM and DMARC results of a message (mailauth), in brief. */
export interface AuthSummary {
  readonly spf: string;
  readonly dkim: string;
  readonly dmarc: string;
  readonly dmarcDomain: string | null;
}

async function authenticateMail(
  raw: Buffer,
  mail: ReadMail,
  settings: InboundSettings,
): Promise<AuthSummary> {
  try {
    const ip = mail.envelope.remoteAddress;
    const res = await authenticate(raw, {
      ...(ip === null
        ? { trustReceived: true }
        : {
            ip,
            helo: mail.envelope.helo ?? undefined,
            sender: mail.envelope.mailFrom ?? undefined,
          }),
      ...(settings.mta === undefined ? {} : { mta: settings.mta }),
      ...(settings.resolver === undefined ? {} : { resolver: settings.resolver }),
      disableArc: true,
      disableBimi: true,
    });
    const dkim = res.dkim.results.some((r) => r.status.result === "pass")
      ? "pass"
      : (res.dkim.results[0]?.status.result ?? "none");
    return {
      spf: res.spf === false ? "none" : res.spf.status.result,
      dkim,
      dmarc: res.dmarc === false ? "none" : res.dmarc.status.result,
      dmarcDomain: res.dmarc === false ? null : res.dmarc.domain,
    };
  } catch {
    // DNS trouble: recorded as such; only a definite DMARC failure quarantines.
    return { spf: "temperror", dkim: "temperror", dmarc: "temperror", dmarcDomain: null };
  }
}

/** The outcome of one message. */
export interface Processed {
  readonly status: InboundMailStatus;
  readonly outcome: string;
  readonly triageKind?: string | null;
  readonly clientId?: string | null;
  readonly orderId?: string | null;
  readonly requestId?: string | null;
  readonly note?: string | null;
  /** The contact to acknowledge an e-mail that waits for QA (no request exists yet to do it). */
  readonly acknowledge?: string | null;
}

/**
 * Claims and processes up to `limit` stored messages; returns how many it handled. A message whose
 * processing throws stays stored (its lease runs out and it is tried again) until `maxAttempts`,
 * then it is `failed` and listed for QA, its raw bytes kept.
 */
export async function processInboundMail(
  deps: AppDeps,
  settings: InboundSettings,
  limit: number,
  run: InboundRunOptions = DEFAULT_INBOUND_RUN,
): Promise<number> {
  const now = deps.clock();
  const ids = await claimStoredInbound(
    deps.db,
    toDbInstant(now),
    toDbInstant(now + run.leaseMs),
    limit,
  );
  const failed = (note: string) => ({
    status: "failed" as const,
    outcome: "processing_failed",
    triage_kind: "failed",
    note: note.slice(0, 500),
    claimed_until: null,
    processed_at: toDbInstant(deps.clock()),
  });
  for (const id of ids) {
    const row = await findInboundMail(deps.db, id);
    if (row === undefined) continue;
    // A claim counts an attempt. Past the last one, the earlier attempts ended without a word (the
    // worker stopped while processing: a crash, or a message that takes the process down), so
    // this message is not tried again, lest it stop every worker in turn.
    if (row.attempts > run.maxAttempts) {
      deps.logger.error(
        { inboundMailId: id },
        "inbound e-mail given up: its attempts ended unrecorded",
      );
      await updateInboundMail(
        deps.db,
        id,
        failed(`Given up after ${run.maxAttempts} attempts; the last ended without a result.`),
      );
      continue;
    }
    try {
      await processClaimed(deps, settings, row);
    } catch (error) {
      deps.logger.error({ err: error, inboundMailId: id }, "inbound e-mail processing failed");
      const message = error instanceof Error ? error.message : String(error);
      await updateInboundMail(
        deps.db,
        id,
        row.attempts >= run.maxAttempts ? failed(message) : { note: message.slice(0, 500) },
      );
    }
  }
  return ids.length;
}

/** Processes one claimed message and records the outcome on its row. */
export async function processClaimed(
  deps: AppDeps,
  settings: InboundSettings,
  row: InboundMailRow,
): Promise<Processed> {
  const mail = await readMail(row);
  const base = {
    from_address: mail.from,
    subject: mail.subject.slice(0, 300),
    excerpt: mail.text.slice(0, 500),
  };
  // Written before acting, so QA sees what the message is even if the rest fails.
  await updateInboundMail(deps.db, row.id, base);
  const result = await decide(deps, settings, row, mail);
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await updateInboundMail(trx, row.id, {
      status: result.status,
      outcome: result.outcome,
      triage_kind: result.status === "triage" ? (result.triageKind ?? result.outcome) : null,
      client_id: result.clientId ?? null,
      order_id: result.orderId ?? null,
      request_id: result.requestId ?? null,
      note: result.note ?? null,
      claimed_until: null,
      processed_at: toDbInstant(now),
    });
    // The contact's e-mail waits for QA: it is acknowledged all the same (once: with the row).
    if (result.acknowledge != null) {
      await enqueueOutbox(
        trx,
        INBOUND_ACK_TOPIC,
        { userId: result.acknowledge, inboundMailId: row.id },
        now,
      );
    }
  });
  return result;
}

async function decide(
  deps: AppDeps,
  settings: InboundSettings,
  row: InboundMailRow,
  mail: ReadMail,
): Promise<Processed> {
  const automatic = isAutomatic(mail.headers, mail.envelope.mailFrom);
  if (automatic !== null) return { status: "ignored", outcome: "automatic", note: automatic };
  const auth = await authenticateMail(Buffer.from(row.raw), mail, settings);
  await updateInboundMail(deps.db, row.id, { auth_json: JSON.stringify(auth) });
  if (mail.from === null) return { status: "triage", outcome: "no_sender" };
  const domain = mail.from.slice(mail.from.lastIndexOf("@") + 1);
  if (auth.dmarc === "fail" && (await isClientDomain(deps.db, domain))) {
    return {
      status: "quarantined",
      outcome: "dmarc_fail",
      note: `DMARC failed for ${domain} (SPF ${auth.spf}, DKIM ${auth.dkim})`,
    };
  }
  const contact = await findContactByEmail(deps.db, mail.from);
  const reply =
    settings.mailbox === null
      ? null
      : (mail.recipients
          .map((a) => parseReplyAddress(settings.mailbox!, a))
          .find((r) => r !== null) ?? null);
  if (reply !== null) return handleReply(deps, settings, row, mail, reply, contact);
  if (contact === undefined) return { status: "triage", outcome: "unknown_sender" };
  const made = await intake(deps, settings.attachments, row, mail, {
    clientId: contact.client_id,
    actor: { role: "client", clientId: contact.client_id, userId: contact.id },
    orderId: null,
    reason: null,
  });
  return made.status === "triage" ? { ...made, acknowledge: contact.id } : made;
}

async function handleReply(
  deps: AppDeps,
  settings: InboundSettings,
  row: InboundMailRow,
  mail: ReadMail,
  reply: { reference: string; token: string },
  contact: { id: string; client_id: string } | undefined,
): Promise<Processed> {
  const secret = settings.tokenSecret;
  const hex = parseShortRef(reply.reference);
  if (secret === null || hex === null) {
    return { status: "triage", outcome: "reply_unverifiable", clientId: contact?.client_id };
  }
  const target = (await requestsByHex(deps.db, hex)).find((r) =>
    verifyReplyToken(secret, r.id, reply.token),
  );
  if (target === undefined) {
    return { status: "refused", outcome: "forged_reply", note: "the reply token is not valid" };
  }
  if (contact === undefined || contact.client_id !== target.client_id) {
    return {
      status: "refused",
      outcome: "forged_reply",
      note: `the sender is not a contact of the client of ${target.id}`,
    };
  }
  const ctx: ActionContext = {
    actor: { role: "client", clientId: contact.client_id, userId: contact.id },
    ip: null,
  };
  return postOnRequest(deps, settings.attachments, ctx, row, target, mail);
}

/**
 * The message's text and attachments on the request, as `ctx`: a client's answer when the
 * request asks a question (it resumes the review), else a message; a request closed to the client
 * sends the message to triage.
 */
export async function postOnRequest(
  deps: AppDeps,
  limits: AttachmentLimits,
  ctx: ActionContext,
  row: Pick<InboundMailRow, "id" | "request_id">,
  target: { id: string; client_id: string; status: string },
  mail: ReadMail,
  options: { readonly internal?: boolean; readonly prefix?: string } = {},
): Promise<Processed> {
  const known = { clientId: target.client_id, requestId: target.id };
  const client = ctx.actor.role === "client";
  if (client && !isOpen(target.status as RequestStatus)) {
    return { status: "triage", outcome: "request_closed", ...known };
  }
  const text =
    mail.text !== ""
      ? mail.text
      : mail.attachments.length > 0
        ? `(sent by e-mail with ${mail.attachments.length} attachment${mail.attachments.length === 1 ? "" : "s"})`
        : "";
  const body = `${options.prefix ?? ""}${text}`.slice(0, 10_000);
  let outcome = "message_posted";
  // The e-mail row names the request in the same transaction as the message it carried, so a
  // retried e-mail (the worker died after the message) finds it named and posts nothing again.
  const posted = (trx: Transaction<Database>) =>
    updateInboundMail(trx, row.id, { request_id: target.id });
  if (row.request_id !== target.id && body.trim() !== "") {
    if (client && target.status === "info_requested") {
      await applyRequestEvent(deps, ctx, {
        requestId: target.id,
        event: { type: "answer", message: body },
        alsoInTransaction: posted,
      });
      outcome = "answered";
    } else {
      await postMessage(deps, ctx, {
        requestId: target.id,
        body,
        ...(options.internal === true ? { internal: true } : {}),
        alsoInTransaction: posted,
      });
    }
  }
  const note = await attach(deps, limits, ctx, target.id, mail);
  return { status: "done", outcome, ...known, note };
}

/** Who a new request is for, and what QA settled already (triage actions pass order or reason). */
export interface IntakeTarget {
  readonly clientId: string;
  readonly actor: Actor;
  readonly orderId: string | null;
  readonly reason: Reason | null;
}

/**
 * A new message from a client: a request when the order is plain (in status triage, for QA to
 * classify, when the reason is not), else the message waits in the triage list.
 */
export async function intake(
  deps: AppDeps,
  limits: AttachmentLimits,
  row: Pick<InboundMailRow, "id" | "request_id" | "received_at">,
  mail: ReadMail,
  target: IntakeTarget,
): Promise<Processed> {
  const words = `${mail.subject}\n${mail.text}`;
  const known = { clientId: target.clientId };
  let orderId = target.orderId;
  if (orderId === null) {
    const orders = await ordersOfClientAmong(deps.db, target.clientId, orderIdCandidates(words));
    if (orders.length !== 1) {
      return {
        status: "triage",
        outcome: "order_unclear",
        ...known,
        note:
          orders.length === 0 ? "no order of this client named" : `${orders.length} orders named`,
      };
    }
    orderId = orders[0]!;
  }
  // Not guessed: without a plain reason the request waits in triage for QA to say it.
  const reason = target.reason ?? reasonFromText(words);
  const description = (mail.text !== "" ? mail.text : mail.subject).slice(0, 10_000);
  const ctx: ActionContext = { actor: target.actor, ip: null };
  let requestId = row.request_id;
  if (requestId === null) {
    try {
      const created = await submitRequest(deps, ctx, {
        orderId,
        reason,
        description: description === "" ? "(no text)" : description,
        attachmentsCount: mail.attachments.length,
        receivedAt: fromDbInstant(row.received_at),
      });
      requestId = created.id;
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // A retry after a crash between the request and this row: that request is this message's.
      const earlier = await requestWithDescription(deps.db, orderId, target.clientId, description);
      if (earlier === undefined) {
        return { status: "triage", outcome: "intake_refused", ...known, orderId, note: e.message };
      }
      requestId = earlier;
    }
  }
  await updateInboundMail(deps.db, row.id, { request_id: requestId });
  const note = await attach(deps, limits, ctx, requestId, mail);
  return {
    status: "done",
    outcome: reason === null ? "request_in_triage" : "request_created",
    ...known,
    orderId,
    requestId,
    note,
  };
}

/**
 * The message's attachments as documents of the request, through the uploads' checks: staged with
 * the size limits, typed by content; a file that fails is left out and named in the note.
 */
export async function attach(
  deps: AppDeps,
  limits: AttachmentLimits,
  ctx: ActionContext,
  requestId: string,
  mail: ReadMail,
): Promise<string | null> {
  if (mail.attachments.length === 0) return null;
  const have = await attachmentHashes(deps.db, requestId);
  const store = deps.attachments.current;
  const refused: string[] = [];
  const staged: string[] = [];
  const files: UploadedFile[] = [];
  let committed = false;
  let used = 0;
  try {
    for (const [i, a] of mail.attachments.entries()) {
      const name = sanitizeFileName(a.name) || `attachment-${i + 1}`;
      if (files.length >= limits.maxFiles) {
        refused.push(`${name}: more than ${limits.maxFiles} files`);
        continue;
      }
      let file;
      try {
        file = await stageFile(
          store,
          Readable.from([a.content]),
          {
            maxFileBytes: limits.maxFileBytes,
            remainingRequestBytes: limits.maxRequestBytes - used,
          },
          name,
        );
      } catch (e) {
        refused.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      staged.push(file.key);
      const decided = decideAttachmentType(file.facts, { filename: name, mimetype: a.contentType });
      if (!decided.ok) {
        refused.push(`${name}: ${decided.message}`);
        continue;
      }
      if (have.has(file.sha256)) continue;
      used += file.size;
      files.push({
        key: file.key,
        name,
        contentType: decided.contentType,
        sizeBytes: file.size,
        sha256: file.sha256,
      });
    }
    if (files.length > 0) await uploadAttachments(deps, ctx, { requestId, files });
    committed = true;
  } finally {
    // Staged objects that got no row go (the worker's sweep removes any a failure leaves).
    const kept = new Set(committed ? files.map((f) => f.key) : []);
    await removeStaged(
      store,
      staged.filter((k) => !kept.has(k)),
    ).catch(() => {});
  }
  return refused.length === 0 ? null : `attachments left out: ${refused.join("; ")}`.slice(0, 1000);
}
