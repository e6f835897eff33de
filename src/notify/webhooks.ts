// Outbound webhooks. Every notification event becomes one `webhook_deliveries` row per enabled
// endpoint subscribed to its type (`enqueueWebhookEvent`, called by the notifier); the worker calls
// `deliverDueWebhooks` each tick, which claims due rows, POSTs them and records the outcome:
// a 2xx delivers; anything else (another status, a timeout, a refused connection) retries with
// exponential backoff until `maxAttempts`, then the row is parked as `failed`.
//
// Claiming is a lease: in one short transaction the due rows are selected (PostgreSQL: FOR UPDATE
// SKIP LOCKED, so concurrent workers take disjoint rows; SQLite has one writer, BEGIN IMMEDIATE)
// and their next_attempt_at is moved `leaseMs` ahead; the HTTP call happens after the commit.
// A worker that dies mid-call leaves the row to be taken again when the lease runs out, so a
// receiver may see an event twice: it de-duplicates by the event id header (documented).
//
// Signature: `Refund-Desk-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, with
// `Refund-Desk-Timestamp` in Unix seconds; see docs/ARCHITECTURE.md for the receiver's recipe.

import { createHmac, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import { newId } from "../db/ids.js";
import type { Database } from "../db/schema.js";
import { toDbInstant } from "../db/time.js";
import {
  claimDueDeliveries,
  enabledEndpoints,
  insertWebhookDeliveries,
  updateDelivery,
  type ClaimedDelivery as Claimed,
} from "./queries.js";

type Db = Kysely<Database>;

/** The `data` member of an event. */
export type WebhookEventData = Readonly<Record<string, unknown>>;

/** Header names (lower case, as Node's fetch sends them). */
export const WEBHOOK_HEADERS = {
  eventId: "refund-desk-event-id",
  eventType: "refund-desk-event-type",
  timestamp: "refund-desk-timestamp",
  signature: "refund-desk-signature",
} as const;

export interface WebhookSettings {
  /** Give up on one HTTP call after this long (a timeout counts as a failed attempt). */
  readonly timeoutMs: number;
  /** Attempts before a delivery is parked as failed. */
  readonly maxAttempts: number;
  /** Delay after the first failure; doubles after each further one. */
  readonly baseDelayMs: number;
  /** The longest delay between two attempts. */
  readonly maxDelayMs: number;
  /** How long a claim keeps other workers off a row; longer than `timeoutMs`. */
  readonly leaseMs: number;
}

/** 10 attempts over about 17 hours: 30 s, 1, 2, 4, 8, 16, 32, 64 min, then 2 h (the cap). */
export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  timeoutMs: 10_000,
  maxAttempts: 10,
  baseDelayMs: 30_000,
  maxDelayMs: 2 * 60 * 60 * 1000,
  leaseMs: 60_000,
};

export interface WebhookDeps {
  readonly db: Db;
  /** Defaults to the global fetch (tests may pass their own). */
  readonly fetch?: typeof fetch;
  readonly settings?: Partial<WebhookSettings>;
}

/** What one `deliverDueWebhooks` call did. */
export interface DeliveryRun {
  /** Rows claimed and attempted. */
  readonly attempted: number;
  readonly delivered: number;
  /** Failed attempts scheduled again. */
  readonly retrying: number;
  /** Failed attempts that reached the cap and were parked. */
  readonly parked: number;
}

/** The delay before attempt `attempts + 1`, after `attempts` failures (1, 2, ...). */
export function backoffDelay(attempts: number, settings: WebhookSettings): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(settings.baseDelayMs * 2 ** exp, settings.maxDelayMs);
}

/** The signature header value for `body` sent at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `v1=${mac}`;
}

/**
 * The receiver's check, as documented: the signature matches and the timestamp is within
 * `toleranceSeconds` of `nowSeconds` (replay protection). Exported for tests and integrators.
 */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly body: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly nowSeconds: number;
  readonly toleranceSeconds?: number;
}): boolean {
  if (!/^\d{1,12}$/.test(input.timestamp)) return false;
  const ts = Number(input.timestamp);
  if (Math.abs(input.nowSeconds - ts) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(input.secret, ts, input.body));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** True when an endpoint's event filter (JSON array) takes events of `type`. */
export function subscribes(eventsJson: string, type: string): boolean {
  let events: unknown;
  try {
    events = JSON.parse(eventsJson);
  } catch {
    return false;
  }
  return Array.isArray(events) && (events.includes("*") || events.includes(type));
}

/**
 * Records the event for every enabled endpoint subscribed to its type. Idempotent: a second call
 * for the same event adds nothing (unique event_id + endpoint_id), and the body is the first one.
 */
export async function enqueueWebhookEvent(
  db: Db,
  event: {
    readonly eventId: string;
    readonly type: string;
    /** ISO instant the event happened. */
    readonly createdAt: string;
    readonly data: WebhookEventData;
    readonly now: number;
  },
): Promise<number> {
  const endpoints = await enabledEndpoints(db);
  const targets = endpoints.filter((e) => subscribes(e.events, event.type));
  if (targets.length === 0) return 0;
  const body = JSON.stringify({
    id: event.eventId,
    type: event.type,
    createdAt: event.createdAt,
    data: event.data,
  });
  await insertWebhookDeliveries(
    db,
    { eventId: event.eventId, type: event.type, body, at: toDbInstant(event.now) },
    targets.map((e) => ({ id: newId("whd"), endpointId: e.id })),
  );
  return targets.length;
}

/** One POST; the outcome as an HTTP status (null: no answer) and an error text for failures. */
async function post(
  fetchFn: typeof fetch,
  d: Claimed,
  now: number,
  timeoutMs: number,
): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  const timestamp = Math.floor(now / 1000);
  try {
    const res = await fetchFn(d.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "RefundDesk-Webhooks/1",
        [WEBHOOK_HEADERS.eventId]: d.event_id,
        [WEBHOOK_HEADERS.eventType]: d.event_type,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: signWebhook(d.secret, timestamp, d.body),
      },
      body: d.body,
      // A redirect is not followed: the endpoint's URL is the one the admin registered.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is not needed (and may be large): cancel it, releasing the connection.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    const error =
      name === "TimeoutError" || name === "AbortError"
        ? `timed out after ${timeoutMs} ms`
        : describeFetchError(e);
    return { ok: false, status: null, error };
  }
}

function describeFetchError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  const detail =
    cause instanceof Error
      ? ((cause as { code?: string }).code ?? cause.message)
      : typeof cause === "string"
        ? cause
        : "";
  return (detail ? `${e.message}: ${detail}` : e.message).slice(0, 500);
}

/**
 * Sends up to `limit` due webhook deliveries (their next_attempt_at <= `now`), concurrently, and
 * records each outcome. Safe to call from several workers at once. Returns what it did.
 */
export async function deliverDueWebhooks(
  deps: WebhookDeps,
  now: number,
  limit: number,
): Promise<DeliveryRun> {
  const settings: WebhookSettings = { ...DEFAULT_WEBHOOK_SETTINGS, ...(deps.settings ?? {}) };
  const fetchFn = deps.fetch ?? fetch;
  const claimed = await claimDueDeliveries(
    deps.db,
    toDbInstant(now),
    toDbInstant(now + settings.leaseMs),
    limit,
  );
  const outcomes = await Promise.all(
    claimed.map(async (d) => {
      const result = await post(fetchFn, d, now, settings.timeoutMs);
      const attempts = d.attempts + 1;
      const base = {
        attempts,
        last_attempt_at: toDbInstant(now),
        last_status: result.status,
        last_error: result.error,
      };
      let outcome: "delivered" | "retrying" | "parked";
      if (result.ok) {
        outcome = "delivered";
        await updateDelivery(deps.db, d.id, {
          ...base,
          status: "delivered",
          delivered_at: toDbInstant(now),
        });
      } else if (attempts >= settings.maxAttempts) {
        outcome = "parked";
        await updateDelivery(deps.db, d.id, { ...base, status: "failed" });
      } else {
        outcome = "retrying";
        await updateDelivery(deps.db, d.id, {
          ...base,
          next_attempt_at: toDbInstant(now + backoffDelay(attempts, settings)),
        });
      }
      return outcome;
    }),
  );
  return {
    attempted: claimed.length,
    delivered: outcomes.filter((o) => o === "delivered").length,
    retrying: outcomes.filter((o) => o === "retrying").length,
    parked: outcomes.filter((o) => o === "parked").length,
  };
}
