// The transactional outbox: a message for the worker written in the caller's transaction, beside
// the state change it reports (and beside its audit event, src/db/audit.ts). The relay
// (src/worker/outbox-relay.ts) sends each at least once; receivers make it exactly once. Here too
// are the relay's queries: claiming due messages under a lease, completing them, retrying them.

import type { Kysely } from "kysely";
import { dialectOf } from "./connection.js";
import { newId } from "./ids.js";
import { precompile } from "./precompiled.js";
import type { Database } from "./schema.js";
import { toDbInstant } from "./time.js";

/** Enqueues a message for the worker (transactional outbox), in the caller's transaction. */
export async function enqueueOutbox(
  trx: Kysely<Database>,
  topic: string,
  payload: unknown,
  now: number,
): Promise<string> {
  const id = newId("obx");
  const at = toDbInstant(now);
  await INSERT_OUTBOX.executeWrite(trx, {
    id,
    topic,
    payload: JSON.stringify(payload),
    created_at: at,
    available_at: at,
  });
  return id;
}

const INSERT_OUTBOX = precompile<{
  id: string;
  topic: string;
  payload: string;
  created_at: string;
  available_at: string;
}>()((db, p) =>
  db.insertInto("outbox").values({
    id: p("id"),
    topic: p("topic"),
    payload: p("payload"),
    created_at: p("created_at"),
    available_at: p("available_at"),
  }),
);

/** A message as the relay claims it. */
export interface ClaimedOutboxRow {
  readonly id: string;
  readonly topic: string;
  /** JSON text. */
  readonly payload: string;
  readonly attempts: number;
}

/**
 * Claims up to `limit` messages due at `at` whose topic starts with one of `prefixes`, not done
 * and not held by a live lease, oldest available first: they are held for `workerId` until
 * `until`. In the caller's transaction; on PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED,
 * so several workers share them without waiting on each other.
 */
export async function claimDueOutbox(
  trx: Kysely<Database>,
  claim: {
    readonly at: string;
    readonly prefixes: readonly string[];
    readonly limit: number;
    readonly workerId: string;
    readonly until: string;
  },
): Promise<ClaimedOutboxRow[]> {
  const q = trx
    .selectFrom("outbox")
    .select(["id", "topic", "payload", "attempts"])
    .where("done_at", "is", null)
    .where("available_at", "<=", claim.at)
    .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", claim.at)]))
    .where((eb) => eb.or(claim.prefixes.map((prefix) => eb("topic", "like", `${prefix}%`))))
    .orderBy("available_at")
    .limit(claim.limit);
  const rows = await (dialectOf(trx) === "postgres" ? q.forUpdate().skipLocked() : q).execute();
  if (rows.length > 0) {
    await trx
      .updateTable("outbox")
      .set({ claimed_by: claim.workerId, claimed_until: claim.until })
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
  }
  return rows;
}

/** Marks a message handled and lets go of its lease. */
export async function completeOutbox(
  db: Kysely<Database>,
  id: string,
  doneAt: string,
): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ done_at: doneAt, claimed_by: null, claimed_until: null })
    .where("id", "=", id)
    .execute();
}

/**
 * Lets go of the leases of messages a stopping worker claimed but did not hand to their handler:
 * another worker (or this one after a restart) takes them at once, attempts unchanged.
 */
export async function releaseOutboxLeases(
  db: Kysely<Database>,
  ids: readonly string[],
  workerId: string,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("outbox")
    .set({ claimed_by: null, claimed_until: null })
    .where("id", "in", [...ids])
    .where("claimed_by", "=", workerId)
    .execute();
}

/** Lets go of a failed message's lease: tried again from `availableAt`, with its last error. */
export async function retryOutboxLater(
  db: Kysely<Database>,
  id: string,
  retry: { readonly attempts: number; readonly availableAt: string; readonly lastError: string },
): Promise<void> {
  await db
    .updateTable("outbox")
    .set({
      attempts: retry.attempts,
      available_at: retry.availableAt,
      claimed_by: null,
      claimed_until: null,
      last_error: retry.lastError,
    })
    .where("id", "=", id)
    .execute();
}

/** When a message was written (undefined when the row is gone). */
export async function outboxCreatedAt(
  db: Kysely<Database>,
  id: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("outbox")
    .select("created_at")
    .where("id", "=", id)
    .executeTakeFirst();
  return row?.created_at;
}

/** Replaces a message's payload (e.g. to blank a secret once it has been sent). */
export async function setOutboxPayload(
  db: Kysely<Database>,
  id: string,
  payload: unknown,
): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ payload: JSON.stringify(payload) })
    .where("id", "=", id)
    .execute();
}
