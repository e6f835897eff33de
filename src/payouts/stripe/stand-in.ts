// A local stand-in for the part of Stripe's API that card refunds use, speaking Stripe's wire
// format (form-encoded requests with bracket notation, JSON objects and error bodies, list objects,
// Idempotency-Key semantics, signed webhooks) so the official SDK talks to it unchanged. Tests use
// it to inject failures (errors, 500s, timeouts, a refund applied whose answer never arrives);
// `npm start` uses it in demo mode when no Stripe key is configured. It is not Stripe: only the
// refund endpoints exist, and amounts, ids and messages follow Stripe's shapes, not its rules in full.
//
// This file is the HTTP server and its Idempotency-Key layer; the parts live beside it:
// `stand-in-state.ts` (charges, refunds, events, remembered keys), `stand-in-wire.ts` (Stripe's
// JSON, ids, signatures, reading requests) and `stand-in-faults.ts` (queued behaviours, chaos,
// gates, held requests).

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  canonicalForm,
  FormError,
  parseStripeForm,
  type FormHash,
  type FormValue,
} from "./form.js";
import {
  FaultPlan,
  HeldRequests,
  waitAsTold,
  type StandInBehaviour,
  type StandInChaos,
  type StandInOperation,
} from "./stand-in-faults.js";
import {
  StandInState,
  type ChargeInput,
  type CreateDisputeInput,
  type SeededCharge,
} from "./stand-in-state.js";
import {
  apiError,
  apiKeyOf,
  errorAnswer,
  invalidKey,
  MISSING_KEY,
  parseCreateRefund,
  parseListRefunds,
  parseMultipart,
  readBodyBytes,
  sendJson,
  signStripePayload,
  stripeId,
  type Answer,
  type StripeDisputeJson,
  type StripeEventJson,
  type StripeFileJson,
  type StripeRefundJson,
  type StripeRefundStatus,
} from "./stand-in-wire.js";

export { standInGate, type StandInGate } from "./stand-in-faults.js";
export type { StandInBehaviour, StandInChaos, StandInOperation } from "./stand-in-faults.js";
export type { ChargeInput, CreateDisputeInput, SeededCharge } from "./stand-in-state.js";
export { signStripePayload } from "./stand-in-wire.js";
export type {
  StripeDisputeJson,
  StripeEventJson,
  StripeFileJson,
  StripeRefundJson,
  StripeRefundStatus,
} from "./stand-in-wire.js";

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
  /**
   * Adds the captured charge a card payment refers to (`id`: its provider reference, `ch_`/`py_`
   * for a charge, `pi_` for a payment intent). Idempotent for the same amount and currency.
   */
  addCharge(input: ChargeInput): SeededCharge;
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
  /**
   * Opens a dispute on a charge as a cardholder's bank would, emitting its signed webhooks
   * (`charge.dispute.created`, and `funds_withdrawn` for a chargeback). Also over HTTP:
   * `POST /_stand-in/disputes` (JSON `{ charge, amount?, reason?, status?, dueBy? }`, the API key).
   */
  createDispute(input: CreateDisputeInput): StripeDisputeJson;
  /** Closes a dispute (`won` or `lost`), emitting `charge.dispute.closed`; also over HTTP. */
  closeDispute(id: string, outcome: "won" | "lost"): StripeDisputeJson;
  /** Every dispute (copies). */
  disputes(): StripeDisputeJson[];
  /** Every file uploaded (copies). */
  files(): StripeFileJson[];
  /** Queues behaviours for the next calls of `operation` (one each, in order). */
  queue(operation: StandInOperation, ...behaviours: StandInBehaviour[]): void;
  /** Sets (or clears, with `null`) the random trouble for refund creation. */
  setChaos(chaos: StandInChaos | null): void;
  /** Moves a refund to another status (e.g. pending -> succeeded/failed) and emits its events. */
  settleRefund(id: string, status: StripeRefundStatus, failureReason?: string): StripeRefundJson;
  /** Delivers an already emitted event again, `times` times (each with a fresh signature). */
  redeliver(eventId: string, times?: number): Promise<WebhookDelivery[]>;
  /** Resolves once `n` requests in all have been held without an answer (timeouts). */
  whenHeld(n?: number): Promise<void>;
  /** Waits until every webhook delivery started so far has ended. */
  flushWebhooks(): Promise<WebhookDelivery[]>;
  close(): Promise<void>;
}

/** Starts the stand-in on `127.0.0.1` (by default on a free port). */
export async function startStripeStandIn(options: StandInOptions = {}): Promise<StripeStandIn> {
  const apiKey = options.apiKey ?? "sk_test_stand_in";
  if (!apiKey.startsWith("sk_test_")) {
    throw new Error("the Stripe stand-in accepts test keys only (sk_test_...)");
  }
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const ttl = options.idempotencyTtlSeconds ?? 24 * 60 * 60;
  const webhook = options.webhook;
  const autoDeliver = webhook?.autoDeliver ?? true;

  const log: StandInRequestLog[] = [];
  const faults = new FaultPlan(options.chaos ?? null);
  const held = new HeldRequests(options.maxHoldMs ?? 30_000);
  const deliveries = new Set<Promise<WebhookDelivery>>();
  const delivered: WebhookDelivery[] = [];
  const state = new StandInState(
    now,
    (event) => {
      if (webhook !== undefined && autoDeliver) void deliver(event);
    },
    webhook === undefined ? 0 : 1,
  );

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

  /** Refund creation as the behaviour says: an injected error, or the state's answer. */
  function createRefund(
    params: FormHash,
    behaviour: StandInBehaviour,
    idempotencyKey: string | null,
  ): Answer {
    if (behaviour.kind === "error") {
      return errorAnswer(
        apiError(behaviour.status, behaviour.type, behaviour.message ?? "Injected error", {
          ...(behaviour.code === undefined ? {} : { code: behaviour.code }),
        }),
        true,
      );
    }
    const parsed = parseCreateRefund(params);
    if (!("target" in parsed)) return errorAnswer(parsed);
    return state.createRefund(parsed, {
      status: behaviour.kind === "status" ? behaviour.status : "succeeded",
      failureReason: behaviour.kind === "status" ? behaviour.failureReason : undefined,
      idempotencyKey,
    });
  }

  /**
   * Disputes and evidence files (issue 20): `POST /v1/files` (multipart), `GET|POST
   * /v1/disputes/:id`, and the admin calls a test or an operator uses to play the bank
   * (`POST /_stand-in/disputes`, `POST /_stand-in/disputes/:id/close`). No Idempotency-Key layer
   * here (the SDK sends none without retries). True when the request was one of these.
   */
  async function handleDisputes(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    bytes: Buffer,
    body: string,
    answer: (a: { status: number; body: unknown }) => void,
  ): Promise<boolean> {
    const ctype = req.headers["content-type"] ?? "";
    const form = (): FormHash | null => {
      try {
        return parseStripeForm(body);
      } catch (e) {
        if (!(e instanceof FormError)) throw e;
        answer(apiError(400, "invalid_request_error", e.message, { param: e.param }));
        return null;
      }
    };
    const dispute = /^\/v1\/disputes\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    const admin = /^\/_stand-in\/disputes(?:\/([A-Za-z0-9_]+)\/close)?$/.exec(url.pathname);
    let op: StandInOperation | null = null;
    if (method === "POST" && url.pathname === "/v1/files") op = "files.create";
    else if (method === "POST" && dispute !== null) op = "disputes.update";
    else if (method === "GET" && dispute !== null) op = "disputes.retrieve";
    else if (method === "POST" && admin !== null) {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body === "" ? "{}" : body) as Record<string, unknown>;
      } catch {
        answer(apiError(400, "invalid_request_error", "The admin call takes a JSON body."));
        return true;
      }
      try {
        if (admin[1] !== undefined) {
          const outcome = input["outcome"];
          if (outcome !== "won" && outcome !== "lost") {
            answer(
              apiError(400, "invalid_request_error", "outcome must be won or lost", {
                param: "outcome",
              }),
            );
            return true;
          }
          answer({ status: 200, body: state.closeDispute(admin[1], outcome) });
        } else {
          answer({
            status: 200,
            body: state.createDispute(input as unknown as CreateDisputeInput),
          });
        }
      } catch (e) {
        answer(apiError(400, "invalid_request_error", e instanceof Error ? e.message : String(e)));
      }
      return true;
    }
    if (op === null) return false;
    const behaviour = faults.next(op);
    if (behaviour.kind === "timeout") {
      held.hold(req, res);
      return true;
    }
    if (behaviour.kind === "error") {
      answer(
        apiError(behaviour.status, behaviour.type, behaviour.message ?? "Injected error", {
          ...(behaviour.code === undefined ? {} : { code: behaviour.code }),
        }),
      );
      return true;
    }
    await waitAsTold(behaviour);
    if (op === "files.create") {
      const parts = ctype.startsWith("multipart/form-data") ? parseMultipart(bytes, ctype) : null;
      if (parts === null) {
        answer(
          apiError(
            400,
            "invalid_request_error",
            "Invalid request: files are uploaded as multipart/form-data.",
          ),
        );
        return true;
      }
      const purpose = parts.find((p) => p.name === "purpose")?.data.toString("utf8");
      const file = parts.find((p) => p.name === "file" && p.filename !== null);
      if (purpose === undefined || purpose === "") {
        answer(
          apiError(400, "invalid_request_error", "Missing required param: purpose.", {
            param: "purpose",
          }),
        );
        return true;
      }
      if (file === undefined) {
        answer(
          apiError(400, "invalid_request_error", "Missing required param: file.", {
            param: "file",
          }),
        );
        return true;
      }
      if (
        purpose === "dispute_evidence" &&
        file.data.subarray(0, 5).toString("latin1") !== "%PDF-" &&
        file.contentType === "application/pdf"
      ) {
        answer(apiError(400, "invalid_request_error", "The file is not a PDF.", { param: "file" }));
        return true;
      }
      answer(
        state.createFile({
          purpose,
          filename: file.filename ?? "blob",
          type: (file.contentType ?? "application/octet-stream").replace(/^application\//, ""),
          size: file.data.length,
        }),
      );
      return true;
    }
    if (op === "disputes.retrieve") {
      answer(state.retrieveDispute(dispute?.[1] ?? ""));
      return true;
    }
    const params = form();
    if (params === null) return true;
    const evidence: Record<string, string> = {};
    const ev = params["evidence"];
    if (ev !== undefined && (typeof ev !== "object" || Array.isArray(ev))) {
      answer(
        apiError(400, "invalid_request_error", "evidence must be a hash", { param: "evidence" }),
      );
      return true;
    }
    for (const [k, v] of Object.entries((ev ?? {}) as FormHash)) {
      if (typeof v !== "string") {
        answer(
          apiError(400, "invalid_request_error", `Invalid evidence[${k}]`, {
            param: `evidence[${k}]`,
          }),
        );
        return true;
      }
      evidence[k] = v;
    }
    const md = params["metadata"];
    const metadata: Record<string, string> = {};
    if (md !== undefined && typeof md === "object" && !Array.isArray(md)) {
      for (const [k, v] of Object.entries(md)) if (typeof v === "string") metadata[k] = v;
    }
    const submit = params["submit"];
    if (submit !== undefined && submit !== "true" && submit !== "false") {
      answer(
        apiError(400, "invalid_request_error", "Invalid boolean: submit", { param: "submit" }),
      );
      return true;
    }
    answer(
      state.updateDispute(dispute?.[1] ?? "", { evidence, submit: submit === "true", metadata }),
    );
    return true;
  }

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
      sendJson(res, a.status, JSON.stringify(a.body, null, 2), requestId, extra);
    };

    const bytes = await readBodyBytes(req);
    const body = bytes === null ? null : bytes.toString("utf8");
    if (bytes === null || body === null) {
      answer(apiError(413, "invalid_request_error", "Request body too large"));
      return;
    }
    const given = apiKeyOf(req.headers.authorization);
    if (given === undefined) {
      answer(MISSING_KEY);
      return;
    }
    if (given !== apiKey) {
      answer(invalidKey(given));
      return;
    }

    if (await handleDisputes(req, res, url, method, bytes, body, answer)) return;

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
          `Unrecognized request URL (${method}: ${url.pathname}). The Stripe stand-in serves refunds, disputes and evidence files only.`,
        ),
      );
      return;
    }

    const behaviour = faults.next(op);
    if (behaviour.kind === "timeout") {
      held.hold(req, res);
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

    if (op === "refunds.list" || op === "refunds.retrieve") {
      let a: Answer;
      if (op === "refunds.list") {
        const query = parseListRefunds(url.searchParams);
        a = "limit" in query ? state.listRefunds(query) : errorAnswer(query);
      } else {
        a = state.retrieveRefund(retrieveMatch?.[1] ?? "");
      }
      await waitAsTold(behaviour);
      if (behaviour.kind === "apply-then-timeout") held.hold(req, res);
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
    const keys = state.idempotency;
    if (scopedKey !== null) {
      const existing = keys.get(scopedKey);
      if (existing !== undefined && now() - existing.at > ttl) keys.delete(scopedKey);
      const current = keys.get(scopedKey);
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
        await waitAsTold(behaviour);
        if (behaviour.kind === "apply-then-timeout") {
          held.hold(req, res);
          return;
        }
        entry.answer = current.status;
        sendJson(res, current.status, current.body, requestId, {
          "idempotent-replayed": "true",
          "original-request": current.requestId,
        });
        return;
      }
      keys.set(scopedKey, { state: "in_flight", fingerprint, at: now() });
    }

    let result: Answer;
    try {
      await waitAsTold(behaviour);
      result = createRefund(params, behaviour, idemKey);
    } catch (e) {
      if (scopedKey !== null) keys.delete(scopedKey);
      throw e;
    }
    const text = JSON.stringify(result.body, null, 2);
    if (scopedKey !== null) {
      if (result.store) {
        keys.set(scopedKey, {
          state: "done",
          fingerprint,
          at: now(),
          status: result.status,
          body: text,
          requestId,
        });
      } else {
        keys.delete(scopedKey);
      }
    }
    if (behaviour.kind === "apply-then-timeout") {
      held.hold(req, res);
      return;
    }
    entry.answer = result.status;
    sendJson(res, result.status, text, requestId);
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
    addCharge: (input) => state.addCharge(input),
    seedCharge: (input) => state.seedCharge(input),
    charge: (id) => state.charge(id),
    refunds: () => state.refunds(),
    events: () => state.events(),
    requests() {
      return log.map((e) => ({ ...e }));
    },
    createDispute: (input) => state.createDispute(input),
    closeDispute: (id, outcome) => state.closeDispute(id, outcome),
    disputes: () => state.disputes(),
    files: () => state.files(),
    queue: (operation, ...behaviours) => faults.queue(operation, ...behaviours),
    setChaos: (next) => faults.setChaos(next),
    settleRefund: (id, status, failureReason) => state.settleRefund(id, status, failureReason),
    async redeliver(eventId, times = 1) {
      const event = state.event(eventId);
      if (event === undefined) throw new Error(`no event ${eventId}`);
      const out: WebhookDelivery[] = [];
      for (let i = 0; i < times; i += 1) out.push(await deliver(event));
      return out;
    },
    whenHeld: (n = 1) => held.whenHeld(n),
    async flushWebhooks() {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
      return [...delivered];
    },
    async close() {
      held.releaseAll();
      await Promise.all([...deliveries]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
