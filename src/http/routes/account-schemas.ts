// Components of the account routes (/session, /tokens, /users; ADR 0018): users, the caller's
// session, API tokens.

import { ACTIONS, TOKEN_SCOPES } from "../../core/access/index.js";
import { pageOf, ref, type Component } from "../openapi/components.js";
import { EXAMPLE_CLIENT_ID } from "./order-schemas.js";

export const ROLE_VALUES = ["client", "qa", "finance", "admin"] as const;

const USER_EXAMPLE = {
  id: "usr_5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
  email: "alice@acme.example",
  name: "Alice (Acme)",
  role: "client",
  clientId: EXAMPLE_CLIENT_ID,
  disabled: false,
  createdAt: "2026-01-05T09:00:00.000Z",
  updatedAt: "2026-01-05T09:00:00.000Z",
};

export const User = {
  $id: "User",
  type: "object",
  additionalProperties: false,
  required: ["id", "email", "name", "role", "clientId", "disabled", "createdAt", "updatedAt"],
  description: "A user account (never its password).",
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
  examples: [USER_EXAMPLE],
} as const satisfies Component;

export const Session = {
  $id: "Session",
  type: "object",
  additionalProperties: false,
  required: ["via", "user", "role", "clientId", "csrfToken", "expiresAt", "abilities"],
  description:
    "Who the caller is: the signed-in user (or an API token), its role and client, the CSRF token to send with writes, and what it may do.",
  properties: {
    via: { type: "string", enum: ["session", "token"] },
    user: { anyOf: [ref("User"), { type: "null" }] },
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
  examples: [
    {
      via: "session",
      user: USER_EXAMPLE,
      role: "client",
      clientId: EXAMPLE_CLIENT_ID,
      csrfToken: "b3f1c2d4e5a6978812ab34cd56ef7890",
      expiresAt: "2026-03-02T21:00:00.000Z",
      abilities: ["order.read", "request.create", "request.read", "request.list"],
    },
  ],
} as const satisfies Component;

export const SignIn = {
  $id: "SignIn",
  type: "object",
  additionalProperties: false,
  required: ["email", "password"],
  description: "E-mail address and password.",
  properties: {
    email: { type: "string", minLength: 1, maxLength: 254 },
    password: { type: "string", minLength: 1, maxLength: 1024 },
  },
  examples: [{ email: "ada@prosphere.example", password: "demo-password-2026" }],
} as const satisfies Component;

const TOKEN_EXAMPLE = {
  id: "tok_2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
  name: "ERP order sync",
  scopes: ["orders:write", "payments:write", "events:write"],
  createdBy: "usr_ada",
  createdAt: "2026-01-05T09:30:00.000Z",
  lastUsedAt: "2026-03-02T08:59:41.000Z",
  revokedAt: null,
};

const tokenProperties = {
  id: { type: "string" },
  name: { type: "string" },
  scopes: { type: "array", items: { type: "string", enum: [...TOKEN_SCOPES] } },
  createdBy: { type: ["string", "null"] },
  createdAt: { type: "string", format: "date-time" },
  lastUsedAt: { type: ["string", "null"], format: "date-time" },
  revokedAt: { type: ["string", "null"], format: "date-time" },
} as const;

export const ApiToken = {
  $id: "ApiToken",
  type: "object",
  additionalProperties: false,
  required: ["id", "name", "scopes", "createdBy", "createdAt", "lastUsedAt", "revokedAt"],
  description: "An API token as listed: never its secret.",
  properties: tokenProperties,
  examples: [TOKEN_EXAMPLE],
} as const satisfies Component;

export const ApiTokenCreated = {
  $id: "ApiTokenCreated",
  type: "object",
  additionalProperties: false,
  required: [...ApiToken.required, "token"],
  description: "A new API token, with its secret shown this once.",
  properties: {
    ...tokenProperties,
    token: {
      type: "string",
      description:
        "The token (rdt_...), shown this once. Send it as `Authorization: Bearer <token>`.",
    },
  },
  examples: [{ ...TOKEN_EXAMPLE, lastUsedAt: null, token: "rdt_k3Jd9aQm2xPz7LwV4nTc8bYe1RfU6sHg" }],
} as const satisfies Component;

export const ApiTokenCreate = {
  $id: "ApiTokenCreate",
  type: "object",
  additionalProperties: false,
  required: ["name", "scopes"],
  description: "A token for an integration: a name people recognise and the scopes it needs.",
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
  examples: [{ name: "ERP order sync", scopes: ["orders:write", "payments:write"] }],
} as const satisfies Component;

export const UserPage = pageOf("User", USER_EXAMPLE);
export const ApiTokenPage = pageOf("ApiToken", TOKEN_EXAMPLE);

/** `limit` and `cursor` as they arrive in a query string. */
export interface PageQueryString {
  limit?: string;
  cursor?: string;
}

/** `limit` and `cursor` of the lists paged by parsePageQuery (1-100, default 50). */
export const pageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "string", pattern: "^[0-9]{1,4}$", description: "1-100, default 50." },
    cursor: { type: "string", maxLength: 400, description: "nextCursor of the previous page." },
  },
} as const;

export const ACCOUNT_COMPONENTS: readonly Component[] = [
  User,
  UserPage,
  Session,
  SignIn,
  ApiToken,
  ApiTokenCreated,
  ApiTokenCreate,
  ApiTokenPage,
];
