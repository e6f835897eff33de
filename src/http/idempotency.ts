// Idempotency-Key on every POST (the Stripe design, stored by src/db/idempotency.ts): the first
// request with a key claims it; its response (2xx or 4xx) is stored with a fingerprint of the
// request and replayed byte for byte to any repeat with the same fingerprint; the same key with
// another request answers 422, and a repeat while the first still runs answers 409.
//
// - Scope: the caller (`actorRef`), so two callers' keys never meet. Anonymous callers have no
//   scope of their own, so on public routes (sign-in) the header is ignored.
// - Fingerprint: sha256 of method, URL (path and query) and the canonical JSON of the body (keys
//   sorted). The claim is made in a preHandler, after authentication, the route's permission check
//   and schema validation: a request refused there claims nothing and stores nothing.
// - Multipart routes cannot be fingerprinted before their files are read. A route that streams
//   files declares `config.idempotency: "in_handler"` and calls `claimIdempotencyKey` with the
//   files' names and sha256s once it has them (the multipart boundary is left out, so a retry
//   built with a new boundary still matches). Multipart with a key on any other route: 400.
// - `config.idempotency: "off"` refuses the header (400) on a route whose response must not be
//   kept at rest (e.g. one that shows a new secret once).
// - Stored: 2xx and 4xx except 429 (status, content-type, location, body). Released, so a retry
//   runs afresh: 5xx and 429. The response is stored before it is sent; a process that dies
//   in between leaves an in-flight claim that a retry takes over after the lease.

import { createHash } from "node:crypto";
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from "fastify";
import type { AppDeps } from "../app/context.js";
import { AppError } from "../app/errors.js";
import { actorRef } from "../core/access/index.js";
import { canonicalJson, type JsonValue } from "../core/json/canonical.js";
import {
  beginIdempotent,
  completeIdempotent,
  releaseIdempotent,
  type IdempotencyRef,
  type StoredResponse,
} from "../db/idempotency.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * How the route takes an Idempotency-Key: by default the plugin fingerprints the JSON body;
     * `"in_handler"`: the handler calls `claimIdempotencyKey` itself (multipart uploads);
     * `"off"`: the header is refused with 400.
     */
    idempotency?: "in_handler" | "off";
  }
}

/** The request header (lower case, as Node gives it). */
export const IDEMPOTENCY_HEADER = "idempotency-key";
/** Set to "true" on a replayed response. */
export const REPLAYED_HEADER = "idempotent-replayed";
/** Response headers stored with the body and replayed. */
const STORED_HEADERS = ["content-type", "location"] as const;

/** 1-255 visible ASCII characters (0x21-0x7E). */
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

type State =
  | { readonly kind: "deferred"; readonly scope: string; readonly key: string }
  | { readonly kind: "held"; readonly ref: IdempotencyRef }
  | { readonly kind: "settled" };

const states = new WeakMap<FastifyRequest, State>();

/** sha256 hex of a request's method, URL and fingerprint parts (the canonical body, or files). */
export function requestFingerprint(method: string, url: string, content: string): string {
  return createHash("sha256").update(`${method}\n${url}\n${content}`).digest("hex");
}

/** The canonical JSON of a parsed body ("" when there is none). */
export function canonicalBody(body: unknown): string {
  if (body === undefined) return "";
  try {
    return canonicalJson(body as JsonValue);
  } catch {
    // Not JSON-shaped (a custom parser's output): its plain serialisation still identifies it.
    return `raw:${String(JSON.stringify(body))}`;
  }
}

function isMultipart(request: FastifyRequest): boolean {
  const type = request.headers["content-type"];
  return typeof type === "string" && /^multipart\/form-data\b/i.test(type.trim());
}

function pathOf(request: FastifyRequest): string {
  return request.url.split("?")[0] ?? request.url;
}

/** The key the request carries, validated; undefined when it carries none. */
function keyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !KEY_FORMAT.test(raw)) {
    throw new AppError(
      "invalid_input",
      "Idempotency-Key must be one header of 1-255 visible ASCII characters",
      [{ path: "headers.idempotency-key", message: "1-255 visible ASCII characters" }],
    );
  }
  return raw;
}

/** Answers with a stored response, byte for byte, marked as a replay. */
export function sendReplay(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  reply.code(stored.status);
  for (const [name, value] of Object.entries(stored.headers)) reply.header(name, value);
  reply.header(REPLAYED_HEADER, "true");
  return reply.send(stored.body);
}

/** "proceed": run the request (holding the key, if any); else the stored response to replay. */
export type Claimed = "proceed" | { readonly replay: StoredResponse };

/**
 * Claims the key under `fingerprint`, or returns the stored response to replay; throws 422
 * (another request used the key) or 409 (the first is still running).
 */
async function claim(
  deps: Pick<AppDeps, "db" | "clock">,
  request: FastifyRequest,
  scope: string,
  key: string,
  fingerprint: string,
): Promise<Claimed> {
  const begun = await beginIdempotent(deps.db, {
    scope,
    key,
    method: request.method,
    path: pathOf(request),
    fingerprint,
    now: deps.clock(),
  });
  if (begun === "new") {
    states.set(request, { kind: "held", ref: { scope, key, fingerprint } });
    return "proceed";
  }
  states.set(request, { kind: "settled" });
  if (begun === "mismatch") {
    throw new AppError(
      "idempotency_mismatch",
      "this Idempotency-Key was used for a different request; use a new key for a new request",
    );
  }
  if (begun === "in_flight") {
    throw new AppError(
      "idempotency_in_flight",
      "a request with this Idempotency-Key is still being processed; retry later",
    );
  }
  return begun;
}

/** Whether a response with this status is kept for replays (else the key is given up). */
export function isStoredStatus(status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 429);
}

function payloadText(payload: unknown): string | null {
  if (payload === null || payload === undefined) return "";
  if (typeof payload === "string") return payload;
  if (Buffer.isBuffer(payload)) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(payload);
    } catch {
      return null;
    }
  }
  return null; // a stream: cannot be kept
}

/**
 * For routes with `config.idempotency: "in_handler"`: claims the request's Idempotency-Key (if it
 * carries one) under a fingerprint of the method, URL and `parts` (e.g. each file's field name,
 * file name and sha256). Returns "proceed" to go on, or `{ replay }`: the handler cleans up and
 * answers `sendReplay(reply, replay)`. Throws 422/409 like the plugin does.
 */
export async function claimIdempotencyKey(
  deps: Pick<AppDeps, "db" | "clock">,
  request: FastifyRequest,
  parts: readonly string[],
): Promise<Claimed> {
  const state = states.get(request);
  if (state === undefined) return "proceed"; // no key
  if (state.kind !== "deferred") throw new Error("claimIdempotencyKey called twice");
  const fingerprint = requestFingerprint(request.method, request.url, parts.join("\n"));
  return claim(deps, request, state.scope, state.key, fingerprint);
}

/**
 * Installs the Idempotency-Key hooks on every POST route registered after this call (as route
 * hooks, after the root instance's own: the permission check runs first). Other routes carry no
 * hook at all, so a read pays nothing for them.
 */
export function installIdempotency(app: FastifyInstance, deps: Pick<AppDeps, "db" | "clock">) {
  const preHandler: preHandlerAsyncHookHandler = async (request, reply) => {
    if (request.method !== "POST" || request.routeOptions.url === undefined) return;
    const key = keyOf(request);
    if (key === undefined) return;
    if (request.actor.role === "anonymous") return; // nobody to scope the key by
    const mode = request.routeOptions.config.idempotency;
    if (mode === "off") {
      throw new AppError("invalid_input", "this route does not accept an Idempotency-Key", [
        { path: "headers.idempotency-key", message: "not accepted on this route" },
      ]);
    }
    const scope = actorRef(request.actor);
    if (mode === "in_handler") {
      states.set(request, { kind: "deferred", scope, key });
      return;
    }
    if (isMultipart(request)) {
      throw new AppError("invalid_input", "this route takes no Idempotency-Key on multipart", [
        { path: "headers.idempotency-key", message: "not accepted with multipart bodies here" },
      ]);
    }
    const fingerprint = requestFingerprint(
      request.method,
      request.url,
      canonicalBody(request.body),
    );
    const claimed = await claim(deps, request, scope, key, fingerprint);
    if (claimed !== "proceed") return sendReplay(reply, claimed.replay);
  };

  const onSend: onSendAsyncHookHandler = async (request, reply, payload) => {
    const state = states.get(request);
    if (state?.kind !== "held") return payload;
    states.set(request, { kind: "settled" });
    const status = reply.statusCode;
    const body = isStoredStatus(status) ? payloadText(payload) : null;
    try {
      if (body === null) {
        await releaseIdempotent(deps.db, state.ref);
        if (isStoredStatus(status)) {
          request.log.warn({ status }, "idempotency: response body cannot be stored; key released");
        }
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of STORED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const stored = await completeIdempotent(deps.db, state.ref, { status, headers, body });
      if (!stored) request.log.warn("idempotency: key no longer held; response not stored");
    } catch (err) {
      // The response still goes out; the claim lapses after its lease.
      request.log.error({ err }, "idempotency: could not store the response");
    }
    return payload;
  };

  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes("POST")) return;
    route.preHandler = [...hooksOf(route.preHandler), preHandler];
    route.onSend = [...hooksOf(route.onSend), onSend];
  });
}

function hooksOf<H>(hooks: H | H[] | undefined): H[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
