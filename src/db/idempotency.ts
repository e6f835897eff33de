// Idempotency-Key storage (the Stripe design): the first request with a key claims it atomically
// through the (scope, key) primary key; the response is stored with a fingerprint of the request;
// a repeat with the same fingerprint replays the stored response, one with another fingerprint
// is refused, and one that arrives while the first is still running is told so.
//
// `completeIdempotent` accepts a transaction, so the stored response can commit together with
// the change it reports (no window where the change is done but a retry would run it again).

import type { Kysely } from "kysely";
import type { Database, IdempotencyKeyRow } from "./schema.js";
import { toDbInstant } from "./time.js";

/** How long a key is remembered (Stripe: at least 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long an in-flight claim holds before another request may take it over (crash recovery). */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;

export interface IdempotencyRequest {
  /** Whose key: e.g. the user or token id, so two callers' keys never meet. */
  readonly scope: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  /** A hash of what makes the request this request (method, path, canonical body). */
  readonly fingerprint: string;
  /** Epoch ms; default the current time. */
  readonly now?: number;
  readonly ttlMs?: number;
  readonly leaseMs?: number;
}

export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * - `"new"`: this request holds the key; run it, then `completeIdempotent` or `releaseIdempotent`.
 * - `{ replay }`: done before; answer with the stored response.
 * - `"mismatch"`: the key was used for another request (HTTP 422).
 * - `"in_flight"`: the first request with this key is still running (HTTP 409).
 */
export type IdempotencyBegin =
  "new" | "mismatch" | "in_flight" | { readonly replay: StoredResponse };

export interface IdempotencyRef {
  readonly scope: string;
  readonly key: string;
  /** Only the holder (same fingerprint) may complete or release. */
  readonly fingerprint: string;
}

const MAX_ROUNDS = 5;

/** Claims the key atomically, or says why not. Safe under any number of concurrent callers. */
export async function beginIdempotent(
  db: Kysely<Database>,
  req: IdempotencyRequest,
): Promise<IdempotencyBegin> {
  const nowMs = req.now ?? Date.now();
  const now = toDbInstant(nowMs);
  const claim = {
    method: req.method,
    path: req.path,
    fingerprint: req.fingerprint,
    state: "in_flight" as const,
    locked_until: toDbInstant(nowMs + (req.leaseMs ?? IDEMPOTENCY_LEASE_MS)),
    response_status: null,
    response_headers: null,
    response_body: null,
    created_at: now,
    expires_at: toDbInstant(nowMs + (req.ttlMs ?? IDEMPOTENCY_TTL_MS)),
  };
  // A round fails only if the row changes between our insert and our read (released, reaped or
  // taken over by someone else); the next round then sees the new state.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const inserted = await db
      .insertInto("idempotency_keys")
      .values({ scope: req.scope, key: req.key, ...claim })
      .onConflict((oc) => oc.columns(["scope", "key"]).doNothing())
      .returning("key")
      .executeTakeFirst();
    if (inserted !== undefined) return "new";

    const row = await db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("scope", "=", req.scope)
      .where("key", "=", req.key)
      .executeTakeFirst();
    if (row === undefined) continue;

    if (row.expires_at <= now) {
      // Forgotten: the key may be used afresh, for any request.
      if (await takeOver(db, row, claim)) return "new";
      continue;
    }
    if (row.fingerprint !== req.fingerprint || row.method !== req.method || row.path !== req.path) {
      return "mismatch";
    }
    if (row.state === "done") return { replay: storedResponse(row) };
    if (row.locked_until !== null && row.locked_until <= now) {
      // The holder stopped without completing or releasing (a crash): the retry takes over.
      if (await takeOver(db, row, claim)) return "new";
      continue;
    }
    return "in_flight";
  }
  return "in_flight";
}

/** Compare-and-set on the row as we read it: exactly one of several contenders wins. */
async function takeOver(
  db: Kysely<Database>,
  seen: IdempotencyKeyRow,
  claim: Omit<IdempotencyKeyRow, "scope" | "key">,
): Promise<boolean> {
  let q = db
    .updateTable("idempotency_keys")
    .set(claim)
    .where("scope", "=", seen.scope)
    .where("key", "=", seen.key)
    .where("state", "=", seen.state)
    .where("created_at", "=", seen.created_at)
    .where("fingerprint", "=", seen.fingerprint);
  q =
    seen.locked_until === null
      ? q.where("locked_until", "is", null)
      : q.where("locked_until", "=", seen.locked_until);
  const updated = await q.returning("key").executeTakeFirst();
  return updated !== undefined;
}

/** Stores the response of the request that holds the key; false if it no longer holds it. */
export async function completeIdempotent(
  db: Kysely<Database>,
  ref: IdempotencyRef,
  response: StoredResponse,
): Promise<boolean> {
  const updated = await db
    .updateTable("idempotency_keys")
    .set({
      state: "done",
      locked_until: null,
      response_status: response.status,
      response_headers: JSON.stringify(response.headers),
      response_body: response.body,
    })
    .where("scope", "=", ref.scope)
    .where("key", "=", ref.key)
    .where("fingerprint", "=", ref.fingerprint)
    .where("state", "=", "in_flight")
    .returning("key")
    .executeTakeFirst();
  return updated !== undefined;
}

/**
 * Gives the key up after a failure that changed nothing, so a retry runs afresh. False if this
 * request no longer holds it.
 */
export async function releaseIdempotent(
  db: Kysely<Database>,
  ref: IdempotencyRef,
): Promise<boolean> {
  const deleted = await db
    .deleteFrom("idempotency_keys")
    .where("scope", "=", ref.scope)
    .where("key", "=", ref.key)
    .where("fingerprint", "=", ref.fingerprint)
    .where("state", "=", "in_flight")
    .returning("key")
    .executeTakeFirst();
  return deleted !== undefined;
}

/** Deletes keys past their expiry (the reaper); returns how many. */
export async function purgeExpiredIdempotency(
  db: Kysely<Database>,
  now: number = Date.now(),
): Promise<number> {
  const result = await db
    .deleteFrom("idempotency_keys")
    .where("expires_at", "<=", toDbInstant(now))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

function storedResponse(row: IdempotencyKeyRow): StoredResponse {
  if (row.response_status === null || row.response_body === null) {
    throw new Error(`idempotency key ${row.scope}/${row.key} is done without a response`);
  }
  return {
    status: row.response_status,
    headers: JSON.parse(row.response_headers ?? "{}") as Record<string, string>,
    body: row.response_body,
  };
}
