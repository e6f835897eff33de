import type { Kysely, Transaction } from "kysely";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { Database, Role, UserRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";
import {
  callerIp,
  callerRef,
  checkName,
  isUniqueViolation,
  normalizeEmail,
  requireAccountAdmin,
  type Caller,
} from "./common.js";
import { checkPasswordRules, hashPassword } from "./passwords.js";
import { presentUser, type UserView } from "./present.js";
import { clientExists } from "../clients/repository.js";
import { emailInUse, insertUser } from "./repository.js";

export const ROLES: readonly Role[] = ["client", "qa", "finance", "admin"];

export interface CreateUserInput {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** Required for role `client` (an existing client), absent or null for staff. */
  readonly clientId?: string | null;
  /** Absent: the account has no password until its invitation link sets one. */
  readonly password?: string;
}

/** Stored instead of a hash while an invited account has no password: it never matches. */
export const NO_PASSWORD = "!";

/** Creates a user account with an argon2id password hash; 409 when the e-mail is taken. */
export async function createUser(
  deps: AppDeps,
  ctx: Caller,
  input: CreateUserInput,
  /** More writes in the same transaction (an invitation's token and e-mail). */
  also?: (trx: Transaction<Database>, user: UserRow, now: number) => Promise<void>,
): Promise<UserView> {
  requireAccountAdmin(ctx);
  const email = normalizeEmail(input.email, "body.email");
  const name = checkName(input.name, "body.name");
  const role = checkRole(input.role, "body.role");
  const clientId = checkClientIdForRole(role, input.clientId ?? null, "body.clientId");
  if (input.password !== undefined) checkPasswordRules(input.password, "body.password");
  // Hashed before the transaction: it takes tens of milliseconds and must not hold the write lock.
  const passwordHash =
    input.password === undefined ? NO_PASSWORD : await hashPassword(input.password);
  const now = deps.clock();
  const row: UserRow = {
    id: newId("usr"),
    email,
    name,
    role,
    client_id: clientId,
    password_hash: passwordHash,
    disabled: 0,
    created_at: toDbInstant(now),
    updated_at: toDbInstant(now),
    erased_at: null,
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      if (clientId !== null) await requireClient(trx, clientId, "body.clientId");
      if (await emailInUse(trx, email)) throw emailTaken();
      await insertUser(trx, row);
      await appendAudit(trx, {
        actor: callerRef(ctx),
        action: "user.created",
        entityType: "user",
        entityId: row.id,
        summary: { role, clientId },
        ip: callerIp(ctx),
        at: now,
        personal: { email, name },
      });
      if (also !== undefined) await also(trx, row, now);
    });
  } catch (err) {
    // Two concurrent creations with one address: the unique index decides, the loser gets 409.
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  return presentUser(row);
}

function emailTaken(): AppError {
  return new AppError("conflict", "a user with this e-mail address already exists", [
    { path: "body.email", message: "is already in use" },
  ]);
}

/** The role, or invalid_input naming `path`. */
export function checkRole(role: string, path: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw invalidField(path, `must be one of ${ROLES.join(", ")}`);
  }
  return role as Role;
}

/** A client user belongs to exactly one client; staff to none (the users table checks it too). */
export function checkClientIdForRole(
  role: Role,
  clientId: string | null,
  path: string,
): string | null {
  if (role === "client" && clientId === null)
    throw invalidField(path, "is required for role client");
  if (role !== "client" && clientId !== null) throw invalidField(path, "is only for role client");
  return clientId;
}

/** Refuses (400 naming `path`) a client id with no client row. */
export async function requireClient(
  db: Kysely<Database> | Transaction<Database>,
  clientId: string,
  path: string,
): Promise<void> {
  if (!(await clientExists(db, clientId))) throw invalidField(path, "no client has this id");
}
