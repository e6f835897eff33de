// GET /attachments/:id: one attachment and the store holding its bytes, for a caller who may
// read it (the access check always runs here, on the server, whatever the store).

import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { presentAttachment, type AttachmentJson } from "./shared.js";
import { authorize } from "../authorize.js";
import { findAttachmentWithClient } from "./repository.js";
import { storeOf, type AttachmentStore } from "./store.js";

/** The attachment, its store and key; 404 when missing or (for a client) not its own. */
export async function getAttachment(
  deps: AppDeps,
  ctx: ActionContext,
  attachmentId: string,
): Promise<{ attachment: AttachmentJson; store: AttachmentStore; key: string }> {
  const row = await findAttachmentWithClient(deps.db, attachmentId);
  if (row === undefined) throw notFound("attachment");
  authorize(ctx.actor, "attachment.read", row.client_id, "attachment");
  return {
    attachment: presentAttachment(row),
    store: storeOf(deps.attachments, row.storage),
    key: row.stored_name,
  };
}
