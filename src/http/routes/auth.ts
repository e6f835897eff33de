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
import { ref } from "../openapi/components.js";
import { SESSION_COOKIE, type RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams } from "./common.js";

const SESSION_TAGS = ["session"];
const TOKEN_TAGS = ["API tokens"];
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
      config: {
        permission: "public",
        problems: {
          401: "Unknown address, wrong password or disabled account, all alike (`unauthenticated`).",
          429: "Too many failed attempts for this account, from this address or from this IP (`too_many_requests`).",
        },
      },
      schema: {
        tags: SESSION_TAGS,
        operationId: "signIn",
        summary: "Sign in with e-mail address and password; sets the session cookie",
        description:
          "Sets the `rd_session` cookie (HttpOnly, SameSite=Lax) and answers the session with its `csrfToken`. " +
          "The same 401 answers an unknown address, a wrong password and a disabled account. " +
          "Failures are counted per account and address: 5 within 15 minutes lock that account " +
          "from that address for 15 minutes (colleagues behind the same address are not locked); " +
          "10 from anywhere start a backoff of the account (1 minute, doubling up to an hour); " +
          "100 from one address for any accounts lock the address. A locked attempt answers 429 " +
          "with Retry-After; an administrator can lift an account's locks. The address is the " +
          "socket's, or X-Forwarded-For's when the server runs with TRUST_PROXY.",
        body: ref("SignIn"),
        response: { 200: ref("Session") },
      },
    },
    async (request, reply) => {
      // A lock's 429 carries Retry-After (the problem handler sets it from the error).
      const signed = await signIn(deps, ctxOf(request), {
        email: request.body.email,
        password: request.body.password,
        previousSessionToken: request.cookies[SESSION_COOKIE],
      });
      setSessionCookie(reply, signed.sessionToken, app.secureCookies);
      reply.header("cache-control", "no-store");
      return signed.session;
    },
  );

  app.get(
    "/session",
    {
      config: { permission: "public", problems: { 401: "Not signed in (`unauthenticated`)." } },
      schema: {
        tags: SESSION_TAGS,
        operationId: "getSession",
        summary: "The caller: user, role, client, CSRF token and abilities (401 when signed out)",
        description:
          "Works with the session cookie and with an API token (then `via` is `token` and `user` null).",
        response: { 200: ref("Session") },
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
      config: {
        permission: "public",
        problems: { 403: "A live session without its `X-CSRF-Token` (`csrf_failed`)." },
      },
      schema: {
        tags: SESSION_TAGS,
        operationId: "signOut",
        summary: "Sign out: ends the session and clears the cookie",
        description:
          "Ends the session and clears the cookie; with a live session, the `X-CSRF-Token` header is required.",
        response: { 204: { type: "null", description: "Signed out (or was not signed in)." } },
      },
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
        operationId: "createApiToken",
        summary: "Issue an API token with scopes (admins); the token is shown once",
        description:
          "The answer carries the token (`rdt_...`) this once; the desk keeps only its hash. The `Idempotency-Key` header is refused here (the answer must not be stored).",
        body: ref("ApiTokenCreate"),
        response: { 201: ref("ApiTokenCreated") },
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
        operationId: "listApiTokens",
        summary: "List API tokens (admins); never their secrets",
        description: "A Page of tokens, oldest first, revoked ones included.",
        querystring: pageQuery,
        response: { 200: ref("ApiTokenPage") },
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
        operationId: "revokeApiToken",
        summary: "Revoke an API token (admins); it stops working at once",
        description: "The token stays listed with `revokedAt`.",
        params: idParams,
        response: { 204: { type: "null", description: "Revoked." } },
      },
    },
    async (request, reply) => {
      await revokeApiToken(deps, ctxOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
