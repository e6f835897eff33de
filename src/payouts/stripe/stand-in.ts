// A local stand-in for the part of Stripe's API that card refunds use, speaking Stripe's wire
// format (form-encoded requests with bracket notation, JSON objects and error bodies, list objects,
// Idempotency-Key semantics, signed webhooks) so the official SDK talks to it unchanged. Tests use
// it to inject failures (errors, 500s, timeouts, a refund applied whose answer never arrives);
// `npm start` uses it in demo mode when no Stripe key is configured. It is not Stripe: only the
// refund endpoints exist, and amounts, ids and messages follow Stripe's shapes, not its rules in full.

import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  canonicalForm,
  FormError,
  parseStripeForm,
  type FormHash,
  type FormValue,
} from "./form.js";

export type StripeRefundStatus =
  "pending" | "requires_action" | "succeeded" | "failed" | "canceled";

/** A refund as Stripe serialises it (the fields this product reads, and a few more). */
export interface StripeRefundJson {
  id: string;
  object: "refund";
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  destination_details: null;
  failure_balance_transaction?: string;
  failure_reason?: string;
  metadata: Record<string, string>;
  payment_intent: string | null;
  reason: string | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: StripeRefundStatus;
  transfer_reversal: null;
}

export interface StripeEventJson {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: StripeRefundJson; previous_attributes?: Partial<StripeRefundJson> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: "refund.created" | "refund.updated" | "refund.failed";
}

/** What the stand-in does with one API call. */
export type StandInBehaviour =
  /** Answer normally: a refund is created with status `succeeded`. */
  | { readonly kind: "ok" }
  /** Create the refund with this status (e.g. `failed` with a `failureReason`, or `pending`). */
  | {
      readonly kind: "status";
      readonly status: StripeRefundStatus;
      readonly failureReason?: string;
    }
  /**
   * Answer with a Stripe error without doing anything (e.g. 500 `api_error`, 402 `card_error`,
   * 429 `rate_limit`). `store: true` records it under the idempotency key so a retry with the same
   * key gets it replayed, as Stripe does for errors raised after a request started executing.
   */
  | {
      readonly kind: "error";
      readonly status: number;
      readonly type: string;
      readonly code?: string;
      readonly message?: string;
      readonly store?: boolean;
    }
  /** Never answer and do nothing: the client times out; the refund does not exist. */
  | { readonly kind: "timeout" }
  /** Do the work (create the refund, record the idempotency key) but never answer. */
  | { readonly kind: "apply-then-timeout" }
  /** Answer normally after `ms`; meanwhile the idempotency key is in flight (409 for a twin). */
  | { readonly kind: "delay"; readonly ms: number };

export type StandInOperation = "refunds.create" | "refunds.list" | "refunds.retrieve";

/** Probabilities (0..1) of trouble for `POST /v1/refunds` when no queued behaviour applies. */
export interface StandInChaos {
  readonly applyThenTimeout?: number;
  readonly timeout?: number;
  readonly serverError?: number;
  /** The refund is created with status `failed` (failure reason `declined`). */
  readonly refundFails?: number;
  /** Seed for the stand-in's own random numbers, so a run can be repeated. */
  readonly seed?: number;
}

export interface StandInOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The secret key clients must send as `Authorization: Bearer ...`; must start with `sk_test_`. */
  readonly apiKey?: string;
  /** Where to post signed webhook events. */
  readonly webhook?: {
    readonly url: string;
    readonly secret: string;
    readonly autoDeliver?: boolean;
  };
  /** Seconds since the epoch; defaults to the wall clock. */
  readonly now?: () => number;
  /** How long an idempotency key is remembered (Stripe: at least 24 hours). */
  readonly idempotencyTtlSeconds?: number;
  /** A held (timed-out) request's socket is destroyed after this long at the latest. */
  readonly maxHoldMs?: number;
  readonly chaos?: StandInChaos;
}

export interface SeededCharge {
  readonly charge: string;
  readonly paymentIntent: string;
  readonly amount: number;
  readonly currency: string;
}

export interface StandInRequestLog {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | null;
  /** HTTP status answered, or `held` when no answer was sent. */
  readonly answer: number | "held";
  readonly replayed: boolean;
}

export interface WebhookDelivery {
  readonly eventId: string;
  readonly status: number | "error";
}

export interface StripeStandIn {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: "http";
  readonly apiKey: string;
  /** Seeds a captured charge and its payment intent; ids are generated unless given. */
  seedCharge(input: {
    amount: number;
    currency: string;
    id?: string;
    paymentIntent?: string;
  }): SeededCharge;
  /** Captured and refunded (succeeded or pending refunds) amounts of a seeded charge. */
  charge(id: string): { amount: number; amountRefunded: number; currency: string } | null;
  /** Every refund made, oldest first (copies). */
  refunds(): StripeRefundJson[];
  /** Every event emitted, oldest first (copies). */
  events(): StripeEventJson[];
  /** Every API request seen, oldest first. */
  requests(): StandInRequestLog[];
  /** Queues behaviours for the next calls of `operation` (one each, in order). */
  queue(operation: StandInOperation, ...behaviours: StandInBehaviour[]): void;
  /** Sets (or clears, with `null`) the random trouble for refund creation. */
  setChaos(chaos: StandInChaos | null): void;
  /** Moves a refund to another status (e.g. pending -> succeeded/failed) and emits its events. */
  settleRefund(id: string, status: StripeRefundStatus, failureReason?: string): StripeRefundJson;
  /** Delivers an already emitted event again, `times` times (each with a fresh signature). */
  redeliver(eventId: string, times?: number): Promise<WebhookDelivery[]>;
  /** Waits until every webhook delivery started so far has ended. */
  flushWebhooks(): Promise<WebhookDelivery[]>;
  close(): Promise<void>;
}

const API_VERSION = "2025-01-01.stand-in";

/** A small seeded PRNG (mulberry32) so chaos runs can be repeated. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
}

/** Signs a webhook payload the way Stripe does: `t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>`. */
export function signStripePayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

interface ApiError {
  readonly status: number;
  readonly body: { error: Record<string, string> };
}

function apiError(
  status: number,
  type: string,
  message: string,
  extra: { code?: string; param?: string } = {},
): ApiError {
  const error: Record<string, string> = { type, message };
  if (extra.code !== undefined) {
    error.code = extra.code;
    error.doc_url = `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, "-")}`;
  }
  if (extra.param !== undefined) error.param = extra.param;
  return { status, body: { error } };
}

interface ChargeState {
  readonly id: string;
  readonly paymentIntent: string;
  readonly amount: number;
  readonly currency: string;
}

interface RefundState {
  readonly seq: number;
  json: StripeRefundJson;
}

type IdempotencyEntry =
  | { readonly state: "in_flight"; readonly fingerprint: string; readonly at: number }
  | {
      readonly state: "done";
      readonly fingerprint: string;
      readonly at: number;
      readonly status: number;
      readonly body: string;
      readonly requestId: string;
    };

interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** Whether the idempotency layer records this answer (Stripe: once execution started). */
  readonly store: boolean;
}

const CREATE_PARAMS = new Set([
  "amount",
  "charge",
  "payment_intent",
  "metadata",
  "reason",
  "expand",
  "currency",
  "instructions_email",
  "refund_application_fee",
  "reverse_transfer",
]);
const REASONS = new Set(["duplicate", "fraudulent", "requested_by_customer"]);

/** Starts the stand-in on `127.0.0.1` (by default on a free port). */
export async function startStripeStandIn(options: StandInOptions = {}): Promise<StripeStandIn> {
  const apiKey = options.apiKey ?? "sk_test_stand_in";
  if (!apiKey.startsWith("sk_test_")) {
    throw new Error("the Stripe stand-in accepts test keys only (sk_test_...)");
  }
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const ttl = options.idempotencyTtlSeconds ?? 24 * 60 * 60;
  const maxHoldMs = options.maxHoldMs ?? 30_000;
  const webhook = options.webhook;
  const autoDeliver = webhook?.autoDeliver ?? true;

  const charges = new Map<string, ChargeState>();
  const byPaymentIntent = new Map<string, ChargeState>();
  const refunds = new Map<string, RefundState>();
  let refundSeq = 0;
  const events: StripeEventJson[] = [];
  const log: StandInRequestLog[] = [];
  const idempotency = new Map<string, IdempotencyEntry>();
  const queues = new Map<StandInOperation, StandInBehaviour[]>();
  let chaos: StandInChaos | null = options.chaos ?? null;
  let random = seededRandom(chaos?.seed ?? 1);
  const held = new Set<Socket>();
  const deliveries = new Set<Promise<WebhookDelivery>>();
  const delivered: WebhookDelivery[] = [];

  function nextBehaviour(op: StandInOperation): StandInBehaviour {
    const q = queues.get(op);
    const queued = q?.shift();
    if (queued !== undefined) return queued;
    if (op !== "refunds.create" || chaos === null) return { kind: "ok" };
    const r = random();
    let edge = chaos.applyThenTimeout ?? 0;
    if (r < edge) return { kind: "apply-then-timeout" };
    edge += chaos.timeout ?? 0;
    if (r < edge) return { kind: "timeout" };
    edge += chaos.serverError ?? 0;
    if (r < edge) {
      return { kind: "error", status: 500, type: "api_error", message: "Internal server error" };
    }
    edge += chaos.refundFails ?? 0;
    if (r < edge) return { kind: "status", status: "failed", failureReason: "declined" };
    return { kind: "ok" };
  }

  function refundedOn(charge: ChargeState): number {
    let sum = 0;
    for (const r of refunds.values()) {
      if (r.json.charge !== charge.id) continue;
      // Failed and canceled refunds give the money back to the balance: not refunded.
      if (r.json.status === "failed" || r.json.status === "canceled") continue;
      sum += r.json.amount;
    }
    return sum;
  }

  function emit(
    type: StripeEventJson["type"],
    refund: StripeRefundJson,
    idempotencyKey: string | null,
    previous?: Partial<StripeRefundJson>,
  ): void {
    const event: StripeEventJson = {
      id: stripeId("evt"),
      object: "event",
      api_version: API_VERSION,
      created: now(),
      data: {
        object: structuredClone(refund),
        ...(previous === undefined ? {} : { previous_attributes: previous }),
      },
      livemode: false,
      pending_webhooks: webhook === undefined ? 0 : 1,
      request: {
        id: idempotencyKey === null ? null : stripeId("req"),
        idempotency_key: idempotencyKey,
      },
      type,
    };
    events.push(event);
    if (webhook !== undefined && autoDeliver) void deliver(event);
  }

  function deliver(event: StripeEventJson): Promise<WebhookDelivery> {
    if (webhook === undefined) {
      return Promise.resolve({ eventId: event.id, status: "error" });
    }
    const payload = JSON.stringify(event, null, 2);
    const p = (async (): Promise<WebhookDelivery> => {
      try {
        const res = await fetch(webhook.url, {
          method: "POST",
          headers: {
            "content-type": "application/json; charset=utf-8",
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "stripe-signature": signStripePayload(payload, webhook.secret, now()),
          },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        return { eventId: event.id, status: res.status };
      } catch {
        return { eventId: event.id, status: "error" };
      }
    })();
    deliveries.add(p);
    void p.then((d) => {
      delivered.push(d);
      deliveries.delete(p);
    });
    return p;
  }

  function createRefund(
    params: FormHash,
    behaviour: StandInBehaviour,
    idempotencyKey: string | null,
  ): Answer {
    for (const key of Object.keys(params)) {
      if (!CREATE_PARAMS.has(key)) {
        return {
          ...apiError(400, "invalid_request_error", `Received unknown parameter: ${key}`, {
            code: "parameter_unknown",
            param: key,
          }),
          store: false,
        };
      }
    }
    const chargeParam = params.charge;
    const piParam = params.payment_intent;
    if (chargeParam !== undefined && piParam !== undefined) {
      return {
        ...apiError(
          400,
          "invalid_request_error",
          "You cannot specify both `charge` and `payment_intent`.",
          { param: "payment_intent" },
        ),
        store: false,
      };
    }
    if (typeof chargeParam !== "string" && typeof piParam !== "string") {
      return {
        ...apiError(
          400,
          "invalid_request_error",
          "One of the following params should be provided for this request: charge or payment_intent.",
          { code: "parameter_missing" },
        ),
        store: false,
      };
    }
    let amount: number | null = null;
    if (params.amount !== undefined) {
      if (typeof params.amount !== "string" || !/^\d{1,12}$/.test(params.amount)) {
        return {
          ...apiError(400, "invalid_request_error", "Invalid integer: amount", {
            code: "parameter_invalid_integer",
            param: "amount",
          }),
          store: false,
        };
      }
      amount = Number(params.amount);
      if (amount < 1) {
        return {
          ...apiError(
            400,
            "invalid_request_error",
            "This value must be greater than or equal to 1.",
            {
              code: "parameter_invalid_integer",
              param: "amount",
            },
          ),
          store: false,
        };
      }
    }
    const metadata: Record<string, string> = {};
    if (params.metadata !== undefined && params.metadata !== "") {
      const md = params.metadata;
      if (typeof md === "string" || Array.isArray(md)) {
        return {
          ...apiError(400, "invalid_request_error", "Invalid hash", {
            code: "parameter_invalid_empty",
            param: "metadata",
          }),
          store: false,
        };
      }
      for (const [k, v] of Object.entries(md)) {
        if (typeof v !== "string" || k.length > 40 || v.length > 500) {
          return {
            ...apiError(400, "invalid_request_error", `Invalid metadata value: ${k}`, {
              param: `metadata[${k}]`,
            }),
            store: false,
          };
        }
        metadata[k] = v;
      }
    }
    let reason: string | null = null;
    if (params.reason !== undefined) {
      if (typeof params.reason !== "string" || !REASONS.has(params.reason)) {
        return {
          ...apiError(400, "invalid_request_error", "Invalid reason", { param: "reason" }),
          store: false,
        };
      }
      reason = params.reason;
    }
    const charge =
      typeof chargeParam === "string"
        ? charges.get(chargeParam)
        : byPaymentIntent.get(String(piParam));
    if (charge === undefined) {
      const [what, param, id] =
        typeof chargeParam === "string"
          ? ["charge", "charge", chargeParam]
          : ["payment_intent", "payment_intent", String(piParam)];
      return {
        ...apiError(404, "invalid_request_error", `No such ${what}: '${id}'`, {
          code: "resource_missing",
          param,
        }),
        store: false,
      };
    }
    const remaining = charge.amount - refundedOn(charge);
    if (remaining <= 0) {
      return {
        ...apiError(
          400,
          "invalid_request_error",
          `Charge ${charge.id} has already been refunded.`,
          { code: "charge_already_refunded" },
        ),
        store: true,
      };
    }
    const refundAmount = amount ?? remaining;
    if (refundAmount > remaining) {
      return {
        ...apiError(
          400,
          "invalid_request_error",
          `Refund amount (${refundAmount} ${charge.currency}) is greater than unrefunded amount on charge (${remaining} ${charge.currency})`,
          { code: "amount_too_large", param: "amount" },
        ),
        store: true,
      };
    }
    const status: StripeRefundStatus = behaviour.kind === "status" ? behaviour.status : "succeeded";
    const json: StripeRefundJson = {
      id: stripeId("re"),
      object: "refund",
      amount: refundAmount,
      balance_transaction: stripeId("txn"),
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      destination_details: null,
      metadata,
      payment_intent: charge.paymentIntent,
      reason,
      receipt_number: null,
      source_transfer_reversal: null,
      status,
      transfer_reversal: null,
    };
    if (status === "failed" || status === "canceled") {
      json.failure_reason =
        behaviour.kind === "status" && behaviour.failureReason !== undefined
          ? behaviour.failureReason
          : "unknown";
      json.failure_balance_transaction = stripeId("txn");
    }
    refundSeq += 1;
    refunds.set(json.id, { seq: refundSeq, json });
    emit("refund.created", json, idempotencyKey);
    if (status === "failed") emit("refund.failed", json, idempotencyKey);
    return { status: 200, body: structuredClone(json), store: true };
  }

  function listRefunds(query: URLSearchParams): Answer {
    for (const key of query.keys()) {
      if (!["charge", "payment_intent", "limit", "starting_after", "ending_before"].includes(key)) {
        if (key.startsWith("expand") || key.startsWith("created")) continue;
        return {
          ...apiError(400, "invalid_request_error", `Received unknown parameter: ${key}`, {
            code: "parameter_unknown",
            param: key,
          }),
          store: false,
        };
      }
    }
    const limitText = query.get("limit") ?? "10";
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= 100)) {
      return {
        ...apiError(
          400,
          "invalid_request_error",
          "This value must be greater than or equal to 1 and less than or equal to 100.",
          { code: "parameter_invalid_integer", param: "limit" },
        ),
        store: false,
      };
    }
    const chargeId = query.get("charge");
    const piId = query.get("payment_intent");
    if (chargeId !== null && !charges.has(chargeId)) {
      return {
        ...apiError(404, "invalid_request_error", `No such charge: '${chargeId}'`, {
          code: "resource_missing",
          param: "charge",
        }),
        store: false,
      };
    }
    if (piId !== null && !byPaymentIntent.has(piId)) {
      return {
        ...apiError(404, "invalid_request_error", `No such payment_intent: '${piId}'`, {
          code: "resource_missing",
          param: "payment_intent",
        }),
        store: false,
      };
    }
    // Newest first, as Stripe lists.
    let all = [...refunds.values()]
      .filter((r) => chargeId === null || r.json.charge === chargeId)
      .filter((r) => piId === null || r.json.payment_intent === piId)
      .sort((a, b) => b.json.created - a.json.created || b.seq - a.seq);
    const after = query.get("starting_after");
    const before = query.get("ending_before");
    for (const [cursor, param] of [
      [after, "starting_after"],
      [before, "ending_before"],
    ] as const) {
      if (cursor !== null && !refunds.has(cursor)) {
        return {
          ...apiError(400, "invalid_request_error", `No such refund: '${cursor}'`, {
            code: "resource_missing",
            param,
          }),
          store: false,
        };
      }
    }
    let hasMore: boolean;
    if (after !== null) {
      const i = all.findIndex((r) => r.json.id === after);
      all = i === -1 ? [] : all.slice(i + 1);
      hasMore = all.length > limit;
      all = all.slice(0, limit);
    } else if (before !== null) {
      const i = all.findIndex((r) => r.json.id === before);
      all = i === -1 ? [] : all.slice(0, i);
      hasMore = all.length > limit;
      all = all.slice(Math.max(0, all.length - limit));
    } else {
      hasMore = all.length > limit;
      all = all.slice(0, limit);
    }
    return {
      status: 200,
      body: {
        object: "list",
        data: all.map((r) => structuredClone(r.json)),
        has_more: hasMore,
        url: "/v1/refunds",
      },
      store: false,
    };
  }

  function retrieveRefund(id: string): Answer {
    const r = refunds.get(id);
    if (r === undefined) {
      return {
        ...apiError(404, "invalid_request_error", `No such refund: '${id}'`, {
          code: "resource_missing",
          param: "id",
        }),
        store: false,
      };
    }
    return { status: 200, body: structuredClone(r.json), store: false };
  }

  function send(
    res: ServerResponse,
    status: number,
    body: string,
    requestId: string,
    extra: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "request-id": requestId,
      "stripe-version": API_VERSION,
      ...extra,
    });
    res.end(body);
  }

  function hold(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    held.add(socket);
    const timer = setTimeout(() => socket.destroy(), maxHoldMs);
    timer.unref();
    res.on("close", () => {
      clearTimeout(timer);
      held.delete(socket);
    });
  }

  async function readBody(req: IncomingMessage): Promise<string | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > 1_000_000) return null;
      chunks.push(b);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = stripeId("req");
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://stand-in");
    const rawKey = req.headers["idempotency-key"];
    const idemKey = typeof rawKey === "string" && rawKey !== "" ? rawKey : null;
    const entry: {
      method: string;
      path: string;
      idempotencyKey: string | null;
      answer: number | "held";
      replayed: boolean;
    } = { method, path: url.pathname, idempotencyKey: idemKey, answer: "held", replayed: false };
    log.push(entry);
    const answer = (a: { status: number; body: unknown }, extra: Record<string, string> = {}) => {
      entry.answer = a.status;
      send(res, a.status, JSON.stringify(a.body, null, 2), requestId, extra);
    };

    const body = await readBody(req);
    if (body === null) {
      answer(apiError(413, "invalid_request_error", "Request body too large"));
      return;
    }
    // Stripe takes the key as a bearer token (the SDKs) or as the Basic username (curl -u key:).
    const auth = req.headers.authorization ?? "";
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(auth)?.[1];
    const bearer =
      basic === undefined
        ? /^Bearer (.+)$/.exec(auth)?.[1]
        : Buffer.from(basic, "base64").toString("utf8").split(":")[0] || undefined;
    if (bearer === undefined) {
      answer(
        apiError(
          401,
          "invalid_request_error",
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        ),
      );
      return;
    }
    if (bearer !== apiKey) {
      answer(
        apiError(
          401,
          "invalid_request_error",
          `Invalid API Key provided: ${bearer.slice(0, 8)}****`,
        ),
      );
      return;
    }

    const retrieveMatch = /^\/v1\/refunds\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    let op: StandInOperation;
    if (method === "POST" && url.pathname === "/v1/refunds") op = "refunds.create";
    else if (method === "GET" && url.pathname === "/v1/refunds") op = "refunds.list";
    else if (method === "GET" && retrieveMatch !== null) op = "refunds.retrieve";
    else {
      answer(
        apiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${url.pathname}). The Stripe stand-in serves refunds only.`,
        ),
      );
      return;
    }

    const behaviour = nextBehaviour(op);
    if (behaviour.kind === "timeout") {
      hold(req, res);
      return;
    }
    if (behaviour.kind === "error" && behaviour.store !== true) {
      answer(
        apiError(behaviour.status, behaviour.type, behaviour.message ?? "Injected error", {
          ...(behaviour.code === undefined ? {} : { code: behaviour.code }),
        }),
      );
      return;
    }

    if (op === "refunds.list") {
      const a = listRefunds(url.searchParams);
      if (behaviour.kind === "delay") await sleep(behaviour.ms);
      if (behaviour.kind === "apply-then-timeout") hold(req, res);
      else answer(a);
      return;
    }
    if (op === "refunds.retrieve") {
      const a = retrieveRefund(retrieveMatch?.[1] ?? "");
      if (behaviour.kind === "delay") await sleep(behaviour.ms);
      if (behaviour.kind === "apply-then-timeout") hold(req, res);
      else answer(a);
      return;
    }

    // POST /v1/refunds
    const ctype = req.headers["content-type"] ?? "";
    if (body !== "" && !ctype.startsWith("application/x-www-form-urlencoded")) {
      answer(
        apiError(
          400,
          "invalid_request_error",
          "Invalid request: the body must be application/x-www-form-urlencoded.",
        ),
      );
      return;
    }
    let params: FormHash;
    try {
      params = parseStripeForm(body);
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      answer(apiError(400, "invalid_request_error", e.message, { param: e.param }));
      return;
    }

    const fingerprint = `${method} ${url.pathname} ${canonicalForm(params as FormValue)}`;
    const scopedKey = idemKey === null ? null : `${apiKey}\u0000${idemKey}`;
    if (scopedKey !== null) {
      const existing = idempotency.get(scopedKey);
      if (existing !== undefined && now() - existing.at > ttl) idempotency.delete(scopedKey);
      const current = idempotency.get(scopedKey);
      if (current !== undefined && current.fingerprint !== fingerprint) {
        answer(
          apiError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          ),
        );
        return;
      }
      if (current?.state === "in_flight") {
        answer(
          apiError(
            409,
            "idempotency_error",
            `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${idemKey}. Please try again later.`,
          ),
        );
        return;
      }
      if (current?.state === "done") {
        entry.replayed = true;
        if (behaviour.kind === "delay") await sleep(behaviour.ms);
        if (behaviour.kind === "apply-then-timeout") {
          hold(req, res);
          return;
        }
        entry.answer = current.status;
        send(res, current.status, current.body, requestId, {
          "idempotent-replayed": "true",
          "original-request": current.requestId,
        });
        return;
      }
      idempotency.set(scopedKey, { state: "in_flight", fingerprint, at: now() });
    }

    let result: Answer;
    try {
      if (behaviour.kind === "delay") await sleep(behaviour.ms);
      if (behaviour.kind === "error") {
        result = {
          ...apiError(behaviour.status, behaviour.type, behaviour.message ?? "Injected error", {
            ...(behaviour.code === undefined ? {} : { code: behaviour.code }),
          }),
          store: true,
        };
      } else {
        result = createRefund(params, behaviour, idemKey);
      }
    } catch (e) {
      if (scopedKey !== null) idempotency.delete(scopedKey);
      throw e;
    }
    const text = JSON.stringify(result.body, null, 2);
    if (scopedKey !== null) {
      if (result.store) {
        idempotency.set(scopedKey, {
          state: "done",
          fingerprint,
          at: now(),
          status: result.status,
          body: text,
          requestId,
        });
      } else {
        idempotency.delete(scopedKey);
      }
    }
    if (behaviour.kind === "apply-then-timeout") {
      hold(req, res);
      return;
    }
    entry.answer = result.status;
    send(res, result.status, text, requestId);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        const body = JSON.stringify(
          apiError(500, "api_error", `Stand-in failure: ${String(e)}`).body,
        );
        res.writeHead(500, { "content-type": "application/json" });
        res.end(body);
      }
    });
  });
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    host,
    port,
    protocol: "http",
    apiKey,
    seedCharge(input) {
      if (!Number.isSafeInteger(input.amount) || input.amount < 1) {
        throw new RangeError("a seeded charge needs a positive integer amount in minor units");
      }
      const id = input.id ?? stripeId("ch");
      const paymentIntent = input.paymentIntent ?? stripeId("pi");
      if (charges.has(id) || byPaymentIntent.has(paymentIntent)) {
        throw new Error(`charge ${id} or payment intent ${paymentIntent} is already seeded`);
      }
      const c: ChargeState = {
        id,
        paymentIntent,
        amount: input.amount,
        currency: input.currency.toLowerCase(),
      };
      charges.set(id, c);
      byPaymentIntent.set(paymentIntent, c);
      return { charge: id, paymentIntent, amount: c.amount, currency: c.currency };
    },
    charge(id) {
      const c = charges.get(id) ?? byPaymentIntent.get(id);
      if (c === undefined) return null;
      return { amount: c.amount, amountRefunded: refundedOn(c), currency: c.currency };
    },
    refunds() {
      return [...refunds.values()]
        .sort((a, b) => a.seq - b.seq)
        .map((r) => structuredClone(r.json));
    },
    events() {
      return events.map((e) => structuredClone(e));
    },
    requests() {
      return log.map((e) => ({ ...e }));
    },
    queue(operation, ...behaviours) {
      const q = queues.get(operation) ?? [];
      q.push(...behaviours);
      queues.set(operation, q);
    },
    setChaos(next) {
      chaos = next;
      random = seededRandom(next?.seed ?? 1);
    },
    settleRefund(id, status, failureReason) {
      const r = refunds.get(id);
      if (r === undefined) throw new Error(`no refund ${id}`);
      const previous: Partial<StripeRefundJson> = { status: r.json.status };
      const next: StripeRefundJson = { ...r.json, status };
      if (status === "failed" || status === "canceled") {
        next.failure_reason = failureReason ?? "unknown";
        next.failure_balance_transaction = stripeId("txn");
      }
      r.json = next;
      emit("refund.updated", next, null, previous);
      if (status === "failed") emit("refund.failed", next, null, previous);
      return structuredClone(next);
    },
    async redeliver(eventId, times = 1) {
      const event = events.find((e) => e.id === eventId);
      if (event === undefined) throw new Error(`no event ${eventId}`);
      const out: WebhookDelivery[] = [];
      for (let i = 0; i < times; i += 1) out.push(await deliver(event));
      return out;
    },
    async flushWebhooks() {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
      return [...delivered];
    },
    async close() {
      for (const socket of held) socket.destroy();
      await Promise.all([...deliveries]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
