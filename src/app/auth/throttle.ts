// Sign-in throttling (the login_throttle table): after MAX_FAILURES failed attempts for one e-mail
// address, or from one IP address, within WINDOW_MS, further attempts are refused until LOCK_MS
// after the last counted failure, whether their password is right or not.
//
// A failure is counted with one atomic upsert per key, so concurrent failures each count on both
// databases (no read-then-write race). The lock check before the password check is a plain read:
// a burst of attempts sent at once may each pass it before the fifth failure is stored, which
// lets a handful of extra guesses through once, not a steady stream.

import { sql, type Kysely, type Transaction } from "kysely";
import { appendAudit } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import { AppError } from "../errors.js";

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;
// Not shorter than the window: when a lock passes, the window has passed too, so the count restarts.
export const LOCK_MS = 15 * 60 * 1000;

/** The throttle keys of one attempt: the e-mail address as typed (normalised), and the IP. */
export function throttleKeys(email: string, ip: string | null): string[] {
  const keys = [`email:${email.trim().toLowerCase()}`];
  if (ip !== null && ip !== "") keys.push(`ip:${ip}`);
  return keys;
}

/** Milliseconds until every lock on these keys has passed; 0 when none holds. */
export async function lockRemainingMs(
  db: Kysely<Database>,
  keys: readonly string[],
  now: number,
): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await db
    .selectFrom("login_throttle")
    .select("locked_until")
    .where("key", "in", keys)
    .where("locked_until", ">", toDbInstant(now))
    .execute();
  let until = now;
  for (const r of rows) {
    if (r.locked_until !== null) until = Math.max(until, fromDbInstant(r.locked_until));
  }
  return until - now;
}

/** The 429 answer; the route turns `retryAfterSeconds` into a Retry-After header. */
export function tooManyAttempts(remainingMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
  return new AppError(
    "too_many_requests",
    "too many failed sign-in attempts; try again later",
    [],
    { retryAfterSeconds },
  );
}

/** Counts one failed attempt on each key; audits each lock as it starts. */
export async function recordFailure(
  trx: Transaction<Database>,
  keys: readonly string[],
  now: number,
  ip: string | null,
): Promise<void> {
  const nowAt = toDbInstant(now);
  const cutoff = toDbInstant(now - WINDOW_MS);
  const lockAt = toDbInstant(now + LOCK_MS);
  // Inside ON CONFLICT DO UPDATE, `login_throttle.x` is the stored row; every expression sees the
  // row as it was before this update, on both databases.
  const expired = sql<boolean>`login_throttle.window_started_at <= ${cutoff}`;
  const counted = sql<number>`case when ${expired} then 1 else login_throttle.failures + 1 end`;
  for (const key of keys) {
    const row = await trx
      .insertInto("login_throttle")
      .values({ key, failures: 1, window_started_at: nowAt, locked_until: null })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({
          failures: counted,
          window_started_at: sql<string>`case when ${expired} then ${nowAt} else login_throttle.window_started_at end`,
          locked_until: sql<
            string | null
          >`case when ${counted} >= ${MAX_FAILURES} then ${lockAt} else null end`,
        }),
      )
      .returning(["failures"])
      .executeTakeFirstOrThrow();
    if (Number(row.failures) === MAX_FAILURES) {
      await appendAudit(trx, {
        actor: "anonymous",
        action: "session.sign_in_locked",
        entityType: "login_throttle",
        entityId: key,
        summary: { failures: MAX_FAILURES, lockedUntil: lockAt },
        ip,
        at: now,
      });
    }
  }
}

/** Forgets the failures counted on a key (after a successful sign-in for that e-mail). */
export async function clearFailures(trx: Transaction<Database>, key: string): Promise<void> {
  await trx.deleteFrom("login_throttle").where("key", "=", key).execute();
}
