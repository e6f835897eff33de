import { appendAudit } from "../../db/audit.js";
import type { UserRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import {
  hashPassword,
  passwordNeedsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from "./passwords.js";
import { NO_PASSWORD } from "./create-user.js";
import {
  deleteExpiredSessions,
  deleteSession,
  findUserByEmail,
  insertSession,
  readUser,
  updateUserRow,
} from "./repository.js";
import { newSecret, secretHash } from "./secrets.js";
import { thenForgetSessions } from "./session-cache.js";
import { userSessionView, type SessionView } from "./session-view.js";
import {
  clearFailures,
  lockRemainingMs,
  recordFailure,
  throttleKeys,
  tooManyAttempts,
} from "./throttle.js";

/** How long a session lasts from sign-in (not extended by use). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface SignInInput {
  readonly email: string;
  readonly password: string;
  /** The session cookie the browser still had, if any: that session ends now. */
  readonly previousSessionToken?: string | undefined;
}

export interface SignedIn {
  /** The cookie value. Shown to nobody else: the database keeps only its SHA-256. */
  readonly sessionToken: string;
  readonly session: SessionView;
}

/** One answer for an unknown address, a wrong password and a disabled account. */
function badCredentials(): AppError {
  return new AppError("unauthenticated", "wrong e-mail address or password");
}

/**
 * Checks the password and opens a session. Refused with 429 while the address or the IP is locked
 * after repeated failures; every other failure is the same 401 and takes about the same time.
 */
export async function signIn(
  deps: AppDeps,
  ctx: ActionContext,
  input: SignInInput,
): Promise<SignedIn> {
  const email = input.email.trim().toLowerCase();
  const keys = throttleKeys(email, ctx.ip);
  const locked = await lockRemainingMs(deps.db, keys, deps.clock());
  if (locked > 0) {
    deps.metrics.signInThrottled.inc();
    throw tooManyAttempts(locked);
  }

  const user = await findUserByEmail(deps.db, email);
  const matches =
    user === undefined || user.password_hash === NO_PASSWORD
      ? // An unknown address, or an invited account without a password yet: the same cost.
        (await verifyAgainstDummy(input.password)) && false
      : await verifyPassword(user.password_hash, input.password, (err) =>
          deps.logger.error(
            { err, userId: user.id },
            "a user's stored password hash is malformed: no password can match it",
          ),
        );
  if (user === undefined || !matches || Number(user.disabled) !== 0) {
    const failedAt = deps.clock();
    await deps.db.transaction().execute((trx) => recordFailure(trx, keys, failedAt, ctx.ip));
    deps.metrics.signInFailures.inc();
    throw badCredentials();
  }

  const rehashed = passwordNeedsRehash(user.password_hash)
    ? await hashPassword(input.password)
    : null;
  const sessionToken = newSecret();
  const csrfToken = newSecret();
  const now = deps.clock();
  const expiresAt = toDbInstant(now + SESSION_TTL_MS);
  let current: UserRow = user;
  const work = deps.db.transaction().execute(async (trx) => {
    if (input.previousSessionToken !== undefined) {
      await deleteSession(trx, secretHash(input.previousSessionToken));
    }
    // Expired sessions of this user go now; nothing else reads them.
    await deleteExpiredSessions(trx, user.id, toDbInstant(now));
    await insertSession(trx, {
      id: secretHash(sessionToken),
      user_id: user.id,
      csrf_token: csrfToken,
      created_at: toDbInstant(now),
      expires_at: expiresAt,
    });
    await clearFailures(trx, keys);
    if (rehashed !== null) {
      await updateUserRow(trx, user.id, { password_hash: rehashed });
    }
    // Re-read inside the transaction: the role or the disabled flag may have changed meanwhile.
    current = await readUser(trx, user.id);
    if (Number(current.disabled) !== 0) throw badCredentials();
    await appendAudit(trx, {
      actor: `user:${user.id}`,
      action: "session.signed_in",
      entityType: "user",
      entityId: user.id,
      summary: { expiresAt },
      ip: ctx.ip,
      at: now,
    });
  });
  // A replaced session (previousSessionToken) also ends in this process's session cache.
  await (input.previousSessionToken === undefined ? work : thenForgetSessions(deps.sessions, work));
  return { sessionToken, session: userSessionView(current, csrfToken, expiresAt) };
}
