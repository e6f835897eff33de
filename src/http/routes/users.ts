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
import type { Role } from "../../db/schema.js";
import { SESSION_COOKIE, type RoutePlugin } from "../server.js";
import { pageOf, pageQuery, userJson } from "./auth.js";
import { ctxOf, idParams } from "./common.js";

const TAGS = ["users"];
const ROLES = ["client", "qa", "finance", "admin"] as const;

const password = (description: string) =>
  ({ type: "string", minLength: 1, maxLength: 1024, description }) as const;

interface ListQuery {
  limit?: string;
  cursor?: string;
  role?: Role;
  clientId?: string;
}

export const userRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: CreateUserInput }>(
    "/users",
    {
      config: { permission: MANAGE_ACCOUNTS },
      schema: {
        tags: TAGS,
        summary: "Create a user account (admins)",
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
        },
        response: { 201: userJson },
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
        summary: "List user accounts (staff), oldest first; by role or client",
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            role: { type: "string", enum: [...ROLES] },
            clientId: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
        response: { 200: pageOf(userJson) },
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
        summary: "Read a user account (clients: only their own)",
        params: idParams,
        response: { 200: userJson },
      },
    },
    async (request) => getUser(deps, ctxOf(request), request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: UpdateUserInput }>(
    "/users/:id",
    {
      // The gate every signed-in person passes (for their own password); which fields the caller
      // may change is decided per field and per account by the use case (admins: user.write).
      config: { permission: "user.read" },
      schema: {
        tags: TAGS,
        summary: "Change a user: admins name, role, client, disabled; anyone their own password",
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
        },
        response: { 200: userJson },
      },
    },
    async (request) =>
      updateUser(deps, ctxOf(request), request.params.id, request.body, {
        currentSessionToken:
          request.auth.via === "session" ? request.cookies[SESSION_COOKIE] : undefined,
      }),
  );
};
