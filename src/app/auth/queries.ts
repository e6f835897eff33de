// Reads of one's own sessions a page at a time (newest first). The stored id is the cookie's
// hash and never leaves the server, so pages are cut by (created_at, public id) in memory from
// what these queries bring: sessions older than the cursor's instant, with every session that
// shares the last instant read (a tie is never split by an order the caller cannot see), and the
// sessions of the cursor's own instant.

import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";

export interface OwnSessionRow {
  readonly id: string;
  readonly created_at: string;
  readonly expires_at: string;
}

function unexpired(db: Kysely<Database>, userId: string, nowIso: string) {
  return db
    .selectFrom("sessions")
    .select(["id", "created_at", "expires_at"])
    .where("user_id", "=", userId)
    .where("expires_at", ">", nowIso);
}

/**
 * A user's unexpired sessions created before `before` (all when null), newest first: at least
 * `limit` when there are, and all of the last instant read.
 */
export async function ownSessionsBefore(
  db: Kysely<Database>,
  userId: string,
  nowIso: string,
  before: string | null,
  limit: number,
): Promise<OwnSessionRow[]> {
  let q = unexpired(db, userId, nowIso);
  if (before !== null) q = q.where("created_at", "<", before);
  const rows = await q.orderBy("created_at", "desc").orderBy("id").limit(limit).execute();
  const last = rows[rows.length - 1];
  if (last === undefined || rows.length < limit) return rows;
  const seen = new Set(rows.map((r) => r.id));
  const tie = await ownSessionsAt(db, userId, nowIso, last.created_at);
  return [...rows, ...tie.filter((r) => !seen.has(r.id))];
}

/** A user's unexpired sessions created at exactly `at`. */
export function ownSessionsAt(
  db: Kysely<Database>,
  userId: string,
  nowIso: string,
  at: string,
): Promise<OwnSessionRow[]> {
  return unexpired(db, userId, nowIso).where("created_at", "=", at).execute();
}
