// The HTTP shell: Fastify with strict validation, problem+json errors, one permission per route,
// the caller resolved from a session cookie or an API token, and OpenAPI generated from the route
// schemas. Routes stay thin: authenticate, validate, call one use case, present the result.

import { randomUUID } from "node:crypto";
import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import type { AuthInfo, Authenticator } from "../app/auth/auth-info.js";
import type { AppDeps } from "../app/context.js";
import { AppError, invalidField, notFound } from "../app/errors.js";
import { databaseReady } from "../app/readiness.js";
import { scrapeMetrics } from "../app/metrics/scrape-metrics.js";
import { ANONYMOUS, refusal, roleAllows, type Action, type Actor } from "../core/access/index.js";
import { installIdempotency } from "./idempotency.js";
import { swaggerOptions } from "./openapi/document.js";
import { registerComponents } from "./openapi/registry.js";
import { installProblemHandlers, sendProblem } from "./problem.js";
import { installWebApp, sendAppPage, wantsAppPage } from "./web-app.js";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor;
    auth: AuthInfo;
  }
  interface FastifyInstance {
    /** ServerOptions.secureCookies: whether the cookies this server sets are marked Secure. */
    readonly secureCookies: boolean;
  }
  interface FastifyContextConfig {
    /** The action this route performs, or "public" for routes anyone may call. */
    permission?: Action | "public";
  }
}

/** A group of routes; each route declares `config.permission`. */
export type RoutePlugin = (app: FastifyInstance, deps: AppDeps) => Promise<void> | void;

export interface ServerOptions {
  /** pino options, or false for silence (tests). */
  readonly logger?: FastifyServerOptions["logger"];
  /** A logger made by the caller (the service shares its pino logger with the use cases). */
  readonly loggerInstance?: FastifyBaseLogger;
  /** Marks cookies Secure (behind TLS). */
  readonly secureCookies?: boolean;
  readonly authenticate?: Authenticator;
  readonly routes?: readonly RoutePlugin[];
  /** The built web app's folder (dist/web), served at `/`; absent: the API alone. */
  readonly webRoot?: string | null;
  /**
   * Which proxies to believe about the caller's address (`X-Forwarded-For`), as Fastify's
   * `trustProxy`: false (default: the socket's address), a hop count, or the proxies' addresses
   * or CIDR ranges. From TRUST_PROXY (`parseTrustProxy`).
   */
  readonly trustProxy?: boolean | number | readonly string[];
}

/**
 * TRUST_PROXY as Fastify's `trustProxy`: unset, "", "0", "false" -> false; "true" -> every hop
 * (only when the server is reachable through the proxy alone); a whole number -> that many hops;
 * otherwise a comma-separated list of addresses or CIDR ranges (e.g. "10.0.0.0/8,127.0.0.1").
 */
export function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  const v = value?.trim() ?? "";
  if (v === "" || v === "0" || v.toLowerCase() === "false") return false;
  if (v.toLowerCase() === "true") return true;
  if (/^[0-9]{1,2}$/.test(v)) return Number(v);
  const list = v.split(",").map((x) => x.trim());
  for (const item of list) {
    if (!/^[0-9a-fA-F:.]+(\/[0-9]{1,3})?$/.test(item)) {
      throw new RangeError(
        `TRUST_PROXY must be true, a hop count, or comma-separated addresses/CIDR ranges; "${item}" is none of these`,
      );
    }
  }
  return list;
}

export const SESSION_COOKIE = "rd_session";
const NO_AUTH: AuthInfo = Object.freeze({ via: "none", csrfToken: null, sessionId: null });

/** Default logger: JSON lines with request ids, never tokens, cookies or payment details. */
export const LOGGER_OPTIONS = {
  level: process.env["LOG_LEVEL"] ?? "info",
  redact: {
    paths: [
      "req.headers.authorization",
      "req.headers.cookie",
      'req.headers["x-csrf-token"]',
      'res.headers["set-cookie"]',
      "*.password",
      "*.token",
      "*.providerRef",
      "*.refundAddress",
    ],
    censor: "[redacted]",
  },
};

/** Every route registered, with its declared permission (for the "every route declares one" test). */
export interface RouteRecord {
  readonly method: string;
  readonly url: string;
  readonly permission: Action | "public" | undefined;
}

function trustProxyOption(
  v: ServerOptions["trustProxy"],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (v === undefined) return false;
  if (typeof v === "number") return (_address, hop) => hop < v; // trust the first v hops
  return typeof v === "object" ? [...v] : v;
}

/** Builds the server; call `ready()` (or `listen`) before use. */
export async function buildServer(
  deps: AppDeps,
  options: ServerOptions = {},
): Promise<FastifyInstance & { routeRecords: RouteRecord[] }> {
  const app = Fastify({
    ...(options.loggerInstance === undefined
      ? { logger: options.logger ?? LOGGER_OPTIONS }
      : { loggerInstance: options.loggerInstance }),
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // Clean shutdown: a request that arrives on a kept-alive connection while the server closes
    // is answered as usual (not 503) and the connection closed after it (the hook below); idle
    // connections are closed at once.
    return503OnClosing: false,
    forceCloseConnections: "idle",
    // Unknown fields are refused (schemas say additionalProperties: false) and nothing is coerced:
    // money and ids arrive exactly as the client sent them.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false },
    },
    trustProxy: trustProxyOption(options.trustProxy),
    // Errors Fastify raises before routing (a malformed URL, a path parameter over the length
    // limit) answer as problem documents too.
    frameworkErrors: (err, _request, reply) => {
      const status = err.statusCode ?? 400;
      void sendProblem(
        reply,
        status,
        status === 414 ? "uri_too_long" : "invalid_input",
        err.code === "FST_ERR_BAD_URL"
          ? "the URL is not valid (bad percent-encoding?)"
          : status === 414
            ? "a path parameter is too long"
            : "bad request",
      );
    },
  });
  const routeRecords: RouteRecord[] = [];
  app.addHook("onRoute", (route) => {
    // The API documentation pages (registered by @fastify/swagger-ui) are public.
    if (route.url.startsWith("/docs") && route.config?.permission === undefined) {
      route.config = { ...route.config, permission: "public" };
    }
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === "HEAD") continue;
      routeRecords.push({ method, url: route.url, permission: route.config?.permission });
    }
  });

  const webRoot = options.webRoot ?? null;
  installProblemHandlers(
    app,
    webRoot === null
      ? undefined
      : (request, reply) => (wantsAppPage(request) ? sendAppPage(reply) : null),
  );
  await app.register(cookie);
  registerComponents(app);
  await app.register(swagger, swaggerOptions());
  // /docs opens on the guide (info.description: signing in, Authorize, trying a call). The
  // browser sends the session cookie itself (same origin); Authorize holds the CSRF header and
  // the bearer token, kept across reloads.
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    theme: { title: "Refund Desk API" },
    uiConfig: {
      persistAuthorization: true,
      withCredentials: true,
      docExpansion: "list",
      deepLinking: true,
      displayOperationId: true,
      tryItOutEnabled: false,
    },
  });

  app.decorate("secureCookies", options.secureCookies === true);
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  const authenticate = options.authenticate;
  app.decorateRequest("actor", null as never);
  app.decorateRequest("auth", null as never);
  // One onRequest hook for the two things every request needs first (each hook is a step of
  // Fastify's hook runner on every request): the closing server's answer, then who is calling.
  app.addHook("onRequest", async (request, reply) => {
    if (closing) void reply.header("connection", "close");
    request.actor = ANONYMOUS;
    request.auth = NO_AUTH;
    if (authenticate === undefined) return;
    const header = request.headers.authorization;
    const bearer = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    const resolved = await authenticate({
      sessionToken: request.cookies[SESSION_COOKIE],
      bearerToken: bearer,
      headers: request.headers,
      now: deps.clock(),
    });
    request.actor = resolved.actor;
    request.auth = resolved.auth;
  });

  // No text may carry U+0000: PostgreSQL cannot store it, and no field of ours needs it. Refused
  // here once, for every route, with the field named, instead of in each use case.
  // The synchronous hooks below take Fastify's `done` callback instead of being async: no promise
  // and microtask per hook and request (what they throw is caught by Fastify all the same).
  app.addHook("preValidation", (request, _reply, done) => {
    // An id holding one cannot exist: answered like any missing id.
    if (findNul(request.params, "params") !== null) throw notFound("resource");
    const where = findNul(request.query, "querystring") ?? findNul(request.body, "body");
    if (where !== null) throw invalidField(where, "must not contain NUL characters");
    done();
  });

  // Route-level permission: before any id is looked up, so the answer says nothing about ids.
  app.addHook("preHandler", (request, _reply, done) => {
    checkPermission(request);
    done();
  });
  const checkPermission = (request: FastifyRequest): void => {
    const permission = request.routeOptions.config.permission;
    if (request.routeOptions.url === undefined) return; // the not-found handler
    if (permission === undefined) {
      throw new AppError("forbidden", "this route declares no permission");
    }
    if (permission === "public") return;
    if (request.actor.role === "anonymous") {
      throw new AppError("unauthenticated", "sign in or send an API token");
    }
    if (!roleAllows(request.actor, permission)) {
      throw new AppError("forbidden", refusal(request.actor, permission));
    }
    // Cookie-authenticated writes carry the session's CSRF token in a header.
    if (
      request.auth.via === "session" &&
      request.method !== "GET" &&
      request.method !== "HEAD" &&
      request.method !== "OPTIONS" &&
      request.headers["x-csrf-token"] !== request.auth.csrfToken
    ) {
      throw new AppError("csrf_failed", "missing or wrong X-CSRF-Token header");
    }
  };
  // After the permission check, so a refused request claims no Idempotency-Key.
  installIdempotency(app, deps);
  // No response is ever sniffed into another type (uploads above all).
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (!reply.hasHeader("x-content-type-options"))
      reply.header("x-content-type-options", "nosniff");
    done(null, payload);
  });

  app.get("/health", { config: { permission: "public" }, schema: { hide: true } }, async () => ({
    status: "ok",
  }));
  app.get(
    "/ready",
    { config: { permission: "public" }, schema: { hide: true } },
    async (_r, reply) => {
      if (await databaseReady(deps)) return { status: "ready" };
      return reply.code(503).send({ status: "unavailable" });
    },
  );
  // Every answer counts: its duration by route pattern (never the raw URL: ids would make a
  // family per request) and status.
  app.addHook("onResponse", (request, reply, done) => {
    deps.metrics.http.observe(
      request.method,
      request.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  // Prometheus metrics, off the API's path: an admin or an API token with metrics:read (or,
  // unauthenticated, on METRICS_PORT bound to localhost: src/service/metrics-server.ts).
  app.get(
    "/metrics",
    { config: { permission: "metrics.read" }, schema: { hide: true } },
    async (_request, reply) => {
      const scraped = await scrapeMetrics(deps);
      return reply.type(scraped.contentType).send(scraped.body);
    },
  );
  app.get("/openapi.json", { config: { permission: "public" }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  await app.register(
    async (api) => {
      for (const plugin of options.routes ?? []) await plugin(api, deps);
    },
    { prefix: "/api/v1" },
  );
  if (webRoot !== null) await installWebApp(app, webRoot);
  return Object.assign(app as FastifyInstance, { routeRecords });
}

/** The path of the first string (value or key) holding U+0000, or null; JSON-like values only. */
export function findNul(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (typeof value !== "object" || value === null || depth > 32) return null;
  if (Buffer.isBuffer(value)) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes("\u0000")) return `${path}.${k.split("\u0000").join("\\0")}`;
    const found = findNul(v, `${path}.${k}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
