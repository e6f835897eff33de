// The outbox relay: hands the messages written by state changes (emails, webhooks) to their
// handlers, at least once. Rows are claimed under a lease (PostgreSQL: FOR UPDATE SKIP LOCKED, so
// several workers share them); a handler that throws is retried with backoff; a message that keeps
// failing is slowed to one attempt a day and keeps its last error for operators.

import {
  claimDueOutbox,
  completeOutbox,
  releaseOutboxLeases,
  retryOutboxLater,
} from "../db/outbox.js";
import { toDbInstant } from "../db/time.js";
import type { AppDeps } from "../app/context.js";

export interface OutboxMessage {
  readonly id: string;
  readonly topic: string;
  readonly payload: unknown;
  readonly attempts: number;
}

export interface OutboxHandler {
  /** Topics starting with this prefix go to `handle` (e.g. "notify."). */
  readonly prefix: string;
  handle(message: OutboxMessage): Promise<void>;
}

export interface RelayOptions {
  readonly workerId: string;
  readonly leaseMs: number;
  readonly baseBackoffMs: number;
  readonly maxAttempts: number;
}

/** How far a permanently failing message is pushed back (parked: visible, never retried). */
const PARKED_FOR_MS = 100 * 365 * 86_400_000;

export const DEFAULT_RELAY: Omit<RelayOptions, "workerId"> = {
  leaseMs: 60_000,
  baseBackoffMs: 2_000,
  maxAttempts: 10,
};

/** Claims and handles up to `limit` due messages; returns how many were handled successfully. */
export async function relayOutbox(
  deps: AppDeps,
  handlers: readonly OutboxHandler[],
  opts: RelayOptions,
  limit: number,
  stopping: () => boolean = () => false,
): Promise<{ handled: number; failed: number }> {
  if (handlers.length === 0) return { handled: 0, failed: 0 };
  const claimed = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock();
    const at = toDbInstant(now);
    return claimDueOutbox(trx, {
      at,
      prefixes: handlers.map((h) => h.prefix),
      limit,
      workerId: opts.workerId,
      until: toDbInstant(now + opts.leaseMs),
    });
  });

  let handled = 0;
  let failed = 0;
  for (const [i, row] of claimed.entries()) {
    if (stopping()) {
      // The worker is shutting down: what was claimed and not started goes back at once, instead
      // of waiting out its lease.
      await releaseOutboxLeases(
        deps.db,
        claimed.slice(i).map((r) => r.id),
        opts.workerId,
      );
      break;
    }
    const handler = handlers.find((h) => row.topic.startsWith(h.prefix));
    try {
      if (handler === undefined) throw new Error(`no handler for ${row.topic}`);
      await handler.handle({
        id: row.id,
        topic: row.topic,
        payload: JSON.parse(row.payload) as unknown,
        attempts: row.attempts,
      });
      await completeOutbox(deps.db, row.id, toDbInstant(deps.clock()));
      handled++;
    } catch (error) {
      failed++;
      const attempts = row.attempts + 1;
      // A handler that says nothing can fix it (an unknown topic, a payload naming nothing) parks
      // the row for operators at once instead of retrying it.
      const permanent =
        typeof error === "object" &&
        error !== null &&
        (error as { permanent?: unknown }).permanent === true;
      const delay = permanent
        ? PARKED_FOR_MS
        : attempts >= opts.maxAttempts
          ? 86_400_000
          : Math.min(opts.baseBackoffMs * 2 ** (attempts - 1), 3_600_000);
      await retryOutboxLater(deps.db, row.id, {
        attempts,
        availableAt: toDbInstant(deps.clock() + delay),
        lastError:
          `${permanent ? "parked: " : ""}${error instanceof Error ? error.message : String(error)}`.slice(
            0,
            1000,
          ),
      });
    }
  }
  return { handled, failed };
}
