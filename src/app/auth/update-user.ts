import { can, userIdOf } from "../../core/access/index.js";
import { appendAudit, type JsonValue } from "../../db/audit.js";
import type { Role, UserUpdate } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { thenForgetSessions } from "./session-cache.js";
import { AppError, invalidField } from "../errors.js";
import { callerIp, callerRef, checkName, MANAGE_ACCOUNTS } from "./common.js";
import { checkClientIdForRole, checkRole, requireClient } from "./create-user.js";
import { requireVisibleUser } from "./get-user.js";
import { checkPasswordRules, hashPassword, verifyPassword } from "./passwords.js";
import { presentUser, type UserView } from "./present.js";
import {
  deleteSessionsOf,
  findUser,
  otherActiveAdmins,
  readUser,
  updateUserRow,
} from "./repository.js";
import { secretHash } from "./secrets.js";
import { lockRemainingMs, recordFailure, throttleKeys, tooManyAttempts } from "./throttle.js";

export interface UpdateUserInput {
  // An admin's changes:
  readonly name?: string;
  readonly role?: Role;
  readonly clientId?: string | null;
  readonly disabled?: boolean;
  // A new password: one's own with the current one; an admin may reset another user's without.
  readonly password?: string;
  readonly currentPassword?: string;
}

export interface UpdateUserOptions {
  /** The caller's own session cookie, kept when they change their own password. */
  readonly currentSessionToken?: string | undefined;
}

/**
 * Changes a user account. Admins change name, role, client and the disabled flag, and may reset
 * another user's password; anyone signed in may change their own password by giving the current
 * one. Disabling a user or changing a password ends that user's other sessions. The last enabled
 * admin cannot be disabled or demoted, so the desk never locks itself out.
 */
export async function updateUser(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: UpdateUserInput,
  options: UpdateUserOptions = {},
): Promise<UserView> {
  const found = await findUser(deps.db, id);
  const target = requireVisibleUser(ctx, found);
  const isSelf = userIdOf(ctx.actor) === target.id;
  const isAdmin = can(ctx.actor, MANAGE_ACCOUNTS);

  const adminFields = (["name", "role", "clientId", "disabled"] as const).filter(
    (f) => input[f] !== undefined,
  );
  if (adminFields.length > 0 && !isAdmin) {
    throw new AppError("forbidden", `only an admin may change ${adminFields.join(", ")}`);
  }
  if (adminFields.length === 0 && input.password === undefined) {
    throw invalidField("body", "nothing to change");
  }
  if (input.currentPassword !== undefined && input.password === undefined) {
    throw invalidField("body.password", "is required with currentPassword");
  }

  let newHash: string | null = null;
  if (input.password !== undefined) {
    if (isSelf) {
      if (input.currentPassword === undefined) {
        throw invalidField("body.currentPassword", "is required to change your own password");
      }
      await checkCurrentPassword(deps, ctx, target, input.currentPassword);
    } else if (!isAdmin) {
      throw new AppError("forbidden", "only an admin may set another user's password");
    } else if (input.currentPassword !== undefined) {
      throw invalidField("body.currentPassword", "is only for changing your own password");
    }
    checkPasswordRules(input.password, "body.password");
    newHash = await hashPassword(input.password);
  }

  const name = input.name === undefined ? undefined : checkName(input.name, "body.name");
  const role = input.role === undefined ? undefined : checkRole(input.role, "body.role");
  const now = deps.clock();

  // Any change of the user (disabled, role, password) also reaches this process's session cache.
  const work = deps.db.transaction().execute(async (trx) => {
    const before = await findUser(trx, id);
    if (before === undefined) throw new AppError("not_found", "user not found");

    const nextRole = role ?? before.role;
    // Leaving the client role drops the client; entering it needs one (checked below).
    const nextClientId =
      input.clientId !== undefined
        ? input.clientId
        : nextRole === "client"
          ? before.client_id
          : null;
    checkClientIdForRole(nextRole, nextClientId, "body.clientId");
    if (nextClientId !== null && nextClientId !== before.client_id) {
      await requireClient(trx, nextClientId, "body.clientId");
    }
    const nextDisabled =
      input.disabled === undefined ? Number(before.disabled) : input.disabled ? 1 : 0;

    const set: UserUpdate = {};
    const changes: Record<string, JsonValue> = {};
    const personal: Record<string, JsonValue> = {};
    if (name !== undefined && name !== before.name) {
      set.name = name;
      // A name is personal: kept in the entry's erasable part, the summary only says it changed.
      personal["name"] = { from: before.name, to: name };
      changes["name"] = "changed";
    }
    if (nextRole !== before.role) {
      set.role = nextRole;
      changes["role"] = { from: before.role, to: nextRole };
    }
    if (nextClientId !== before.client_id) {
      set.client_id = nextClientId;
      changes["clientId"] = { from: before.client_id, to: nextClientId };
    }
    if (nextDisabled !== Number(before.disabled)) {
      set.disabled = nextDisabled;
      changes["disabled"] = { from: Number(before.disabled) === 1, to: nextDisabled === 1 };
    }
    if (newHash !== null) {
      set.password_hash = newHash;
      changes["password"] = "changed"; // never the password or its hash
    }
    if (Object.keys(changes).length === 0) return before;

    const wasActiveAdmin = before.role === "admin" && Number(before.disabled) === 0;
    const staysActiveAdmin = nextRole === "admin" && nextDisabled === 0;
    if (wasActiveAdmin && !staysActiveAdmin) {
      if ((await otherActiveAdmins(trx, id)) === 0) {
        throw new AppError("conflict", "the last enabled admin cannot be disabled or demoted");
      }
    }

    set.updated_at = toDbInstant(now);
    await updateUserRow(trx, id, set);
    if (nextDisabled === 1 || newHash !== null) {
      // A disabled user's sessions end; a new password ends every other session of the user.
      const keep =
        nextDisabled === 0 && isSelf && options.currentSessionToken !== undefined
          ? secretHash(options.currentSessionToken)
          : undefined;
      await deleteSessionsOf(trx, id, keep);
    }
    await appendAudit(trx, {
      actor: callerRef(ctx),
      action:
        newHash !== null && adminFields.length === 0 ? "user.password_changed" : "user.updated",
      entityType: "user",
      entityId: id,
      summary: changes,
      ip: callerIp(ctx),
      at: now,
      personal,
    });
    return readUser(trx, id);
  });
  const updated = await thenForgetSessions(deps.sessions, work);
  return presentUser(updated);
}

/**
 * Checks the current password of a self-service change. Failures count towards the sign-in
 * throttle of the account's address, so a stolen session cannot be used to guess the password.
 */
async function checkCurrentPassword(
  deps: AppDeps,
  ctx: ActionContext,
  user: { readonly id: string; readonly email: string; readonly password_hash: string },
  currentPassword: string,
): Promise<void> {
  const keys = throttleKeys(user.email, null);
  const locked = await lockRemainingMs(deps.db, keys, deps.clock());
  if (locked > 0) throw tooManyAttempts(locked);
  const malformed = (err: unknown) =>
    deps.logger.error(
      { err, userId: user.id },
      "a user's stored password hash is malformed: no password can match it",
    );
  if (await verifyPassword(user.password_hash, currentPassword, malformed)) return;
  const failedAt = deps.clock();
  await deps.db.transaction().execute((trx) => recordFailure(trx, keys, failedAt, ctx.ip));
  throw invalidField("body.currentPassword", "is not the current password");
}
