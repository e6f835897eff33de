// /clients: client companies and their contacts. Staff list and read them (QA needs the names of
// the people on the requests it handles), a client user its own company; admins create, rename,
// archive and restore them. Contacts are invited through POST /invitations (role client).

import { parsePageQuery } from "../../app/auth/index.js";
import { createClient } from "../../app/auth/create-client.js";
import {
  getClient,
  listClients,
  listContacts,
  updateClient,
  type UpdateClientInput,
} from "../../app/clients/clients.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["clients"];

interface ListQuery {
  limit?: string;
  cursor?: string;
  archived?: "include" | "only" | "exclude";
}

export const clientRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: { name: string; email?: string | null } }>(
    "/clients",
    {
      config: { permission: "client.write" },
      schema: {
        tags: TAGS,
        operationId: "createClient",
        summary: "Create a client company (admins)",
        description:
          "The company that owns orders and refund requests; its people are invited afterwards " +
          "with POST /invitations (role client). Orders refer to it by its id.",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            email: { type: ["string", "null"], maxLength: 254, description: "Contact address." },
          },
          examples: [{ name: "Initech", email: "ops@initech.example" }],
        },
        response: { 201: ref("ClientCompany") },
      },
    },
    async (request, reply) => {
      const created = await createClient(deps, ctxOf(request), request.body);
      const view = await getClient(deps, ctxOf(request), created.id);
      return reply
        .code(201)
        .header("location", `/api/v1/clients/${encodeURIComponent(view.id)}`)
        .send(view);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    "/clients",
    {
      config: { permission: "client.read" },
      schema: {
        tags: TAGS,
        operationId: "listClients",
        summary: "List client companies (staff; a client user its own)",
        description:
          "Oldest first, a page at a time. Archived companies are left out unless " +
          "`archived=include` (all) or `archived=only`.",
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            archived: { type: "string", enum: ["include", "only", "exclude"] },
          },
        },
        response: { 200: ref("ClientCompanyPage") },
      },
    },
    async (request) =>
      listClients(deps, ctxOf(request), {
        page: parsePageQuery(request.query),
        ...(request.query.archived === undefined ? {} : { archived: request.query.archived }),
      }),
  );

  app.get<{ Params: IdParams }>(
    "/clients/:id",
    {
      config: { permission: "client.read" },
      schema: {
        tags: TAGS,
        operationId: "getClient",
        summary: "Read a client company",
        description: "A client user reaches only its own company (any other id answers 404).",
        params: idParams,
        response: { 200: ref("ClientCompany") },
      },
    },
    async (request) => getClient(deps, ctxOf(request), request.params.id),
  );

  app.patch<{ Params: IdParams; Body: UpdateClientInput }>(
    "/clients/:id",
    {
      config: { permission: "client.write" },
      schema: {
        tags: TAGS,
        operationId: "updateClient",
        summary: "Rename, re-address, archive or restore a client company (admins)",
        description:
          "`archived: true` archives the company: its history stays, it takes no new refund " +
          "requests (409) and lists leave it out; `archived: false` restores it.",
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            email: { type: ["string", "null"], maxLength: 254 },
            archived: { type: "boolean" },
          },
          examples: [{ name: "Initech Ltd" }, { archived: true }],
        },
        response: { 200: ref("ClientCompany") },
      },
    },
    async (request) => updateClient(deps, ctxOf(request), request.params.id, request.body),
  );

  app.get<{ Params: IdParams; Querystring: { limit?: string; cursor?: string } }>(
    "/clients/:id/contacts",
    {
      config: { permission: "client.read" },
      schema: {
        tags: TAGS,
        operationId: "listClientContacts",
        summary: "List the contacts of a client company (its users of role client)",
        description:
          "Their names and addresses, oldest first: staff see any company's, a client user its own.",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("UserPage") },
      },
    },
    async (request) =>
      listContacts(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );
};
