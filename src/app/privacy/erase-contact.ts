// Erasure of a client contact's personal data on request (PDPA, GDPR; issue 17, ADR 0028): the
// name and e-mail address become a pseudonym, the texts they wrote ([erased]), their files are
// deleted, and their personal fields leave the audit trail (chain 2: the digest stays, so
// `audit verify` still passes). Orders, payments, requests, decisions and payouts stay: they are
// financial records the company must keep. One transaction for the rows; the files go after it.

import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { actorRef, can, refusal } from "../../core/access/index.js";
import { shortRef } from "../../core/requests/reference.js";
import { appendAudit, eraseAuditPersonal, type JsonValue } from "../../db/audit.js";
import { toDbInstant } from "../../db/time.js";
import { storeOf } from "../attachments/store.js";
import type { Caller } from "../auth/common.js";
import { callerIp, callerRef } from "../auth/common.js";
import type { AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import {
  attachmentsUploadedBy,
  contactRow,
  ERASED_TEXT,
  eraseContactTraces,
  pseudonymizeUser,
  requestIdsSubmittedBy,
} from "./repository.js";

export interface ErasureReport {
  readonly userId: string;
  readonly pseudonym: string;
  readonly requests: number;
  readonly messages: number;
  readonly attachments: number;
  readonly auditEntries: number;
  readonly emailFiles: number;
  readonly erasedAt: string;
}

/** The pseudonym an erased contact's address becomes (unique, and never deliverable). */
export function pseudonymEmail(userId: string): string {
  return `erased-${userId.toLowerCase()}@erased.invalid`;
}

/** Erases a client contact's personal data; refuses staff accounts and a second erasure. */
export async function eraseContact(
  deps: AppDeps,
  ctx: Caller,
  userId: string,
  opts: { readonly mailDir?: string } = {},
): Promise<ErasureReport> {
  if (ctx !== "system" && !can(ctx.actor, "privacy.erase")) {
    throw new AppError("forbidden", refusal(ctx.actor, "privacy.erase"));
  }
  const now = deps.clock();
  const at = toDbInstant(now);
  const ref = `user:${userId}`;
  const result = await deps.db.transaction().execute(async (trx) => {
    const user = await contactRow(trx, userId);
    if (user === undefined) throw notFound("user");
    if (user.role !== "client") {
      throw new AppError(
        "unprocessable",
        "Only a client contact's personal data is erased this way; staff accounts are disabled instead.",
        [{ path: "id", message: "is not a client contact" }],
      );
    }
    if (user.erased_at !== null) {
      throw new AppError(
        "conflict",
        `This contact's personal data was erased on ${user.erased_at}.`,
      );
    }
    const requestIds = await requestIdsSubmittedBy(trx, ref);
    const files = await attachmentsUploadedBy(trx, userId);
    const pseudonym = pseudonymEmail(userId);
    const counts = await eraseContactTraces(trx, {
      userId,
      actorRef: ref,
      email: user.email,
      pseudonymEmail: pseudonym,
      requestIds,
    });
    await pseudonymizeUser(
      trx,
      userId,
      { email: pseudonym, name: `Erased contact ${userId.slice(-6)}` },
      at,
    );
    const erasure = await appendAudit(trx, {
      actor: callerRef(ctx),
      action: "privacy.erased",
      entityType: "user",
      entityId: userId,
      summary: {
        clientId: user.client_id,
        requests: requestIds.length,
        messages: counts.messages,
        attachments: counts.attachments,
      },
      ip: callerIp(ctx),
      at: now,
    });
    const values = [user.email, user.name].filter((v) => v.length > 0);
    const auditEntries = await eraseAuditPersonal(
      trx,
      { actorRef: ref, userId, attachmentIds: files.map((f) => f.id) },
      erasure.seq,
      (summary) => redact(summary, values),
    );
    return { requestIds, files, pseudonym, counts, auditEntries, email: user.email };
  });
  // After the commit: the files. An attachment is deleted outright; an e-mail copy written to
  // DATA_DIR/mail that went to the contact or speaks of their requests is deleted too.
  for (const f of result.files) {
    await storeOf(deps.attachments, f.storage).delete(f.stored_name);
  }
  const emailFiles = await deleteEmailCopies(opts.mailDir ?? join(deps.dataDir, "mail"), [
    result.email,
    ...result.requestIds.flatMap((id) => [id, shortRef(id)]),
  ]);
  deps.logger.info(
    { userId, by: ctx === "system" ? "system" : actorRef(ctx.actor) },
    "personal data erased",
  );
  return {
    userId,
    pseudonym: result.pseudonym,
    requests: result.requestIds.length,
    messages: result.counts.messages,
    attachments: result.counts.attachments,
    auditEntries: result.auditEntries,
    emailFiles,
    erasedAt: at,
  };
}

/** Replaces the erased person's values anywhere in a chain-1 summary. */
function redact(value: JsonValue, values: readonly string[]): JsonValue {
  if (typeof value === "string") {
    return values.some((v) => value.toLowerCase().includes(v.toLowerCase())) ? ERASED_TEXT : value;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, values));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, values)]));
  }
  return value;
}

/** Deletes the .eml copies that mention any of `needles`; returns how many. */
async function deleteEmailCopies(mailDir: string, needles: readonly string[]): Promise<number> {
  let names: string[];
  try {
    names = await readdir(mailDir);
  } catch {
    return 0;
  }
  let deleted = 0;
  for (const name of names.filter((n) => n.endsWith(".eml"))) {
    const path = join(mailDir, name);
    const text = await readFile(path, "utf8").catch(() => "");
    if (needles.some((n) => text.includes(n))) {
      await rm(path, { force: true });
      deleted++;
    }
  }
  return deleted;
}
