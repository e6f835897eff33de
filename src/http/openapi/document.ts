// The OpenAPI 3.1 document around the route schemas: info, servers, the guide at the top, tags,
// security schemes, outbound webhooks, and `operationContract`, which adds to every operation
// what follows from its declared permission and shape rather than being written per route:
// security requirements (session + CSRF for writes, bearer token with its scope), the
// Idempotency-Key parameter, the response headers (Location, Idempotent-Replayed, Retry-After)
// and every problem response it can answer. Only the document changes: validation and
// serialisation at run time use the route schemas as written.

import type { RouteOptions } from "fastify";
import { roleAllows, scopeFor, type Action, type Actor } from "../../core/access/index.js";
import { ref } from "./components.js";
import { componentByName } from "./registry.js";
import { API_GUIDE, WEBHOOK_EVENT_TYPES, webhookOperations } from "./guide.js";

/** What a route may declare about its errors beyond what its shape implies. */
export interface RouteProblems {
  /** Status -> when this route answers it (added to, or replacing, the default wording). */
  readonly [status: number]: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Problem responses this route answers besides those implied by its shape (OpenAPI only). */
    problems?: RouteProblems;
  }
}

const PROBLEM_DEFAULTS: Readonly<Record<number, string>> = {
  400: "Invalid input (`invalid_input`): `errors` names each offending field by its path (`body.price.amount`, `query.limit`, `headers.idempotency-key`).",
  401: "Not signed in and no valid API token (`unauthenticated`).",
  403: "The caller's role or token scope may not do this (`forbidden`), or a cookie-authenticated write came without the session's `X-CSRF-Token` (`csrf_failed`).",
  404: "No such resource, or not the caller's: both answer the same (`not_found`).",
  409: "Conflict (`conflict`).",
  413: "The body is larger than the route accepts (`payload_too_large`).",
  415: "The body's Content-Type is not one the route accepts (`unsupported_media_type`).",
  422: "The request is well-formed but cannot be done (`unprocessable`).",
  429: "Too many attempts (`too_many_requests`); wait `Retry-After` seconds.",
  500: "An unexpected failure on our side (`internal`); nothing was kept, so a retry (with the same `Idempotency-Key`) is safe.",
};

const IDEMPOTENCY_409 =
  "A request with the same `Idempotency-Key` is still being processed (`idempotency_in_flight`); retry shortly.";
const IDEMPOTENCY_422 =
  "The `Idempotency-Key` was used with a different request (`idempotency_mismatch`).";
const VERSION_409 =
  "`expectedVersion` is not the current version (`version_conflict`): read the resource again and decide again.";

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
};

/** Whether a route's writes, when cookie-authenticated, need the CSRF header. */
const isWrite = (method: string) => method !== "GET" && method !== "HEAD" && method !== "OPTIONS";

const SAMPLE_ACTORS: readonly [string, Actor][] = [
  ["client", { role: "client", clientId: "c", userId: "u" }],
  ["qa", { role: "qa", userId: "u" }],
  ["finance", { role: "finance", userId: "u" }],
  ["admin", { role: "admin", userId: "u" }],
];

/** The roles whose members may ever perform `action` (clients: on their own resources). */
export function rolesFor(action: Action): string[] {
  return SAMPLE_ACTORS.filter(([, actor]) => roleAllows(actor, action)).map(([name]) => name);
}

type Json = Record<string, unknown>;

const problemResponse = (description: string, headers?: Json): Json => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { "application/problem+json": { schema: ref("Problem") } },
});

// Response headers as @fastify/swagger takes them: a schema each, its description lifted out.
const RETRY_AFTER = {
  "Retry-After": {
    type: "integer",
    minimum: 1,
    description: "Seconds to wait before trying again.",
  },
};
const LOCATION = {
  Location: { type: "string", description: "The URL of the created (or found) resource." },
};
const REPLAYED = {
  "Idempotent-Replayed": {
    type: "string",
    enum: ["true"],
    description:
      "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key` (replayed byte for byte).",
  },
};

function hasProperty(schema: unknown, name: string): boolean {
  if (typeof schema !== "object" || schema === null) return false;
  const props = (schema as Json)["properties"];
  return typeof props === "object" && props !== null && name in props;
}

/** The name of the component a schema refers to (`{ $ref: "Name#" }`), if it is one. */
function componentName(schema: unknown): string | null {
  if (typeof schema !== "object" || schema === null) return null;
  const r = (schema as Json)["$ref"];
  return typeof r === "string" && r.endsWith("#") ? r.slice(0, -1) : null;
}

/**
 * Fastify's route options -> the schema @fastify/swagger documents. Used as its `transform`.
 * Reads `config.permission`, `config.idempotency`, `config.problems` and the route's schema.
 */
export function operationContract({
  schema,
  url,
  route,
}: {
  schema: Json | undefined;
  url: string;
  route: RouteOptions;
}): { schema: Json; url: string } {
  const s: Json = { ...(schema ?? {}) };
  if (s["hide"] === true) return { schema: s, url };
  const method = (Array.isArray(route.method) ? route.method[0] : route.method) as string;
  const config = (route.config ?? {}) as {
    permission?: Action | "public";
    idempotency?: "in_handler" | "off";
    problems?: RouteProblems;
  };
  const permission = config.permission;
  const isPublic = permission === "public" || permission === undefined;
  const write = isWrite(method);
  const scope = isPublic ? null : scopeFor(permission);

  // Security: who may call, and how.
  if (isPublic) {
    s["security"] = [];
  } else {
    const session = write ? { session: [], csrf: [] } : { session: [] };
    s["security"] = scope === null ? [session] : [session, { token: [scope] }];
    s["x-permission"] = permission;
    s["x-scopes"] = scope === null ? [] : [scope];
    const roles = rolesFor(permission);
    const who =
      `**Permission** \`${permission}\`: ${roles.length > 0 ? roles.join(", ") : "nobody"}` +
      (roles.includes("client") ? " (clients: on their own resources)" : "") +
      (scope === null ? "; not open to API tokens." : `; API tokens with the scope \`${scope}\`.`) +
      (write ? " Signed-in callers send the session's `X-CSRF-Token`." : "");
    s["description"] = [s["description"], who].filter(Boolean).join("\n\n");
  }

  // Idempotency-Key on POST routes (the header is ignored for anonymous callers).
  const idempotent = method === "POST" && !isPublic && config.idempotency !== "off";
  if (idempotent) {
    const headers = (s["headers"] as Json | undefined) ?? { type: "object", properties: {} };
    s["headers"] = {
      ...headers,
      properties: {
        ...((headers["properties"] as Json | undefined) ?? {}),
        "idempotency-key": {
          type: "string",
          minLength: 1,
          maxLength: 255,
          pattern: "^[\\x21-\\x7e]+$",
          description:
            "Makes a retry safe: the first request with a key is done once and its answer (2xx or 4xx) is stored for 24 hours and replayed to any repeat of the same request; the same key with another request answers 422, and a repeat while the first still runs answers 409. 1-255 visible ASCII characters, e.g. a UUID.",
        },
      },
    };
  }

  // Responses: success ones in full form (description, headers, content), then the problems.
  const given = (s["response"] as Json | undefined) ?? {};
  const responses: Json = {};
  for (const [status, body] of Object.entries(given)) {
    const code = Number(status);
    if (code >= 400) {
      responses[status] = body;
      continue;
    }
    const headers: Json = {
      ...(code === 201 ? LOCATION : {}),
      ...(idempotent ? REPLAYED : {}),
    };
    const b = body as Json;
    const name = componentName(b);
    if (b["content"] !== undefined) {
      responses[status] = {
        description: b["description"] ?? STATUS_TEXT[code] ?? "Success",
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        content: b["content"],
      };
    } else if (code === 204 || b["type"] === "null") {
      // `type: "null"`: @fastify/swagger then documents no content.
      responses[status] = {
        type: "null",
        description: b["description"] ?? STATUS_TEXT[code] ?? "Success",
      };
    } else {
      responses[status] = {
        description:
          (b["description"] as string | undefined) ??
          `${STATUS_TEXT[code] ?? "Success"}${name === null ? "" : `: the ${name}`}.`,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        content: { "application/json": { schema: body } },
      };
    }
  }
  const produces = s["produces"] as string[] | undefined;
  if (produces !== undefined && given["200"] === undefined) {
    // A download: the bytes as stored, in one of the types the route declares (beside any
    // other success the route gives, e.g. a redirect).
    responses["200"] = {
      description: "The file's bytes, with its own Content-Type.",
      content: Object.fromEntries(
        produces.map((t) => [t, { schema: { type: "string", contentEncoding: "binary" } }]),
      ),
    };
    delete s["produces"];
  } else if (Object.keys(given).length === 0) {
    responses[method === "DELETE" ? "204" : "200"] = { type: "null", description: "No Content" };
  }

  const problems = new Map<number, string[]>();
  const add = (status: number, text: string) => {
    const list = problems.get(status) ?? [];
    if (!list.includes(text)) list.push(text);
    problems.set(status, list);
  };
  // Any request may be malformed (a NUL character, a body that is not JSON), and any request
  // that may carry a body may carry one too large or of a type the route does not take.
  const mayCarryBody = method !== "GET" && method !== "HEAD";
  add(400, PROBLEM_DEFAULTS[400]!);
  if (!isPublic) {
    add(401, PROBLEM_DEFAULTS[401]!);
    add(403, PROBLEM_DEFAULTS[403]!);
  }
  if (/:[A-Za-z]/.test(route.url)) add(404, PROBLEM_DEFAULTS[404]!);
  const bodyName = componentName(s["body"]);
  const body = bodyName === null ? s["body"] : componentByName(bodyName);
  if (hasProperty(body, "expectedVersion")) {
    add(409, VERSION_409);
  }
  if (idempotent) {
    add(409, IDEMPOTENCY_409);
    add(422, IDEMPOTENCY_422);
  }
  if (mayCarryBody) {
    add(413, PROBLEM_DEFAULTS[413]!);
    add(415, PROBLEM_DEFAULTS[415]!);
  }
  add(500, PROBLEM_DEFAULTS[500]!);
  for (const [status, text] of Object.entries(config.problems ?? {})) add(Number(status), text);
  for (const status of [...problems.keys()].sort((a, b) => a - b)) {
    responses[String(status)] = problemResponse(
      problems.get(status)!.join(" "),
      status === 429 ? RETRY_AFTER : undefined,
    );
  }
  s["response"] = responses;
  return { schema: s, url };
}

/** The options of @fastify/swagger: the document around the routes. */
export function swaggerOptions(): Json {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Refund Desk API",
        version: "1.0.0",
        summary: "Refund requests, reviews and payouts under the company's refund policy.",
        description: API_GUIDE,
        contact: {
          name: "Refund Desk integrations",
          email: "integrations@refund-desk.example",
          url: "https://refund-desk.example/support",
        },
        license: { name: "Proprietary", url: "https://refund-desk.example/terms" },
      },
      servers: [
        { url: "http://localhost:3000", description: "A local server (`npm start`, demo company)" },
        { url: "https://refund-desk.example", description: "Production" },
      ],
      tags: TAGS,
      components: {
        securitySchemes: {
          session: {
            type: "apiKey",
            in: "cookie",
            name: "rd_session",
            description:
              "The session cookie `POST /api/v1/session` sets (HttpOnly). A browser sends it by itself; writes also need `csrf`.",
          },
          csrf: {
            type: "apiKey",
            in: "header",
            name: "X-CSRF-Token",
            description:
              "The `csrfToken` of `GET /api/v1/session` (or of the sign-in answer): required on every cookie-authenticated write.",
          },
          token: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "rdt_...",
            description:
              "An API token (`rdt_...`) an admin issued with `POST /api/v1/tokens`; each operation names the scope it needs (`x-scopes`).",
          },
        },
      },
      webhooks: webhookOperations(),
      "x-webhook-event-types": WEBHOOK_EVENT_TYPES,
    },
    refResolver: {
      // Components are named by their `$id` (not def-0, def-1, ...).
      buildLocalReference: (json: Json, _base: unknown, _fragment: unknown, i: number) =>
        typeof json["$id"] === "string" ? json["$id"] : `def-${i}`,
    },
    transform: operationContract,
  };
}

const TAGS = [
  { name: "session", description: "Sign in and out; who the caller is and its CSRF token." },
  { name: "API tokens", description: "Tokens for integrations, with scopes (admins)." },
  { name: "users", description: "User accounts (admins; everyone: their own)." },
  { name: "policy", description: "The refund policy in force." },
  { name: "orders", description: "Orders pushed by the company's systems (ERP)." },
  { name: "payments", description: "Captured payments of orders." },
  { name: "service events", description: "Blockers, incidents and faults during an order." },
  {
    name: "imports",
    description: "Bulk import of orders, payments or events from CSV or NDJSON (all or nothing).",
  },
  { name: "requests", description: "Refund requests and their review workflow." },
  { name: "attachments", description: "Files attached to refund requests." },
  {
    name: "inbound e-mail",
    description:
      "E-mail to support the desk could not file by itself, and QA's triage of it (reviewers).",
  },
  { name: "payouts", description: "Refunds paid out, their due windows and approvals." },
  {
    name: "disputes",
    description:
      "Card disputes (chargebacks) reported by the provider, and the evidence finance answers them with.",
  },
  {
    name: "reports",
    description:
      "Aggregates over a period in the policy's time zone, as JSON or CSV (QA leads, finance, admins).",
  },
  { name: "webhook endpoints", description: "Outbound webhooks: endpoints and deliveries." },
  { name: "audit", description: "The hash-chained audit trail and its verification (admins)." },
  { name: "webhooks", description: "Inbound webhooks from the card provider (signed)." },
];
