// A person's own sessions: list them a page at a time (when each started and ends, which is this
// one) and end any of them. Sessions are shown by a public id derived from the stored hash, never the hash itself.

import { createHash } from "node:crypto";
import type { Transaction } from "kysely";
import { actorRef, userIdOf } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { encodeCursor, type Page, type PageQuery } from "./pagination.js";
import { ownSessionsAt, ownSessionsBefore, type OwnSessionRow } from "./queries.js";
import { deleteSession, sessionIdsOf } from "./repository.js";
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

/** A page of the caller's unexpired sessions, newest first (ties by public id). */
export async function listOwnSessions(
  deps: AppDeps,
  ctx: ActionContext,
  currentSessionId: string | null,
  page: PageQuery,
): Promise<Page<SessionItem>> {
  return sessionsPage(deps, ownUserId(ctx), currentSessionId, page);
}

/**
 * A page of a user's unexpired sessions, newest first (ties by public id); `current` marks the
 * session of the request asking (the caller's own sessions, or an admin's view of their own).
 */
export async function sessionsPage(
  deps: AppDeps,
  userId: string,
  currentSessionId: string | null,
  page: PageQuery,
): Promise<Page<SessionItem>> {
  const nowIso = new Date(deps.clock()).toISOString();
  const item = (r: OwnSessionRow): SessionItem => ({
    id: publicSessionId(r.id),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    current: r.id === currentSessionId,
  });
  const newestFirst = (x: SessionItem, y: SessionItem) =>
    x.createdAt !== y.createdAt ? (x.createdAt > y.createdAt ? -1 : 1) : x.id < y.id ? -1 : 1;
  const after = page.after;
  const items: SessionItem[] = [];
  if (after !== null) {
    const tie = await ownSessionsAt(deps.db, userId, nowIso, after.createdAt);
    items.push(...tie.map(item).filter((i) => i.id > after.id));
  }
  const older = await ownSessionsBefore(
    deps.db,
    userId,
    nowIso,
    after?.createdAt ?? null,
    page.limit + 1,
  );
  items.push(...older.map(item));
  items.sort(newestFirst);
  const shown = items.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    items: shown,
    nextCursor:
      items.length > page.limit && last !== undefined
        ? encodeCursor({ created_at: last.createdAt, id: last.id })
        : null,
  };
}

/** Ends one of the caller's sessions; 404 for any id that is not one of theirs. */
export async function endOwnSession(
  deps: AppDeps,
  ctx: ActionContext,
  publicId: string,
): Promise<void> {
  await endSessionOf(deps, ctx, ownUserId(ctx), publicId, "session.ended");
}

/**
 * Ends the session `publicId` of user `userId`, audited as `action` on the user's trail; 404 for
 * a session that is not theirs. `check` runs first, in the same transaction (an admin's check that
 * the user exists). The session cache forgets the session once the transaction has committed.
 */
export async function endSessionOf(
  deps: AppDeps,
  ctx: ActionContext,
  userId: string,
  publicId: string,
  action: "session.ended" | "user.session_ended",
  check?: (trx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  const now = deps.clock();
  const work = deps.db.transaction().execute(async (trx) => {
    await check?.(trx);
    const sessionId = (await sessionIdsOf(trx, userId)).find(
      (id) => publicSessionId(id) === publicId,
    );
    if (sessionId === undefined) throw notFound("session");
    await deleteSession(trx, sessionId);
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action,
      entityType: "user",
      entityId: userId,
      summary: { sessionId: publicId },
      ip: ctx.ip,
      at: now,
    });
  });
  await thenForgetSessions(deps.sessions, work);
}
