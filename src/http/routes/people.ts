// People's accounts beyond sign-in: invitations (admins), password links (anyone: ask for a reset;
// set the password with the link's token), one's own sessions, a person's sessions (admins: see
// and end them), and lifting an account's sign-in lock (admins). No password and no token is ever answered here; links go by e-mail only.

import {
  inviteUser,
  redeemAccountToken,
  requestPasswordReset,
  type InviteInput,
} from "../../app/auth/account-tokens.js";
import { liftSignInLock } from "../../app/auth/lift-sign-in-lock.js";
import { endOwnSession, listOwnSessions } from "../../app/auth/own-sessions.js";
import { endUserSession, endUserSessions, listUserSessions } from "../../app/auth/user-sessions.js";
import { parsePageQuery } from "../../app/auth/index.js";
import { ref } from "../openapi/components.js";
import { pageQuery, type PageQueryString } from "./account-schemas.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const ROLES = ["client", "qa", "finance", "admin"] as const;

export const peopleRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: InviteInput }>(
    "/invitations",
    {
      config: { permission: "user.write" },
      schema: {
        tags: ["users"],
        operationId: "inviteUser",
        summary:
          "Invite a person: create the account and e-mail a link to set its password (admins)",
        description:
          "The account is created without a password; the e-mail's link (valid 48 hours, once) " +
          "sets it. Role client needs `clientId` (an existing company). 409 when the address " +
          "has an account already.",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["email", "name", "role"],
          properties: {
            email: { type: "string", minLength: 3, maxLength: 254 },
            name: { type: "string", minLength: 1, maxLength: 200 },
            role: { type: "string", enum: [...ROLES] },
            clientId: { type: ["string", "null"], maxLength: 200 },
          },
          examples: [
            {
              email: "carla@acme.example",
              name: "Carla (Acme)",
              role: "client",
              clientId: "cl_3f9b2c1e-6a4d-4e8f-9b1a-2c3d4e5f6a7b",
            },
          ],
        },
        response: { 201: ref("Invitation") },
      },
    },
    async (request, reply) => {
      const invited = await inviteUser(deps, ctxOf(request), request.body);
      return reply
        .code(201)
        .header("location", `/api/v1/users/${encodeURIComponent(invited.user.id)}`)
        .send(invited);
    },
  );

  app.post<{ Body: { email: string } }>(
    "/password-resets",
    {
      config: {
        permission: "public",
        idempotency: "off",
        problems: {
          429: "Over the limits (3 an hour for one address, 20 an hour from one caller), for any address alike (`too_many_requests`).",
        },
      },
      schema: {
        tags: ["session"],
        operationId: "requestPasswordReset",
        summary: "Ask for a password-reset link by e-mail",
        description:
          "202 whether or not the address has an account (nothing tells which do). An " +
          "active account gets an e-mail with a link valid for 48 hours, once; a newer link " +
          "replaces an older one. Every request counts, account or not: 3 an hour for one " +
          "address and 20 an hour from one caller address; beyond, 429 with Retry-After, the " +
          "same for every address.",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["email"],
          properties: { email: { type: "string", minLength: 3, maxLength: 254 } },
          examples: [{ email: "carla@acme.example" }],
        },
        response: { 202: { type: "null", description: "Accepted." } },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(deps, ctxOf(request), request.body);
      return reply.code(202).send();
    },
  );

  app.post<{ Body: { token: string; password: string } }>(
    "/set-password",
    {
      config: { permission: "public", idempotency: "off" },
      schema: {
        tags: ["session"],
        operationId: "setPasswordWithLink",
        summary: "Set a password with the token of an invitation or reset link",
        description:
          "Uses the token up, sets the password (at least 12 characters), ends every session of " +
          "the account and lifts its sign-in locks; then sign in with POST /session. An expired, " +
          "used or replaced token answers 400 naming `body.token`.",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["token", "password"],
          properties: {
            token: { type: "string", minLength: 1, maxLength: 200 },
            password: { type: "string", minLength: 1, maxLength: 1024 },
          },
          examples: [
            { token: "q3Xv0b2Jm5yT8wK1nR4sL7dF0aH6cE9uZ2pG5iV8oB1", password: "a long passphrase" },
          ],
        },
        response: { 204: { type: "null", description: "The password is set." } },
      },
    },
    async (request, reply) => {
      await redeemAccountToken(deps, ctxOf(request), request.body);
      reply.header("cache-control", "no-store");
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: PageQueryString }>(
    "/sessions",
    {
      config: { permission: "session.manage_own" },
      schema: {
        tags: ["session"],
        operationId: "listOwnSessions",
        summary: "List one's own sessions (where one is signed in)",
        description:
          "Unexpired sessions, newest first, a page at a time (`limit`, `cursor`); `current` marks this request's.",
        querystring: pageQuery,
        response: { 200: ref("OwnSessionPage") },
      },
    },
    async (request) =>
      listOwnSessions(
        deps,
        ctxOf(request),
        request.auth.sessionId ?? null,
        parsePageQuery(request.query),
      ),
  );

  app.delete<{ Params: IdParams }>(
    "/sessions/:id",
    {
      config: { permission: "session.manage_own" },
      schema: {
        tags: ["session"],
        operationId: "endOwnSession",
        summary: "End one of one's own sessions",
        description: "It stops working at once. Another person's session id answers 404.",
        params: idParams,
        response: { 204: { type: "null", description: "Ended." } },
      },
    },
    async (request, reply) => {
      await endOwnSession(deps, ctxOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: IdParams; Querystring: PageQueryString }>(
    "/users/:id/sessions",
    {
      config: { permission: "session.manage_any" },
      schema: {
        tags: ["users"],
        operationId: "listUserSessions",
        summary: "List a person's sessions (admins)",
        description:
          "Where the person is signed in: unexpired sessions, newest first, a page at a time (`limit`, `cursor`); `current` marks the session of this request (an admin looking at their own).",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("UserSessionPage") },
      },
    },
    async (request) =>
      listUserSessions(
        deps,
        ctxOf(request),
        request.params.id,
        request.auth.sessionId ?? null,
        parsePageQuery(request.query),
      ),
  );

  app.delete<{ Params: { id: string; sessionId: string } }>(
    "/users/:id/sessions/:sessionId",
    {
      config: { permission: "session.manage_any" },
      schema: {
        tags: ["users"],
        operationId: "endUserSession",
        summary: "End one of a person's sessions (admins)",
        description:
          "It stops working at once; the person signs in again. Audited on the person's trail (`user.session_ended`). A session id that is not the person's answers 404.",
        params: {
          type: "object",
          additionalProperties: false,
          required: ["id", "sessionId"],
          properties: {
            id: idParams.properties.id,
            sessionId: { type: "string", minLength: 1, maxLength: 100 },
          },
        },
        response: { 204: { type: "null", description: "Ended." } },
      },
    },
    async (request, reply) => {
      await endUserSession(deps, ctxOf(request), request.params.id, request.params.sessionId);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: IdParams }>(
    "/users/:id/sessions",
    {
      config: { permission: "session.manage_any" },
      schema: {
        tags: ["users"],
        operationId: "endUserSessions",
        summary: "End every session of a person (admins)",
        description:
          "Signs the person out everywhere at once (an admin ending their own sessions signs themself out too). Audited on the person's trail (`user.sessions_ended`).",
        params: idParams,
        response: { 200: ref("SessionsEnded") },
      },
    },
    async (request) => endUserSessions(deps, ctxOf(request), request.params.id),
  );

  app.delete<{ Params: IdParams }>(
    "/users/:id/sign-in-lock",
    {
      config: { permission: "user.write" },
      schema: {
        tags: ["users"],
        operationId: "liftSignInLock",
        summary: "Lift an account's sign-in lock (admins)",
        description:
          "Removes the account's failure counts and locks (its own backoff and every " +
          "account-and-address lock). An address's own ceiling is left as it is.",
        params: idParams,
        response: { 200: ref("SignInLockLifted") },
      },
    },
    async (request) => liftSignInLock(deps, ctxOf(request), request.params.id),
  );
};
