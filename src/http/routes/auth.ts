// /session (sign in, who am I, sign out) and /tokens (API tokens for integrations). Thin: schema,
// one use case, present. The session cookie is HttpOnly, SameSite=Lax, Path=/ and Secure behind
// TLS; its value is shown to nobody else (the database keeps only its SHA-256).

import type { FastifyReply } from "fastify";
import {
  createApiToken,
  currentSession,
  listApiTokens,
  parsePageQuery,
  revokeApiToken,
  SESSION_TTL_MS,
  signIn,
  signOut,
} from "../../app/auth/index.js";
import { MANAGE_ACCOUNTS } from "../../app/auth/common.js";
import { AppError } from "../../app/errors.js";
import { ACTIONS, TOKEN_SCOPES } from "../../core/access/index.js";
import { SESSION_COOKIE, type RoutePlugin } from "../server.js";
import { ctxOf, idParams } from "./common.js";

const SESSION_TAGS = ["session"];
const TOKEN_TAGS = ["API tokens"];
const ROLE_VALUES = ["client", "qa", "finance", "admin"] as const;

export const userJson = {
  type: "object",
  additionalProperties: false,
  required: ["id", "email", "name", "role", "clientId", "disabled", "createdAt", "updatedAt"],
  properties: {
    id: { type: "string" },
    email: { type: "string" },
    name: { type: "string" },
    role: { type: "string", enum: [...ROLE_VALUES] },
    clientId: { type: ["string", "null"], description: "The client of a client user; else null." },
    disabled: { type: "boolean" },
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
  },
} as const;

const sessionJson = {
  type: "object",
  additionalProperties: false,
  required: ["via", "user", "role", "clientId", "csrfToken", "expiresAt", "abilities"],
  properties: {
    via: { type: "string", enum: ["session", "token"] },
    user: { anyOf: [userJson, { type: "null" }] },
    role: { type: "string", enum: [...ROLE_VALUES, "api_token"] },
    clientId: { type: ["string", "null"] },
    csrfToken: {
      type: ["string", "null"],
      description: "Send back as the X-CSRF-Token header on every cookie-authenticated write.",
    },
    expiresAt: { type: ["string", "null"], format: "date-time" },
    abilities: {
      type: "array",
      items: { type: "string", enum: [...ACTIONS] },
      description: "The actions the caller's role may perform (clients: on their own resources).",
    },
  },
} as const;

export const apiTokenJson = {
  type: "object",
  additionalProperties: false,
  required: ["id", "name", "scopes", "createdBy", "createdAt", "lastUsedAt", "revokedAt"],
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    scopes: { type: "array", items: { type: "string" } },
    createdBy: { type: ["string", "null"] },
    createdAt: { type: "string", format: "date-time" },
    lastUsedAt: { type: ["string", "null"], format: "date-time" },
    revokedAt: { type: ["string", "null"], format: "date-time" },
  },
} as const;

const createdTokenJson = {
  ...apiTokenJson,
  required: [...apiTokenJson.required, "token"],
  properties: {
    ...apiTokenJson.properties,
    token: {
      type: "string",
      description:
        "The token (rdt_...), shown this once. Send it as `Authorization: Bearer <token>`.",
    },
  },
} as const;

export const pageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "string", pattern: "^[0-9]{1,4}$", description: "1-100, default 50." },
    cursor: { type: "string", maxLength: 400, description: "nextCursor of the previous page." },
  },
} as const;

export const pageOf = (item: object) =>
  ({
    type: "object",
    additionalProperties: false,
    required: ["items", "nextCursor"],
    properties: {
      items: { type: "array", items: item },
      nextCursor: { type: ["string", "null"] },
    },
  }) as const;

interface SignInBody {
  email: string;
  password: string;
}
interface CreateTokenBody {
  name: string;
  scopes: string[];
}
interface PageQueryString {
  limit?: string;
  cursor?: string;
}

/** Sets (or, with null, clears) the session cookie with the attributes it always carries. */
function setSessionCookie(reply: FastifyReply, token: string | null, secure: boolean): void {
  const attributes = { httpOnly: true, sameSite: "lax", secure, path: "/" } as const;
  if (token === null) reply.clearCookie(SESSION_COOKIE, attributes);
  else reply.setCookie(SESSION_COOKIE, token, { ...attributes, maxAge: SESSION_TTL_MS / 1000 });
}

export const authRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: SignInBody }>(
    "/session",
    {
      config: { permission: "public" },
      schema: {
        tags: SESSION_TAGS,
        summary: "Sign in with e-mail address and password; sets the session cookie",
        description:
          "The same 401 answers an unknown address, a wrong password and a disabled account. " +
          "After 5 failed attempts for one address or from one IP within 15 minutes, attempts " +
          "answer 429 with Retry-After until the lock passes.",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["email", "password"],
          properties: {
            email: { type: "string", minLength: 1, maxLength: 254 },
            password: { type: "string", minLength: 1, maxLength: 1024 },
          },
        },
        response: { 200: sessionJson },
      },
    },
    async (request, reply) => {
      let signed;
      try {
        signed = await signIn(deps, ctxOf(request), {
          email: request.body.email,
          password: request.body.password,
          previousSessionToken: request.cookies[SESSION_COOKIE],
        });
      } catch (err) {
        const wait = err instanceof AppError ? err.extra["retryAfterSeconds"] : undefined;
        if (typeof wait === "number") reply.header("retry-after", String(wait));
        throw err;
      }
      setSessionCookie(reply, signed.sessionToken, app.secureCookies);
      reply.header("cache-control", "no-store");
      return signed.session;
    },
  );

  app.get(
    "/session",
    {
      config: { permission: "public" },
      schema: {
        tags: SESSION_TAGS,
        summary: "The caller: user, role, client, CSRF token and abilities (401 when signed out)",
        response: { 200: sessionJson },
      },
    },
    async (request, reply) => {
      const view = await currentSession(deps, ctxOf(request), request.auth);
      reply.header("cache-control", "no-store");
      return view;
    },
  );

  app.delete(
    "/session",
    {
      config: { permission: "public" },
      schema: { tags: SESSION_TAGS, summary: "Sign out: ends the session and clears the cookie" },
    },
    async (request, reply) => {
      // Public (a stale cookie may still be cleared), so the CSRF check of a live session is here.
      if (
        request.auth.via === "session" &&
        request.headers["x-csrf-token"] !== request.auth.csrfToken
      ) {
        throw new AppError("csrf_failed", "missing or wrong X-CSRF-Token header");
      }
      const token = request.cookies[SESSION_COOKIE];
      if (token !== undefined) await signOut(deps, ctxOf(request), token);
      setSessionCookie(reply, null, app.secureCookies);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: CreateTokenBody }>(
    "/tokens",
    {
      // The response shows a secret once; it must not be kept for replays.
      config: { permission: MANAGE_ACCOUNTS, idempotency: "off" },
      schema: {
        tags: TOKEN_TAGS,
        summary: "Issue an API token with scopes (admins); the token is shown once",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name", "scopes"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            scopes: {
              type: "array",
              minItems: 1,
              maxItems: TOKEN_SCOPES.length,
              uniqueItems: true,
              items: { type: "string", enum: [...TOKEN_SCOPES] },
            },
          },
        },
        response: { 201: createdTokenJson },
      },
    },
    async (request, reply) => {
      const created = await createApiToken(deps, ctxOf(request), request.body);
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .header("location", `/api/v1/tokens/${encodeURIComponent(created.apiToken.id)}`)
        .send({ ...created.apiToken, token: created.token });
    },
  );

  app.get<{ Querystring: PageQueryString }>(
    "/tokens",
    {
      config: { permission: MANAGE_ACCOUNTS },
      schema: {
        tags: TOKEN_TAGS,
        summary: "List API tokens (admins); never their secrets",
        querystring: pageQuery,
        response: { 200: pageOf(apiTokenJson) },
      },
    },
    async (request) => listApiTokens(deps, ctxOf(request), parsePageQuery(request.query)),
  );

  app.delete<{ Params: { id: string } }>(
    "/tokens/:id",
    {
      config: { permission: MANAGE_ACCOUNTS },
      schema: {
        tags: TOKEN_TAGS,
        summary: "Revoke an API token (admins); it stops working at once",
        params: idParams,
      },
    },
    async (request, reply) => {
      await revokeApiToken(deps, ctxOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
