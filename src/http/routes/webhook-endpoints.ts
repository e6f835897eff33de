// /webhook-endpoints: admins register the URLs that receive Refund Desk's events, signed with a
// per-endpoint secret shown once at creation. Thin: schema, one use case, present.

import { parsePageQuery } from "../../app/auth/index.js";
import { createWebhookEndpoint } from "../../app/webhooks/create-webhook-endpoint.js";
import { deleteWebhookEndpoint } from "../../app/webhooks/delete-webhook-endpoint.js";
import {
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
} from "../../app/webhooks/input.js";
import { listWebhookDeliveries } from "../../app/webhooks/list-webhook-deliveries.js";
import { listWebhookEndpoints } from "../../app/webhooks/list-webhook-endpoints.js";
import { retryWebhookDelivery } from "../../app/webhooks/retry-webhook-delivery.js";
import { updateWebhookEndpoint } from "../../app/webhooks/update-webhook-endpoint.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["webhook endpoints"];

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
        operationId: "createWebhookEndpoint",
        summary: "Register a webhook endpoint (admins); its signing secret is shown once",
        description:
          "Events of the chosen types are POSTed to the URL, signed with the secret (`whsec_...`) this answer shows once. The `Idempotency-Key` header is refused here (the answer must not be stored).",
        body: ref("WebhookEndpointCreate"),
        response: { 201: ref("WebhookEndpointCreated") },
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
        operationId: "listWebhookEndpoints",
        summary: "List webhook endpoints (admins), oldest first; never their secrets",
        description: "A Page of endpoints.",
        querystring: pageQuery,
        response: { 200: ref("WebhookEndpointPage") },
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
        operationId: "updateWebhookEndpoint",
        summary: "Change a webhook endpoint (admins): URL, events, description, disabled",
        description: "A disabled endpoint's deliveries wait until it is enabled again.",
        params: idParams,
        body: ref("WebhookEndpointPatch"),
        response: { 200: ref("WebhookEndpoint") },
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
        operationId: "deleteWebhookEndpoint",
        summary: "Delete a webhook endpoint and its deliveries (admins)",
        description: "Nothing more is sent to it; its delivery history goes with it.",
        params: idParams,
        response: { 204: { type: "null", description: "Deleted." } },
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
      config: {
        permission: "webhook.write",
        problems: { 409: "Only a delivery parked as `failed` can be sent again (`conflict`)." },
      },
      schema: {
        tags: TAGS,
        operationId: "retryWebhookDelivery",
        summary: "Send a failed (parked) delivery again, with a fresh count of attempts (admins)",
        description: "Only a delivery parked as `failed` can be sent again (else 409).",
        params: {
          type: "object",
          additionalProperties: false,
          required: ["id", "deliveryId"],
          properties: {
            id: idParams.properties.id,
            deliveryId: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
        response: { 200: ref("WebhookDelivery") },
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
        operationId: "listWebhookDeliveries",
        summary: "The deliveries of a webhook endpoint (admins), newest first",
        description: "A Page of deliveries with their attempts, last HTTP status and error.",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("WebhookDeliveryPage") },
      },
    },
    async (request) =>
      listWebhookDeliveries(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );
};
