// /users: admins create, list and change accounts; anyone signed in reads their own account (staff
// any) and changes their own password with the current one. A client asking for another user gets
// the same 404 as for a missing id. No response ever carries a password hash.

import {
  createUser,
  getUser,
  listUsers,
  parsePageQuery,
  updateUser,
  type CreateUserInput,
  type UpdateUserInput,
} from "../../app/auth/index.js";
import { MANAGE_ACCOUNTS } from "../../app/auth/common.js";
import { SESSION_COOKIE, type RoutePlugin } from "../server.js";
import { ref } from "../openapi/components.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams } from "./common.js";

const TAGS = ["users"];
const ROLES = ["client", "qa", "finance", "admin"] as const;

const password = (description: string) =>
  ({ type: "string", minLength: 1, maxLength: 1024, description }) as const;

interface ListQuery {
  limit?: string;
  cursor?: string;
  role?: (typeof ROLES)[number];
  clientId?: string;
}

export const userRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: CreateUserInput }>(
    "/users",
    {
      config: {
        permission: MANAGE_ACCOUNTS,
        problems: {
          409: "A user with this e-mail address exists (`conflict`, naming the field).",
          422: "`clientId` names no client, or does not fit the role (`unprocessable`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "createUser",
        summary: "Create a user account (admins)",
        description:
          "A staff member (qa, finance, admin) or a client's user (with `clientId`). E-mail addresses are unique (409).",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["email", "name", "role", "password"],
          properties: {
            email: { type: "string", minLength: 3, maxLength: 254 },
            name: { type: "string", minLength: 1, maxLength: 200 },
            role: { type: "string", enum: [...ROLES] },
            clientId: {
              type: ["string", "null"],
              maxLength: 200,
              description: "Required for role client (an existing client); absent for staff.",
            },
            password: password("At least 12 characters."),
          },
          examples: [
            {
              email: "carol@acme.example",
              name: "Carol (Acme)",
              role: "client",
              clientId: "cl_3f9b2c1e-6a4d-4e8f-9b1a-2c3d4e5f6a7b",
              password: "correct-horse-battery-staple",
            },
          ],
        },
        response: { 201: ref("User") },
      },
    },
    async (request, reply) => {
      const user = await createUser(deps, ctxOf(request), request.body);
      return reply
        .code(201)
        .header("location", `/api/v1/users/${encodeURIComponent(user.id)}`)
        .send(user);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    "/users",
    {
      config: { permission: "user.list" },
      schema: {
        tags: TAGS,
        operationId: "listUsers",
        summary: "List user accounts (staff), oldest first; by role or client",
        description:
          "A Page of users; filter by role or client. Admins, and the staff who need the names of the people on the requests they handle (qa, finance).",
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            role: { type: "string", enum: [...ROLES] },
            clientId: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
        response: { 200: ref("UserPage") },
      },
    },
    async (request) =>
      listUsers(deps, ctxOf(request), {
        page: parsePageQuery(request.query),
        role: request.query.role,
        clientId: request.query.clientId,
      }),
  );

  app.get<{ Params: { id: string } }>(
    "/users/:id",
    {
      config: { permission: "user.read" },
      schema: {
        tags: TAGS,
        operationId: "getUser",
        summary: "Read a user account (clients: only their own)",
        description: "A client asking for another user gets 404, as for a missing id.",
        params: idParams,
        response: { 200: ref("User") },
      },
    },
    async (request) => getUser(deps, ctxOf(request), request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: UpdateUserInput }>(
    "/users/:id",
    {
      // The gate every signed-in person passes (for their own password); which fields the caller
      // may change is decided per field and per account by the use case (admins: user.write).
      config: {
        permission: "user.read",
        problems: {
          409: "The last enabled admin cannot be disabled or demoted (`conflict`).",
          422: "`clientId` names no client, or does not fit the role (`unprocessable`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "updateUser",
        summary: "Change a user: admins name, role, client, disabled; anyone their own password",
        description:
          "Admins change name, role, client and `disabled` (a disabled user's sessions end at once). Anyone changes their own password with `currentPassword`; the other sessions of that user end.",
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            role: { type: "string", enum: [...ROLES] },
            clientId: { type: ["string", "null"], maxLength: 200 },
            disabled: { type: "boolean", description: "A disabled user's sessions end at once." },
            password: password("The new password (at least 12 characters)."),
            currentPassword: password("Required to change one's own password."),
          },
          examples: [{ name: "Alice Martin (Acme)" }],
        },
        response: { 200: ref("User") },
      },
    },
    async (request) =>
      updateUser(deps, ctxOf(request), request.params.id, request.body, {
        currentSessionToken:
          request.auth.via === "session" ? request.cookies[SESSION_COOKIE] : undefined,
      }),
  );
};
