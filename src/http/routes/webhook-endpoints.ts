// /webhook-endpoints: admins register the URLs that receive Refund Desk's events, signed with a
// per-endpoint secret shown once at creation. Thin: schema, one use case, present.

import { parsePageQuery } from "../../app/auth/index.js";
import { createWebhookEndpoint } from "../../app/webhooks/create-webhook-endpoint.js";
import { deleteWebhookEndpoint } from "../../app/webhooks/delete-webhook-endpoint.js";
import {
  WEBHOOK_EVENT_TYPES,
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
} from "../../app/webhooks/input.js";
import { listWebhookDeliveries } from "../../app/webhooks/list-webhook-deliveries.js";
import { listWebhookEndpoints } from "../../app/webhooks/list-webhook-endpoints.js";
import { retryWebhookDelivery } from "../../app/webhooks/retry-webhook-delivery.js";
import { updateWebhookEndpoint } from "../../app/webhooks/update-webhook-endpoint.js";
import type { RoutePlugin } from "../server.js";
import { pageOf, pageQuery } from "./auth.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["webhooks"];
const EVENT_VALUES = ["*", ...WEBHOOK_EVENT_TYPES];

const endpointJson = {
  type: "object",
  additionalProperties: false,
  required: [
    "id",
    "url",
    "description",
    "events",
    "disabled",
    "createdBy",
    "createdAt",
    "updatedAt",
  ],
  properties: {
    id: { type: "string" },
    url: { type: "string" },
    description: { type: ["string", "null"] },
    events: { type: "array", items: { type: "string", enum: EVENT_VALUES } },
    disabled: { type: "boolean" },
    createdBy: { type: ["string", "null"] },
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
  },
} as const;

const createdJson = {
  ...endpointJson,
  required: [...endpointJson.required, "secret"],
  properties: {
    ...endpointJson.properties,
    secret: {
      type: "string",
      description:
        "The HMAC-SHA256 signing secret (whsec_...). Shown this once: store it with the receiver.",
    },
  },
} as const;

const deliveryJson = {
  type: "object",
  additionalProperties: false,
  required: [
    "id",
    "eventId",
    "eventType",
    "status",
    "attempts",
    "nextAttemptAt",
    "lastAttemptAt",
    "lastStatus",
    "lastError",
    "deliveredAt",
    "createdAt",
  ],
  properties: {
    id: { type: "string" },
    eventId: { type: "string" },
    eventType: { type: "string" },
    status: { type: "string", enum: ["pending", "delivered", "failed"] },
    attempts: { type: "integer" },
    nextAttemptAt: { type: ["string", "null"], format: "date-time" },
    lastAttemptAt: { type: ["string", "null"], format: "date-time" },
    lastStatus: { type: ["integer", "null"] },
    lastError: { type: ["string", "null"] },
    deliveredAt: { type: ["string", "null"], format: "date-time" },
    createdAt: { type: "string", format: "date-time" },
  },
} as const;

const url = {
  type: "string",
  minLength: 1,
  maxLength: 2000,
  description: "An http or https URL, without credentials; events are POSTed to it.",
} as const;
const events = {
  type: "array",
  minItems: 1,
  maxItems: EVENT_VALUES.length,
  uniqueItems: true,
  items: { type: "string", enum: EVENT_VALUES },
  description: 'The event types to send, or ["*"] for every type (including ones added later).',
} as const;
const description = { type: ["string", "null"], maxLength: 500 } as const;

interface PageQueryString {
  limit?: string;
  cursor?: string;
}

export const webhookEndpointRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: CreateWebhookEndpointInput }>(
    "/webhook-endpoints",
    {
      // The response shows a secret once; it must not be kept for replays.
      config: { permission: "webhook.write", idempotency: "off" },
      schema: {
        tags: TAGS,
        summary: "Register a webhook endpoint (admins); its signing secret is shown once",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["url", "events"],
          properties: { url, events, description },
        },
        response: { 201: createdJson },
      },
    },
    async (request, reply) => {
      const created = await createWebhookEndpoint(deps, ctxOf(request), request.body);
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .header("location", `/api/v1/webhook-endpoints/${encodeURIComponent(created.endpoint.id)}`)
        .send({ ...created.endpoint, secret: created.secret });
    },
  );

  app.get<{ Querystring: PageQueryString }>(
    "/webhook-endpoints",
    {
      config: { permission: "webhook.read" },
      schema: {
        tags: TAGS,
        summary: "List webhook endpoints (admins), oldest first; never their secrets",
        querystring: pageQuery,
        response: { 200: pageOf(endpointJson) },
      },
    },
    async (request) => listWebhookEndpoints(deps, ctxOf(request), parsePageQuery(request.query)),
  );

  app.patch<{ Params: IdParams; Body: UpdateWebhookEndpointInput }>(
    "/webhook-endpoints/:id",
    {
      config: { permission: "webhook.write" },
      schema: {
        tags: TAGS,
        summary: "Change a webhook endpoint (admins): URL, events, description, disabled",
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            url,
            events,
            description,
            disabled: {
              type: "boolean",
              description: "A disabled endpoint's deliveries wait until it is enabled again.",
            },
          },
        },
        response: { 200: endpointJson },
      },
    },
    async (request) => updateWebhookEndpoint(deps, ctxOf(request), request.params.id, request.body),
  );

  app.delete<{ Params: IdParams }>(
    "/webhook-endpoints/:id",
    {
      config: { permission: "webhook.write" },
      schema: {
        tags: TAGS,
        summary: "Delete a webhook endpoint and its deliveries (admins)",
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteWebhookEndpoint(deps, ctxOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string; deliveryId: string } }>(
    "/webhook-endpoints/:id/deliveries/:deliveryId/retry",
    {
      config: { permission: "webhook.write" },
      schema: {
        tags: TAGS,
        summary: "Send a failed (parked) delivery again, with a fresh count of attempts (admins)",
        params: {
          type: "object",
          additionalProperties: false,
          required: ["id", "deliveryId"],
          properties: {
            id: idParams.properties.id,
            deliveryId: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
        response: { 200: deliveryJson },
      },
    },
    async (request) =>
      retryWebhookDelivery(deps, ctxOf(request), request.params.id, request.params.deliveryId),
  );

  app.get<{ Params: IdParams; Querystring: PageQueryString }>(
    "/webhook-endpoints/:id/deliveries",
    {
      config: { permission: "webhook.read" },
      schema: {
        tags: TAGS,
        summary: "The deliveries of a webhook endpoint (admins), newest first",
        params: idParams,
        querystring: pageQuery,
        response: { 200: pageOf(deliveryJson) },
      },
    },
    async (request) =>
      listWebhookDeliveries(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );
};
