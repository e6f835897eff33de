// Export of everything held about a client contact (PDPA, GDPR right of access; issue 17): the
// profile, the requests they submitted, the messages on them and those they wrote, their files
// (bytes included), the e-mails sent to them (with the .eml copy when mail goes to DATA_DIR/mail)
// and their audit trail with its personal fields. One JSON document: the archive. Internal notes
// are staff's and stay out. The export itself is audited.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { can, refusal } from "../../core/access/index.js";
import { appendAudit, auditEntriesOf } from "../../db/audit.js";
import { readAll, storeOf } from "../attachments/store.js";
import { callerIp, callerRef, type Caller } from "../auth/common.js";
import type { AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { toDbInstant } from "../../db/time.js";
import {
  attachmentsUploadedBy,
  contactRow,
  emailsSentTo,
  messagesFor,
  requestIdsSubmittedBy,
  requestsByIds,
} from "./repository.js";

/** The archive's format name (a reader checks it first). */
export const EXPORT_FORMAT = "refund-desk.personal-data/1";

export async function exportContact(
  deps: AppDeps,
  ctx: Caller,
  userId: string,
  opts: { readonly mailDir?: string } = {},
) {
  if (ctx !== "system" && !can(ctx.actor, "privacy.export")) {
    throw new AppError("forbidden", refusal(ctx.actor, "privacy.export"));
  }
  const user = await contactRow(deps.db, userId);
  if (user === undefined) throw notFound("user");
  if (user.role !== "client") {
    throw new AppError(
      "unprocessable",
      "Only a client contact's personal data is exported this way.",
      [{ path: "id", message: "is not a client contact" }],
    );
  }
  const ref = `user:${userId}`;
  const requestIds = await requestIdsSubmittedBy(deps.db, ref);
  const [requests, messages, files, emails, audit] = await Promise.all([
    requestsByIds(deps.db, requestIds),
    messagesFor(deps.db, requestIds, userId),
    attachmentsUploadedBy(deps.db, userId),
    emailsSentTo(deps.db, user.email),
    auditEntriesOf(deps.db, { actorRef: ref, userId, attachmentIds: [] }),
  ]);
  const mailDir = opts.mailDir ?? join(deps.dataDir, "mail");
  const now = deps.clock();
  const archive = {
    format: EXPORT_FORMAT,
    exportedAt: toDbInstant(now),
    contact: {
      id: user.id,
      name: user.name,
      email: user.email,
      clientId: user.client_id,
      createdAt: user.created_at,
      disabled: Number(user.disabled) !== 0,
      erasedAt: user.erased_at,
    },
    requests: requests.map((r) => ({
      id: r.id,
      orderId: r.order_id,
      reason: r.reason,
      description: r.description,
      status: r.status,
      submittedAt: r.submitted_at,
      closedAt: r.closed_at,
    })),
    messages: messages.map((m) => ({
      id: m.id,
      requestId: m.request_id,
      byThisContact: m.author_user_id === userId,
      kind: m.kind,
      body: m.body,
      createdAt: m.created_at,
    })),
    attachments: await Promise.all(
      files.map(async (f) => ({
        id: f.id,
        requestId: f.request_id,
        name: f.original_name,
        contentType: f.content_type,
        sizeBytes: Number(f.size_bytes),
        sha256: f.sha256,
        createdAt: f.created_at,
        contentBase64: await storeOf(deps.attachments, f.storage)
          .open(f.stored_name)
          .then(readAll)
          .then(
            (b) => b.toString("base64"),
            () => null,
          ),
      })),
    ),
    emails: await Promise.all(
      emails.map(async (e) => ({
        topic: e.topic,
        messageId: e.message_id,
        sentAt: e.sent_at,
        eml: await readFile(join(mailDir, `${emlName(e.message_id)}.eml`), "utf8").catch(
          () => null,
        ),
      })),
    ),
    auditTrail: audit.map((a) => ({
      seq: a.seq,
      at: a.at,
      actor: a.actor,
      action: a.action,
      entityType: a.entityType,
      entityId: a.entityId,
      summary: a.summary,
      personal: a.personal,
    })),
  };
  await deps.db.transaction().execute((trx) =>
    appendAudit(trx, {
      actor: callerRef(ctx),
      action: "privacy.exported",
      entityType: "user",
      entityId: userId,
      summary: {
        requests: archive.requests.length,
        messages: archive.messages.length,
        attachments: archive.attachments.length,
        emails: archive.emails.length,
      },
      ip: callerIp(ctx),
      at: now,
    }),
  );
  return archive;
}

export type PersonalDataArchive = Awaited<ReturnType<typeof exportContact>>;

/** The .eml file name the mail transport gives a Message-ID (src/notify/mail.ts). */
function emlName(messageId: string): string {
  return messageId.replace(/[<>]/g, "").replace(/[^A-Za-z0-9._-]/g, "_");
}
