// A person's own sessions: list them (where and when each started, which is this one) and end any
// of them. Sessions are shown by a public id derived from the stored hash, never the hash itself.

import { createHash } from "node:crypto";
import { actorRef, userIdOf } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { thenForgetSessions } from "./session-cache.js";

export interface SessionItem {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** True for the session this request came with. */
  readonly current: boolean;
}

/** The public id of a stored session (its row id is the cookie's SHA-256: never shown). */
export function publicSessionId(rowId: string): string {
  return `ses_${createHash("sha256").update(`session:${rowId}`).digest("hex").slice(0, 32)}`;
}

function ownUserId(ctx: ActionContext): string {
  const userId = userIdOf(ctx.actor);
  if (userId === null) {
    throw new AppError("forbidden", "Only a signed-in person has sessions (not an API token).");
  }
  return userId;
}

/** The caller's unexpired sessions, newest first. */
export async function listOwnSessions(
  deps: AppDeps,
  ctx: ActionContext,
  currentSessionId: string | null,
): Promise<{ items: SessionItem[]; nextCursor: null }> {
  const userId = ownUserId(ctx);
  const rows = await deps.db
    .selectFrom("sessions")
    .select(["id", "created_at", "expires_at"])
    .where("user_id", "=", userId)
    .where("expires_at", ">", new Date(deps.clock()).toISOString())
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
  return {
    items: rows.map((r) => ({
      id: publicSessionId(r.id),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      current: r.id === currentSessionId,
    })),
    nextCursor: null,
  };
}

/** Ends one of the caller's sessions; 404 for any id that is not one of theirs. */
export async function endOwnSession(
  deps: AppDeps,
  ctx: ActionContext,
  publicId: string,
): Promise<void> {
  const userId = ownUserId(ctx);
  const now = deps.clock();
  const work = deps.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom("sessions")
      .select("id")
      .where("user_id", "=", userId)
      .execute();
    const row = rows.find((r) => publicSessionId(r.id) === publicId);
    if (row === undefined) throw notFound("session");
    await trx.deleteFrom("sessions").where("id", "=", row.id).execute();
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "session.ended",
      entityType: "user",
      entityId: userId,
      summary: { sessionId: publicId },
      ip: ctx.ip,
      at: now,
    });
  });
  await thenForgetSessions(deps.sessions, work);
}
