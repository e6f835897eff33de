// Sign-in throttling (the login_throttle table), after OWASP's authentication cheat sheet: the
// count is kept per account and per (account, address) pair, with a much higher ceiling per
// address alone, so one person guessing from an office NAT or a proxy does not lock out every
// colleague behind it:
// - pair `pair:<email>|<ip>`: PAIR.max failures within PAIR.windowMs lock that account from that
//   address for PAIR.lockMs;
// - account `email:<email>`: ACCOUNT.max failures from anywhere within ACCOUNT.windowMs start a
//   backoff: the lock lasts 1 minute, doubling with every further failure counted, up to 1 hour;
// - address `ip:<ip>`: IP.max failures for any accounts within IP.windowMs lock the address for
//   IP.lockMs (a credential-stuffing ceiling).
// Every refusal answers 429 with Retry-After; an admin can lift an account's locks
// (`DELETE /users/{id}/sign-in-lock`).
//
// A failure is counted with one atomic upsert per key, so concurrent failures each count on both
// databases (no read-then-write race). The lock check before the password check is a plain read:
// a burst of attempts sent at once may each pass it before the last failure is stored, which
// lets a handful of extra guesses through once, not a steady stream.

import { sql, type Kysely, type Transaction } from "kysely";
import { appendAudit } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import { AppError } from "../errors.js";

const MINUTE = 60 * 1000;

/** One kind of key: how many failures within which window lock it, and for how long. */
export interface ThrottleRule {
  readonly max: number;
  readonly windowMs: number;
  /** The lock's length once `failures` (>= max) have been counted in the window. */
  readonly lockMs: (failures: number) => number;
}

/** An account at one address: the person typing. */
export const PAIR: ThrottleRule = { max: 5, windowMs: 15 * MINUTE, lockMs: () => 15 * MINUTE };
/** An account from anywhere: exponential backoff, 1 minute doubling up to 1 hour. */
export const ACCOUNT: ThrottleRule = {
  max: 10,
  windowMs: 60 * MINUTE,
  lockMs: (failures) => Math.min(60 * MINUTE, MINUTE * 2 ** Math.min(failures - 10, 6)),
};
/** One address, whatever the accounts: a high ceiling. */
export const IP: ThrottleRule = { max: 100, windowMs: 15 * MINUTE, lockMs: () => 15 * MINUTE };

// Kept for readers of the old constants: the pair's.
export const MAX_FAILURES = PAIR.max;
export const WINDOW_MS = PAIR.windowMs;
export const LOCK_MS = PAIR.lockMs(PAIR.max);

/** The key of an account (its e-mail address, normalised). */
export function accountKey(email: string): string {
  return `email:${email.trim().toLowerCase()}`;
}

/** The prefix of every pair key of an account. */
export function pairPrefix(email: string): string {
  return `pair:${email.trim().toLowerCase()}|`;
}

/** The throttle keys of one attempt with their rules: the account, the pair, the address. */
export function throttleKeys(
  email: string,
  ip: string | null,
): { key: string; rule: ThrottleRule }[] {
  const keys = [{ key: accountKey(email), rule: ACCOUNT }];
  if (ip !== null && ip !== "") {
    keys.push({ key: `${pairPrefix(email)}${ip}`, rule: PAIR }, { key: `ip:${ip}`, rule: IP });
  }
  return keys;
}

/** Milliseconds until every lock on these keys has passed; 0 when none holds. */
export async function lockRemainingMs(
  db: Kysely<Database>,
  keys: readonly { key: string }[],
  now: number,
): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await db
    .selectFrom("login_throttle")
    .select("locked_until")
    .where(
      "key",
      "in",
      keys.map((k) => k.key),
    )
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
    `Too many failed sign-in attempts; try again in ${retryAfterSeconds} seconds, or ask an administrator to lift the lock.`,
    [],
    { retryAfterSeconds },
  );
}

/** Counts one failed attempt on each key; locks the keys over their limit and audits each lock. */
export async function recordFailure(
  trx: Transaction<Database>,
  keys: readonly { key: string; rule: ThrottleRule }[],
  now: number,
  ip: string | null,
): Promise<void> {
  const nowAt = toDbInstant(now);
  for (const { key, rule } of keys) {
    const cutoff = toDbInstant(now - rule.windowMs);
    // Inside ON CONFLICT DO UPDATE, `login_throttle.x` is the stored row; every expression sees
    // the row as it was before this update, on both databases.
    const expired = sql<boolean>`login_throttle.window_started_at <= ${cutoff}`;
    const counted = sql<number>`case when ${expired} then 1 else login_throttle.failures + 1 end`;
    const row = await trx
      .insertInto("login_throttle")
      .values({ key, failures: 1, window_started_at: nowAt, locked_until: null })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({
          failures: counted,
          window_started_at: sql<string>`case when ${expired} then ${nowAt} else login_throttle.window_started_at end`,
        }),
      )
      .returning(["failures"])
      .executeTakeFirstOrThrow();
    const failures = Number(row.failures);
    if (failures < rule.max) continue;
    const lockedUntil = toDbInstant(now + rule.lockMs(failures));
    await trx
      .updateTable("login_throttle")
      .set({ locked_until: lockedUntil })
      .where("key", "=", key)
      .execute();
    await appendAudit(trx, {
      actor: "anonymous",
      action: "session.sign_in_locked",
      entityType: "login_throttle",
      entityId: key,
      summary: { failures, lockedUntil },
      ip,
      at: now,
    });
  }
}

/** Forgets the failures counted on the account and pair keys (after a successful sign-in). */
export async function clearFailures(
  trx: Transaction<Database>,
  keys: readonly { key: string; rule: ThrottleRule }[],
): Promise<void> {
  const mine = keys.filter((k) => k.rule !== IP).map((k) => k.key);
  if (mine.length > 0) await trx.deleteFrom("login_throttle").where("key", "in", mine).execute();
}

/** Lifts every lock and count of an account (its own key and all its pairs); the number lifted. */
export async function liftAccountLocks(trx: Transaction<Database>, email: string): Promise<number> {
  const prefix = pairPrefix(email);
  // '|' + 1 = '}': every key starting with the prefix sorts in [prefix, prefix with '}').
  const result = await trx
    .deleteFrom("login_throttle")
    .where((eb) =>
      eb.or([
        eb("key", "=", accountKey(email)),
        eb.and([eb("key", ">=", prefix), eb("key", "<", `${prefix.slice(0, -1)}}`)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
