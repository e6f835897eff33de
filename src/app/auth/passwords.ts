// Password hashing: argon2id with the OWASP minimum parameters (19 MiB, 2 passes, 1 lane), which
// keep a sign-in near 50-100 ms on a small machine. Passwords are NFKC-normalised first, so the same
// characters typed on another keyboard or OS still match (NIST SP 800-63B).

import argon2 from "argon2";
import { invalidField } from "../errors.js";

/** argon2id cost parameters; a stored hash with other parameters is re-hashed at the next sign-in. */
export const ARGON2_PARAMS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

export const PASSWORD_MIN_LENGTH = 12;
// Long enough for any passphrase, short enough that hashing it costs nothing extra.
export const PASSWORD_MAX_LENGTH = 256;

/** Throws invalid_input naming `path` unless the password has an acceptable length. */
export function checkPasswordRules(password: string, path: string): void {
  const length = [...password.normalize("NFKC")].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw invalidField(path, `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw invalidField(path, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
}

/** The argon2id PHC string of a password. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password.normalize("NFKC"), ARGON2_PARAMS);
}

/**
 * True when the password matches the stored hash. A malformed hash never matches, and is
 * reported to `onMalformed` (the caller logs it: that account cannot sign in until reset).
 */
export async function verifyPassword(
  hash: string,
  password: string,
  onMalformed?: (error: unknown) => void,
): Promise<boolean> {
  try {
    return await argon2.verify(hash, password.normalize("NFKC"));
  } catch (err) {
    onMalformed?.(err);
    return false;
  }
}

/** True when the stored hash was made with other parameters than ARGON2_PARAMS. */
export function passwordNeedsRehash(hash: string): boolean {
  try {
    return argon2.needsRehash(hash, ARGON2_PARAMS);
  } catch {
    return true;
  }
}

let dummy: Promise<string> | undefined;

/** Makes the dummy hash ahead of time, so even the first unknown address costs no extra hash. */
export function prepareDummyHash(): Promise<string> {
  dummy ??= argon2.hash("no account has this password", ARGON2_PARAMS);
  return dummy;
}

/**
 * Spends the time a real verification would when there is no account to check against, so the
 * answer's timing does not tell which e-mail addresses have accounts. Always false.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(await prepareDummyHash(), password);
  return false;
}
