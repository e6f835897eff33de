// What the API shows of accounts and tokens. Built field by field from the row, so a column added
// later (or the password hash) never reaches a response by accident.

import type { Role } from "../../db/schema.js";
import type { ApiTokenRow, ClientRow, UserRow } from "../../db/schema.js";

/** A user account as the API shows it: never its password hash. */
export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly clientId: string | null;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An API token as listed: never the token or its hash. */
export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface ClientView {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function presentUser(row: UserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    clientId: row.client_id,
    disabled: Number(row.disabled) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function presentApiToken(row: ApiTokenRow): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function presentClient(row: ClientRow): ClientView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The stored JSON array of scopes; anything else reads as no scopes (fail closed), and is
 * reported to `onCorrupt` (the caller logs it: a token that silently lost its scopes is a bug).
 */
export function parseScopes(json: string, onCorrupt?: (error: unknown) => void): string[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    onCorrupt?.(err);
    return [];
  }
  if (!Array.isArray(value)) {
    onCorrupt?.(new TypeError("scopes are not a JSON array"));
    return [];
  }
  return value.filter((s): s is string => typeof s === "string");
}
