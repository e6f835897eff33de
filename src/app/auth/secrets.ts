// Bearer secrets (session cookies, CSRF tokens, API tokens): 32 random bytes, base64url. Only
// their SHA-256 is stored, so a copy of the database signs nobody in. A plain hash is enough here
// (unlike passwords): the secrets are random with 256 bits, nothing to guess from a dictionary.

import { createHash, randomBytes } from "node:crypto";

/** Every API token starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = "rdt_";

/** A new random secret: 32 bytes as base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A new API token: `rdt_` and a random secret. */
export function newApiTokenSecret(): string {
  return `${API_TOKEN_PREFIX}${newSecret()}`;
}

/** sha256 hex of a secret: what the database stores and looks up. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
