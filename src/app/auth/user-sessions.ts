// An admin sees where a person is signed in and ends one of those sessions, or all of them (a lost
// laptop, someone leaving), each audited on the person's trail. Sessions are shown by their public
// id, as the person sees their own; the stored hash never leaves the server.

import { actorRef, can, refusal } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { endSessionOf, sessionsPage, type SessionItem } from "./own-sessions.js";
import type { Page, PageQuery } from "./pagination.js";
import { deleteSessionsOf, findUserEmail, sessionIdsOf } from "./repository.js";
import { thenForgetSessions } from "./session-cache.js";

const MANAGE_SESSIONS = "session.manage_any" as const;

function requireSessionAdmin(ctx: ActionContext): void {
  if (!can(ctx.actor, MANAGE_SESSIONS)) {
    throw new AppError("forbidden", refusal(ctx.actor, MANAGE_SESSIONS));
  }
}

/** A page of user `userId`'s unexpired sessions, newest first (404 for an unknown user). */
export async function listUserSessions(
  deps: AppDeps,
  ctx: ActionContext,
  userId: string,
  currentSessionId: string | null,
  page: PageQuery,
): Promise<Page<SessionItem>> {
  requireSessionAdmin(ctx);
  if ((await findUserEmail(deps.db, userId)) === undefined) throw notFound("user");
  return sessionsPage(deps, userId, currentSessionId, page);
}

/** Ends one session of user `userId`; 404 for an unknown user or a session not theirs. */
export async function endUserSession(
  deps: AppDeps,
  ctx: ActionContext,
  userId: string,
  publicId: string,
): Promise<void> {
  requireSessionAdmin(ctx);
  await endSessionOf(deps, ctx, userId, publicId, "user.session_ended", async (trx) => {
    if ((await findUserEmail(trx, userId)) === undefined) throw notFound("user");
  });
}

/**
 * Ends every session of user `userId` (the admin's own too, when it is theirs); `ended` counts the
 * session rows removed (expired ones not yet swept included).
 */
export async function endUserSessions(
  deps: AppDeps,
  ctx: ActionContext,
  userId: string,
): Promise<{ ended: number }> {
  requireSessionAdmin(ctx);
  const now = deps.clock();
  const work = deps.db.transaction().execute(async (trx) => {
    if ((await findUserEmail(trx, userId)) === undefined) throw notFound("user");
    const ended = (await sessionIdsOf(trx, userId)).length;
    await deleteSessionsOf(trx, userId);
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "user.sessions_ended",
      entityType: "user",
      entityId: userId,
      summary: { ended },
      ip: ctx.ip,
      at: now,
    });
    return { ended };
  });
  return thenForgetSessions(deps.sessions, work);
}
