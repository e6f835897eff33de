// A short in-process cache of session lookups (ADR 0011): every cookie request otherwise queries
// `sessions` joined with `users`. One per process, a field of AppDeps (`deps.sessions`), shared by
// the authenticator and the use cases that invalidate it. An entry lives SESSION_CACHE_MS of its
// clock at most (monotonic real time in the service, a hand-moved clock in tests), and the
// session's own expiry is still checked on every hit. Every change that can end a session or
// change what it may do (sign-out, sign-in replacing a session, any user update: disable, role,
// password) empties the cache of that database after its transaction commits; a lookup that was
// running meanwhile does not store its (possibly stale) row. A change made by another process, or
// by hand in the database, reaches this process within SESSION_CACHE_MS.

import type { UserRow } from "../../db/schema.js";

/** How long a looked-up session is trusted without asking the database again. */
export const SESSION_CACHE_MS = 2_000;
const MAX_ENTRIES = 10_000;

/** What the session lookup returns (sessions joined with users). */
export interface CachedSession {
  readonly session_id: string;
  readonly csrf_token: string;
  readonly expires_at: string;
  readonly id: string;
  readonly role: UserRow["role"];
  readonly client_id: string | null;
  readonly disabled: number;
}

/**
 * Entries are keyed by the session cookie's value itself, so a hit costs no SHA-256: the secret
 * is in this process's memory anyway while its request runs, the map holds at most MAX_ENTRIES
 * for SESSION_CACHE_MS, and nothing of it is ever written out (the database keeps only hashes).
 */
export class SessionCache<V = unknown> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  #generation = 0;
  readonly ttlMs: number;
  readonly #now: () => number;

  /** `now`: monotonic milliseconds (e.g. `performance.now`), never a business clock. */
  constructor(options: { readonly now: () => number; readonly ttlMs?: number }) {
    this.#now = options.now;
    this.ttlMs = options.ttlMs ?? SESSION_CACHE_MS;
  }

  /** The cached value of a session cookie, if still fresh. */
  get(token: string): V | undefined {
    const e = this.#entries.get(token);
    if (e === undefined) return undefined;
    if (e.until <= this.#now()) {
      this.#entries.delete(token);
      return undefined;
    }
    return e.value;
  }

  /** Taken before a lookup; `set` stores its result only if nothing was invalidated meanwhile. */
  generation(): number {
    return this.#generation;
  }

  set(token: string, value: V, generation: number): void {
    if (this.ttlMs <= 0 || generation !== this.#generation) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(token, { value, until: this.#now() + this.ttlMs });
  }

  /** Forgets every session (after a sign-out or an account change has committed). */
  invalidate(): void {
    this.#generation++;
    this.#entries.clear();
  }
}

/**
 * Waits for `work` (a transaction that may end sessions or change users), then empties the
 * session cache (`deps.sessions`), whether the work committed or failed.
 */
export async function thenForgetSessions<T>(
  sessions: Pick<SessionCache, "invalidate">,
  work: Promise<T>,
): Promise<T> {
  try {
    return await work;
  } finally {
    sessions.invalidate();
  }
}
