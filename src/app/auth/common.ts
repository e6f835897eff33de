// Shared pieces of the account use cases: who is calling, e-mail and name rules, and recognising
// a unique-constraint violation on either database.

import { actorRef, can, refusal, type Action } from "../../core/access/index.js";
import type { ActionContext } from "../context.js";
import { AppError, invalidField } from "../errors.js";

/**
 * Who runs an account use case: a caller of the API, or the system itself (the demo seed, tests,
 * the CLI), which the audit trail records as `system` and which needs no permission.
 */
export type Caller = ActionContext | "system";

/** Managing accounts and API tokens is an admin's: the one role the core grants `user.write`. */
export const MANAGE_ACCOUNTS: Action = "user.write";

/** The audit trail's actor for a caller. */
export function callerRef(ctx: Caller): string {
  return ctx === "system" ? "system" : actorRef(ctx.actor);
}

export function callerIp(ctx: Caller): string | null {
  return ctx === "system" ? null : ctx.ip;
}

/** Refuses (403) a caller who may not manage accounts; the system always may. */
export function requireAccountAdmin(ctx: Caller): void {
  if (ctx !== "system" && !can(ctx.actor, MANAGE_ACCOUNTS)) {
    throw new AppError("forbidden", refusal(ctx.actor, MANAGE_ACCOUNTS));
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The stored form of an e-mail address (trimmed, lower-cased), or invalid_input naming `path`. */
export function normalizeEmail(email: string, path: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !EMAIL.test(normalized)) {
    throw invalidField(path, "is not an e-mail address");
  }
  return normalized;
}

/** A display name: trimmed, 1 to 200 characters, no control characters. */
export function checkName(name: string, path: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw invalidField(path, "must be 1 to 200 characters");
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw invalidField(path, "must not contain control characters");
  }
  return trimmed;
}

/** True when a database error is a unique-constraint violation (PostgreSQL or SQLite). */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return (
    code === "23505" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}
