// People and their ways in, in the database: user accounts, sessions (the row id is the cookie's
// SHA-256), API tokens (stored by their SHA-256), invitation and password-reset tokens, and the
// sign-in throttle's counters. The reads of one's own sessions a page at a time are queries.ts's.

import { sql, type Kysely, type Transaction } from "kysely";
import { keysetPage } from "../../db/keyset.js";
import { precompile } from "../../db/precompiled.js";
import type {
  AccountTokenPurpose,
  AccountTokenRow,
  ApiTokenRow,
  Database,
  Role,
  SessionRow,
  UserRow,
  UserUpdate,
} from "../../db/schema.js";
import type { PageQuery } from "./pagination.js";
import type { CachedSession } from "./session-cache.js";

type Db = Kysely<Database> | Transaction<Database>;

// --- users ---

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The user after a change in the same transaction (it exists: throws if not). */
export async function readUser(db: Db, id: string): Promise<UserRow> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
}

/** The id and disabled flag of the account with this (normalised) address, if any. */
export async function findAccountByEmail(
  db: Db,
  email: string,
): Promise<Pick<UserRow, "id" | "disabled"> | undefined> {
  return db
    .selectFrom("users")
    .select(["id", "disabled"])
    .where("email", "=", email)
    .executeTakeFirst();
}

/** True when an account has this (normalised) address. */
export async function emailInUse(db: Db, email: string): Promise<boolean> {
  const taken = await db
    .selectFrom("users")
    .select("id")
    .where("email", "=", email)
    .executeTakeFirst();
  return taken !== undefined;
}

/** The id and address of a user, if it exists. */
export async function findUserEmail(
  db: Db,
  id: string,
): Promise<Pick<UserRow, "id" | "email"> | undefined> {
  return db.selectFrom("users").select(["id", "email"]).where("id", "=", id).executeTakeFirst();
}

/** The addresses, password hashes and disabled flags of the accounts with these addresses. */
export async function accountsByEmail(
  db: Db,
  emails: readonly string[],
): Promise<Pick<UserRow, "email" | "password_hash" | "disabled">[]> {
  return db
    .selectFrom("users")
    .select(["email", "password_hash", "disabled"])
    .where("email", "in", emails)
    .execute();
}

/** The addresses of the enabled administrators. */
export async function activeAdminEmails(db: Db): Promise<string[]> {
  const admins = await db
    .selectFrom("users")
    .select("email")
    .where("role", "=", "admin")
    .where("disabled", "=", 0)
    .execute();
  return admins.map((a) => a.email);
}

/** How many enabled administrators there are besides user `id`. */
export async function otherActiveAdmins(db: Db, id: string): Promise<number> {
  const others = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("role", "=", "admin")
    .where("disabled", "=", 0)
    .where("id", "<>", id)
    .executeTakeFirstOrThrow();
  return Number(others.n);
}

/** One page of user accounts, oldest first, of one role and/or client when given. */
export async function userPage(
  db: Db,
  filter: { readonly role?: Role | undefined; readonly clientId?: string | undefined },
  page: PageQuery,
): Promise<UserRow[]> {
  let q = db.selectFrom("users").selectAll();
  if (filter.role !== undefined) q = q.where("role", "=", filter.role);
  if (filter.clientId !== undefined) q = q.where("client_id", "=", filter.clientId);
  return keysetPage(q, page).execute();
}

export async function insertUser(trx: Db, row: UserRow): Promise<void> {
  await trx.insertInto("users").values(row).execute();
}

/** Writes the given columns of a user. */
export async function updateUserRow(trx: Db, id: string, set: UserUpdate): Promise<void> {
  await trx.updateTable("users").set(set).where("id", "=", id).execute();
}

// --- sessions ---

/** The session's user, if the session is current at `now` (the query of every cookie request). */
export async function findSessionActor(
  db: Db,
  sessionId: string,
  now: string,
): Promise<CachedSession | undefined> {
  return SESSION_ACTOR.executeTakeFirst(db, { id: sessionId, now });
}

const SESSION_ACTOR = precompile<{ id: string; now: string }>()((db, p) =>
  db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select([
      "sessions.id as session_id",
      "sessions.csrf_token",
      "sessions.expires_at",
      "users.id",
      "users.role",
      "users.client_id",
      "users.disabled",
    ])
    .where("sessions.id", "=", p("id"))
    .where("sessions.expires_at", ">", p("now")),
);

/** A session's CSRF token and expiry, if the session exists. */
export async function findSessionCsrf(
  db: Db,
  sessionId: string,
): Promise<Pick<SessionRow, "csrf_token" | "expires_at"> | undefined> {
  return db
    .selectFrom("sessions")
    .select(["csrf_token", "expires_at"])
    .where("id", "=", sessionId)
    .executeTakeFirst();
}

export async function insertSession(trx: Db, row: SessionRow): Promise<void> {
  await trx.insertInto("sessions").values(row).execute();
}

export async function deleteSession(trx: Db, sessionId: string): Promise<void> {
  await trx.deleteFrom("sessions").where("id", "=", sessionId).execute();
}

/** Deletes a session; the user it was of, or undefined when there was none. */
export async function deleteSessionOfUser(
  trx: Db,
  sessionId: string,
): Promise<{ user_id: string } | undefined> {
  return trx
    .deleteFrom("sessions")
    .where("id", "=", sessionId)
    .returning("user_id")
    .executeTakeFirst();
}

/** Deletes the user's sessions that expired at or before `now`. */
export async function deleteExpiredSessions(trx: Db, userId: string, now: string): Promise<void> {
  await trx
    .deleteFrom("sessions")
    .where("user_id", "=", userId)
    .where("expires_at", "<=", now)
    .execute();
}

/** Deletes every session of the user, or every one but `exceptSessionId`. */
export async function deleteSessionsOf(
  trx: Db,
  userId: string,
  exceptSessionId?: string,
): Promise<void> {
  let del = trx.deleteFrom("sessions").where("user_id", "=", userId);
  if (exceptSessionId !== undefined) del = del.where("id", "<>", exceptSessionId);
  await del.execute();
}

/** The row ids of the user's sessions (expired ones too). */
export async function sessionIdsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom("sessions").select("id").where("user_id", "=", userId).execute();
  return rows.map((r) => r.id);
}

// --- API tokens ---

/** The unrevoked token with this SHA-256: its id, scopes (JSON) and last use. */
export async function findLiveApiToken(
  db: Db,
  tokenHash: string,
): Promise<Pick<ApiTokenRow, "id" | "scopes" | "last_used_at"> | undefined> {
  return db
    .selectFrom("api_tokens")
    .select(["id", "scopes", "last_used_at"])
    .where("token_hash", "=", tokenHash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

export async function setApiTokenLastUsed(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", id).execute();
}

export async function findApiToken(db: Db, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertApiToken(trx: Db, row: ApiTokenRow): Promise<void> {
  await trx.insertInto("api_tokens").values(row).execute();
}

/** Revokes a token at `at`, unless it is revoked already. */
export async function revokeApiTokenRow(trx: Db, id: string, at: string): Promise<void> {
  await trx
    .updateTable("api_tokens")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}

/** One page of API tokens, oldest first. */
export async function apiTokenPage(db: Db, page: PageQuery): Promise<ApiTokenRow[]> {
  return keysetPage(db.selectFrom("api_tokens").selectAll(), page).execute();
}

// --- invitation and password-reset tokens ---

/** Deletes the user's unused tokens of one purpose (a newer one replaces them). */
export async function deleteUnusedAccountTokens(
  trx: Db,
  userId: string,
  purpose: AccountTokenPurpose,
): Promise<void> {
  await trx
    .deleteFrom("account_tokens")
    .where("user_id", "=", userId)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .execute();
}

export async function insertAccountToken(trx: Db, row: AccountTokenRow): Promise<void> {
  await trx.insertInto("account_tokens").values(row).execute();
}

export async function findAccountToken(
  db: Db,
  tokenHash: string,
): Promise<AccountTokenRow | undefined> {
  return db
    .selectFrom("account_tokens")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
}

/** Uses a token up at `at`; false when it was used already (by a concurrent redemption). */
export async function useAccountToken(trx: Db, id: string, at: string): Promise<boolean> {
  const used = await trx
    .updateTable("account_tokens")
    .set({ used_at: at })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return used.numUpdatedRows !== 0n;
}

// --- the sign-in throttle ---

/** The `locked_until` of those keys whose lock runs past `now`. */
export async function locksAfter(
  db: Db,
  keys: readonly string[],
  now: string,
): Promise<(string | null)[]> {
  const rows = await db
    .selectFrom("login_throttle")
    .select("locked_until")
    .where("key", "in", keys)
    .where("locked_until", ">", now)
    .execute();
  return rows.map((r) => r.locked_until);
}

/**
 * Counts one failure on `key`, in one atomic upsert (concurrent failures each count, on both
 * databases): a window that started at or before `cutoff` starts again at `now` with 1. Returns
 * the failures counted in the window.
 */
export async function countFailure(
  trx: Db,
  key: string,
  now: string,
  cutoff: string,
): Promise<number> {
  // Inside ON CONFLICT DO UPDATE, `login_throttle.x` is the stored row; every expression sees
  // the row as it was before this update, on both databases.
  const expired = sql<boolean>`login_throttle.window_started_at <= ${cutoff}`;
  const counted = sql<number>`case when ${expired} then 1 else login_throttle.failures + 1 end`;
  const row = await trx
    .insertInto("login_throttle")
    .values({ key, failures: 1, window_started_at: now, locked_until: null })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        failures: counted,
        window_started_at: sql<string>`case when ${expired} then ${now} else login_throttle.window_started_at end`,
      }),
    )
    .returning(["failures"])
    .executeTakeFirstOrThrow();
  return Number(row.failures);
}

export async function lockKey(trx: Db, key: string, lockedUntil: string): Promise<void> {
  await trx
    .updateTable("login_throttle")
    .set({ locked_until: lockedUntil })
    .where("key", "=", key)
    .execute();
}

/** Forgets the counts and locks of these keys. */
export async function deleteThrottleKeys(trx: Db, keys: readonly string[]): Promise<void> {
  await trx.deleteFrom("login_throttle").where("key", "in", keys).execute();
}

/**
 * Forgets the counts and locks of an account: its own key and every key starting with its pair
 * prefix (which ends in `|`). Returns how many were removed.
 */
export async function deleteAccountThrottle(
  trx: Db,
  accountKey: string,
  pairPrefix: string,
): Promise<number> {
  // '|' + 1 = '}': every key starting with the prefix sorts in [prefix, prefix with '}').
  const result = await trx
    .deleteFrom("login_throttle")
    .where((eb) =>
      eb.or([
        eb("key", "=", accountKey),
        eb.and([eb("key", ">=", pairPrefix), eb("key", "<", `${pairPrefix.slice(0, -1)}}`)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
