// POST /requests/:id/attachments, after the files are staged and typed: in one transaction, the
// request is checked again, each file gets its row and its `attachment.uploaded` audit event, and
// its temporary file is renamed to the server-made name. If the transaction fails, the files that
// were moved are removed again: no row without a file, no file without a row.

import { rename, rm } from "node:fs/promises";
import { actorRef, isStaff, userIdOf } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { AttachmentRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { isOpen, type RequestStatus } from "../../core/requests/index.js";
import type { AttachmentContentType } from "./content-type.js";
import { loadRequestFor, presentAttachment, type AttachmentJson } from "./shared.js";
import { storedPath } from "./storage.js";

/** A file ready to be kept: staged on disk, hashed and typed by its content. */
export interface UploadedFile {
  readonly tmpPath: string;
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
  const moved: string[] = [];
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
        const id = newId("att");
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
        };
        await trx.insertInto("attachments").values(row).execute();
        await appendAudit(trx, {
          actor: actorRef(ctx.actor),
          action: "attachment.uploaded",
          entityType: "attachment",
          entityId: id,
          summary: {
            requestId: input.requestId,
            name: file.name,
            contentType: file.contentType,
            sizeBytes: file.sizeBytes,
            sha256: file.sha256,
          },
          ip: ctx.ip,
          at: now,
        });
        const target = storedPath(deps.dataDir, id);
        await rename(file.tmpPath, target);
        moved.push(target);
        out.push(presentAttachment(row));
      }
      return out;
    });
  } catch (err) {
    await Promise.all(moved.map((p) => rm(p, { force: true })));
    throw err;
  }
}
