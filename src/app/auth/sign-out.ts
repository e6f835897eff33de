import { actorRef } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import type { ActionContext, AppDeps } from "../context.js";
import { deleteSessionOfUser } from "./repository.js";
import { secretHash } from "./secrets.js";
import { thenForgetSessions } from "./session-cache.js";

/**
 * Ends a session: the row goes, so the cookie stops working even if a copy of it survives.
 * Accepts the cookie value (which may belong to an expired session: it is removed all the same).
 * Idempotent; audits only when a session was actually ended.
 */
export async function signOut(
  deps: AppDeps,
  ctx: ActionContext,
  sessionToken: string,
): Promise<void> {
  const now = deps.clock();
  // Also ends the session in this process's session cache once the row is gone.
  const work = deps.db.transaction().execute(async (trx) => {
    const removed = await deleteSessionOfUser(trx, secretHash(sessionToken));
    if (removed === undefined) return;
    await appendAudit(trx, {
      actor: ctx.actor.role === "anonymous" ? `user:${removed.user_id}` : actorRef(ctx.actor),
      action: "session.signed_out",
      entityType: "user",
      entityId: removed.user_id,
      summary: {},
      ip: ctx.ip,
      at: now,
    });
  });
  await thenForgetSessions(deps.sessions, work);
}
