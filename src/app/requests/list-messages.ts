// The conversation on a request: questions, answers and notes, oldest first. Internal notes only
// for those who may write them (reviewers); a client never sees them.

import { can } from "../../core/access/index.js";
import type { ActionContext, AppDeps } from "../context.js";
import { readableRequest } from "./get-request.js";
import { presentMessage } from "./present.js";
import { messageRows } from "./repository.js";

/** The messages of a request the caller may read (clients: their own requests only). */
export async function listMessages(deps: AppDeps, ctx: ActionContext, requestId: string) {
  const row = await readableRequest(deps.db, ctx, requestId, "message.read");
  const staffNotes = can(ctx.actor, "request.note", { clientId: row.client_id });
  const messages = (await messageRows(deps.db, row.id)).filter(
    (m) => staffNotes || Number(m.internal) === 0,
  );
  return { items: messages.map(presentMessage), nextCursor: null };
}
