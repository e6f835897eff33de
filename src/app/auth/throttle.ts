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
// (`DELETE /users/{id}/sign-in-lock`). Password-reset requests are counted in the same table
// under their own keys (RESET_EMAIL, RESET_IP), so a reset flood never locks a sign-in.
//
// A failure is counted with one atomic upsert per key, so concurrent failures each count on both
// databases (no read-then-write race). The lock check before the password check is a plain read:
// a burst of attempts sent at once may each pass it before the last failure is stored, which
// lets a handful of extra guesses through once, not a steady stream.

import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { appendAudit } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import { AppError } from "../errors.js";
import {
  countFailure,
  deleteAccountThrottle,
  deleteThrottleKeys,
  lockKey,
  locksAfter,
} from "./repository.js";

const MINUTE = 60 * 1000;

/** How a throttle key is named in the audit trail: its kind and a digest, never the address. */
export function throttleEntityId(key: string): string {
  const kind = key.slice(0, Math.max(0, key.indexOf(":")));
  return `${kind}:${createHash("sha256").update(key, "utf8").digest("hex").slice(0, 16)}`;
}

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

/**
 * Password-reset requests (every one counts, whether or not the address has an account, so the
 * answers tell nothing about which addresses do): 3 e-mails an hour to one address, 20 requests
 * an hour from one caller address. Keys `reset:<email>` and `reset-ip:<ip>`.
 */
export const RESET_EMAIL: ThrottleRule = {
  max: 3,
  windowMs: 60 * MINUTE,
  lockMs: () => 60 * MINUTE,
};
export const RESET_IP: ThrottleRule = { max: 20, windowMs: 60 * MINUTE, lockMs: () => 60 * MINUTE };

/** The throttle keys of one password-reset request: the address asked for and the caller's. */
export function resetKeys(email: string, ip: string | null): { key: string; rule: ThrottleRule }[] {
  const keys = [{ key: `reset:${email.trim().toLowerCase()}`, rule: RESET_EMAIL }];
  if (ip !== null && ip !== "") keys.push({ key: `reset-ip:${ip}`, rule: RESET_IP });
  return keys;
}

/** The 429 of a password-reset request over its limits; the same for every address. */
export function tooManyResets(remainingMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
  return new AppError(
    "too_many_requests",
    `Too many password-reset requests; try again in ${retryAfterSeconds} seconds. A link sent earlier still works for 48 hours.`,
    [],
    { retryAfterSeconds },
  );
}

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
  const locks = await locksAfter(
    db,
    keys.map((k) => k.key),
    toDbInstant(now),
  );
  let until = now;
  for (const lockedUntil of locks) {
    if (lockedUntil !== null) until = Math.max(until, fromDbInstant(lockedUntil));
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

/**
 * Counts one failed attempt (or, for resets, one request) on each key; locks the keys over their
 * limit and audits each lock under `lockAction`.
 */
export async function recordFailure(
  trx: Transaction<Database>,
  keys: readonly { key: string; rule: ThrottleRule }[],
  now: number,
  ip: string | null,
  lockAction = "session.sign_in_locked",
): Promise<void> {
  const nowAt = toDbInstant(now);
  for (const { key, rule } of keys) {
    const failures = await countFailure(trx, key, nowAt, toDbInstant(now - rule.windowMs));
    if (failures < rule.max) continue;
    const lockedUntil = toDbInstant(now + rule.lockMs(failures));
    await lockKey(trx, key, lockedUntil);
    await appendAudit(trx, {
      actor: "anonymous",
      action: lockAction,
      entityType: "login_throttle",
      // The key holds an e-mail address and an IP: personal (ADR 0028). The entity is named by
      // its kind and a digest, the key itself kept in the erasable personal part.
      entityId: throttleEntityId(key),
      summary: { failures, lockedUntil },
      ip,
      at: now,
      personal: { key },
    });
  }
}

/** Forgets the failures counted on the account and pair keys (after a successful sign-in). */
export async function clearFailures(
  trx: Transaction<Database>,
  keys: readonly { key: string; rule: ThrottleRule }[],
): Promise<void> {
  const mine = keys.filter((k) => k.rule !== IP).map((k) => k.key);
  if (mine.length > 0) await deleteThrottleKeys(trx, mine);
}

/** Lifts every lock and count of an account (its own key and all its pairs); the number lifted. */
export async function liftAccountLocks(trx: Transaction<Database>, email: string): Promise<number> {
  return deleteAccountThrottle(trx, accountKey(email), pairPrefix(email));
}
