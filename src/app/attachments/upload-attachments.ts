// POST /requests/:id/attachments, after the files are staged (each is an object of the current
// store already) and typed: in one transaction, the request is checked again and each file gets
// its row, naming the store that holds it, and its `attachment.uploaded` audit event. If the
// transaction fails, the objects are removed again: no row without bytes; an object whose row
// never came (a crash in between) is invisible and swept a day later (ADR 0031).

import { actorRef, isStaff, userIdOf } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import type { AttachmentRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { isOpen, type RequestStatus } from "../../core/requests/index.js";
import type { AttachmentContentType } from "./content-type.js";
import { loadRequestFor, presentAttachment, type AttachmentJson } from "./shared.js";
import { insertAttachment, keysWithRows } from "./repository.js";
import { removeStaged } from "./storage.js";

/** A file ready to be kept: an object of the current store, hashed and typed by its content. */
export interface UploadedFile {
  /** Its object's key in `deps.attachments.current`: the attachment's id. */
  readonly key: string;
  /** Sanitised client file name. */
  readonly name: string;
  readonly contentType: AttachmentContentType;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** Keeps the files as attachments of the request; returns them as the API shows them. */
export async function uploadAttachments(
  deps: AppDeps,
  ctx: ActionContext,
  input: { readonly requestId: string; readonly files: readonly UploadedFile[] },
): Promise<AttachmentJson[]> {
  const uploader = userIdOf(ctx.actor);
  if (uploader === null) throw new AppError("forbidden", "only signed-in users upload files");
  const now = deps.clock();
  const store = deps.attachments.current;
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const request = await loadRequestFor(trx, ctx.actor, "attachment.create", input.requestId);
      // Like messages: a client adds nothing to a closed request (an appeal reopens it first).
      if (!isStaff(ctx.actor) && !isOpen(request.status as RequestStatus)) {
        throw new AppError(
          "invalid_transition",
          "This request is closed, so no more files can be added to it (to contest a denial, appeal it first).",
          [],
          { state: request.status },
        );
      }
      const out: AttachmentJson[] = [];
      for (const file of input.files) {
        const id = file.key;
        const row: AttachmentRow = {
          id,
          request_id: input.requestId,
          uploaded_by: uploader,
          original_name: file.name,
          stored_name: id,
          content_type: file.contentType,
          size_bytes: file.sizeBytes,
          sha256: file.sha256,
          created_at: toDbInstant(now),
          storage: store.kind,
        };
        await insertAttachment(trx, row);
        await appendAudit(trx, {
          actor: actorRef(ctx.actor),
          action: "attachment.uploaded",
          entityType: "attachment",
          entityId: id,
          summary: {
            requestId: input.requestId,
            contentType: file.contentType,
            sizeBytes: file.sizeBytes,
            sha256: file.sha256,
          },
          ip: ctx.ip,
          at: now,
          // The file name a person chose may name people: erasable (ADR 0028).
          personal: { name: file.name },
        });
        out.push(presentAttachment(row));
      }
      return out;
    });
  } catch (err) {
    await removeUncommitted(
      deps,
      input.files.map((f) => f.key),
    );
    throw err;
  }
}

/**
 * Removes the objects of an upload that failed, except any whose row exists after all (a commit
 * whose answer was lost): never a row without bytes. When the database or the store cannot be
 * asked, nothing is removed here and the worker's sweep removes the orphans a day later.
 */
export async function removeUncommitted(deps: AppDeps, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const store = deps.attachments.current;
  try {
    const kept = await keysWithRows(deps.db, store.kind, keys);
    await removeStaged(
      store,
      keys.filter((k) => !kept.has(k)),
    );
  } catch (cleanup) {
    deps.logger.error({ err: cleanup, keys }, "uploaded objects not removed (the sweep will)");
  }
}
