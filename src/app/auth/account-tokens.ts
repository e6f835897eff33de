// Invitations and password resets: a link with a single-use token, valid 48 hours, sent by e-mail
// through the outbox (`account.invitation`, `account.password_reset`). Only the token's SHA-256 is
// stored; the outbox row carries the token to the mailer, which blanks it once the e-mail is sent.
// Redeeming sets the password (never sent anywhere), uses the token up, ends every session of the
// account and lifts its sign-in locks. A newer token of the same purpose replaces an older one.

import type { Transaction } from "kysely";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { AccountTokenPurpose, Database, Role, UserRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";
import { enqueueOutbox } from "../../db/outbox.js";
import { callerIp, callerRef, normalizeEmail, type Caller } from "./common.js";
import { createUser } from "./create-user.js";
import { checkPasswordRules, hashPassword } from "./passwords.js";
import type { UserView } from "./present.js";
import {
  deleteSessionsOf,
  deleteUnusedAccountTokens,
  findAccountByEmail,
  findAccountToken,
  findUser,
  insertAccountToken,
  updateUserRow,
  useAccountToken,
} from "./repository.js";
import { newSecret, secretHash } from "./secrets.js";
import { thenForgetSessions } from "./session-cache.js";
import {
  liftAccountLocks,
  lockRemainingMs,
  recordFailure,
  resetKeys,
  tooManyResets,
} from "./throttle.js";

/** How long a link works. */
export const ACCOUNT_TOKEN_TTL_MS = 48 * 60 * 60 * 1000;

/** The outbox topic of each purpose (the account mailer handles `account.*`). */
export const ACCOUNT_TOPICS: Readonly<Record<AccountTokenPurpose, string>> = {
  invitation: "account.invitation",
  password_reset: "account.password_reset",
};

/** What the outbox row carries to the mailer. */
export interface AccountMailPayload {
  readonly userId: string;
  readonly purpose: AccountTokenPurpose;
  /** The token for the link; blanked (null) once the e-mail has gone out. */
  readonly token: string | null;
  readonly expiresAt: string;
}

/**
 * Stores a new token for the user (replacing the unused ones of that purpose) and, unless
 * `mail` is false, the outbox row of its e-mail. Returns the token and when it expires.
 */
export async function issueAccountToken(
  trx: Transaction<Database>,
  input: {
    readonly userId: string;
    readonly purpose: AccountTokenPurpose;
    readonly createdBy: string | null;
    readonly now: number;
    readonly mail?: boolean;
  },
): Promise<{ token: string; expiresAt: string }> {
  const token = newSecret();
  const expiresAt = toDbInstant(input.now + ACCOUNT_TOKEN_TTL_MS);
  await deleteUnusedAccountTokens(trx, input.userId, input.purpose);
  await insertAccountToken(trx, {
    id: newId("atk"),
    token_hash: secretHash(token),
    user_id: input.userId,
    purpose: input.purpose,
    created_by: input.createdBy,
    created_at: toDbInstant(input.now),
    expires_at: expiresAt,
    used_at: null,
  });
  if (input.mail !== false) {
    const payload: AccountMailPayload = {
      userId: input.userId,
      purpose: input.purpose,
      token,
      expiresAt,
    };
    await enqueueOutbox(trx, ACCOUNT_TOPICS[input.purpose], payload, input.now);
  }
  return { token, expiresAt };
}

export interface InviteInput {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly clientId?: string | null;
}

/** Creates the account without a password and e-mails its invitation link (admins). */
export async function inviteUser(
  deps: AppDeps,
  ctx: Caller,
  input: InviteInput,
): Promise<{ user: UserView; expiresAt: string }> {
  let expiresAt = "";
  const user = await createUser(
    deps,
    ctx,
    { email: input.email, name: input.name, role: input.role, clientId: input.clientId ?? null },
    async (trx, row, now) => {
      const issued = await issueAccountToken(trx, {
        userId: row.id,
        purpose: "invitation",
        createdBy: callerRef(ctx),
        now,
      });
      expiresAt = issued.expiresAt;
      await appendAudit(trx, {
        actor: callerRef(ctx),
        action: "user.invited",
        entityType: "user",
        entityId: row.id,
        summary: { expiresAt },
        ip: callerIp(ctx),
        at: now,
      });
    },
  );
  return { user, expiresAt };
}

/**
 * Sends a password-reset link to the address if an active account has it. Answers the same
 * whether or not one does (nothing tells a caller which addresses have accounts): every request
 * counts against the address asked for and the caller's address alike, in one transaction with
 * the link's issue, and over the limits answers the same 429 (Retry-After) for any address.
 */
export async function requestPasswordReset(
  deps: AppDeps,
  ctx: ActionContext,
  input: { readonly email: string },
): Promise<void> {
  const email = normalizeEmail(input.email, "body.email");
  const now = deps.clock();
  const keys = resetKeys(email, ctx.ip);
  const wait = await lockRemainingMs(deps.db, keys, now);
  if (wait > 0) throw tooManyResets(wait);
  await deps.db.transaction().execute(async (trx) => {
    await recordFailure(trx, keys, now, ctx.ip, "user.password_reset_throttled");
    const user = await findAccountByEmail(trx, email);
    if (user === undefined || Number(user.disabled) !== 0) return;
    await issueAccountToken(trx, {
      userId: user.id,
      purpose: "password_reset",
      createdBy: null,
      now,
    });
    await appendAudit(trx, {
      actor: "anonymous",
      action: "user.password_reset_requested",
      entityType: "user",
      entityId: user.id,
      summary: {},
      ip: ctx.ip,
      at: now,
    });
  });
}

function badLink(): AppError {
  return invalidField(
    "body.token",
    "this link is not valid: it has expired (links work for 48 hours), was used already, or was replaced by a newer one; ask for a new one",
  );
}

/** Sets the password through a link's token; the token is used up and every session ends. */
export async function redeemAccountToken(
  deps: AppDeps,
  ctx: ActionContext,
  input: { readonly token: string; readonly password: string },
): Promise<{ userId: string; email: string }> {
  checkPasswordRules(input.password, "body.password");
  const hash = await hashPassword(input.password);
  const now = deps.clock();
  const work = deps.db.transaction().execute(async (trx) => {
    const row = await findAccountToken(trx, secretHash(input.token));
    if (row === undefined || row.used_at !== null || row.expires_at <= toDbInstant(now)) {
      throw badLink();
    }
    if (!(await useAccountToken(trx, row.id, toDbInstant(now)))) throw badLink();
    const user: UserRow | undefined = await findUser(trx, row.user_id);
    if (user === undefined || Number(user.disabled) !== 0) throw badLink();
    await updateUserRow(trx, user.id, { password_hash: hash, updated_at: toDbInstant(now) });
    await deleteSessionsOf(trx, user.id);
    await liftAccountLocks(trx, user.email);
    await appendAudit(trx, {
      actor: `user:${user.id}`,
      action: row.purpose === "invitation" ? "user.invitation_accepted" : "user.password_reset",
      entityType: "user",
      entityId: user.id,
      summary: { tokenId: row.id },
      ip: ctx.ip,
      at: now,
    });
    return { userId: user.id, email: user.email };
  });
  return thenForgetSessions(deps.sessions, work);
}
