// The conversation on a request: questions, answers and notes, oldest first. Internal notes only
// for those who may write them (reviewers); a client never sees them.

import { can } from "../../core/access/index.js";
import type { ActionContext, AppDeps } from "../context.js";
import { readableRequest } from "./get-request.js";
import { presentMessage } from "./present.js";

/** The messages of a request the caller may read (clients: their own requests only). */
export async function listMessages(deps: AppDeps, ctx: ActionContext, requestId: string) {
  const row = await readableRequest(deps.db, ctx, requestId, "message.read");
  const staffNotes = can(ctx.actor, "request.note", { clientId: row.client_id });
  let q = deps.db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.author_user_id")
    .selectAll("m")
    .select("u.role as author_role")
    .where("m.request_id", "=", row.id)
    .orderBy("m.created_at")
    .orderBy("m.id");
  if (!staffNotes) q = q.where("m.internal", "=", 0);
  const messages = await q.execute();
  return { items: messages.map(presentMessage), nextCursor: null };
}
