// /orders: create and change orders (integrations with orders:write, admins), read them (clients
// their own), and the order's payments and service events. Thin: schema, one use case, present.

import { createOrder } from "../../app/orders/create-order.js";
import { getOrder } from "../../app/orders/get-order.js";
import { listOrderPayments } from "../../app/orders/get-payment.js";
import { listOrders } from "../../app/orders/list-orders.js";
import { parseLimit } from "../../app/orders/page.js";
import {
  listOrderEvents,
  recordServiceEvent,
  updateServiceEvent,
} from "../../app/orders/service-events.js";
import { updateOrder } from "../../app/orders/update-order.js";
import type { RoutePlugin } from "../server.js";
import {
  eventBody,
  eventJson,
  eventPatchBody,
  listOf,
  orderBody,
  orderJson,
  orderPatchBody,
  paymentJson,
} from "./order-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const ORDERS = ["orders"];
const EVENTS = ["service events"];

const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    clientId: { type: "string", minLength: 1, maxLength: 200, description: "Staff: one client." },
    limit: { type: "string", pattern: "^[0-9]{1,4}$", description: "1-200, default 50." },
    cursor: { type: "string", maxLength: 1000, description: "nextCursor of the previous page." },
  },
} as const;

const eventParams = {
  type: "object",
  additionalProperties: false,
  required: ["id", "eventId"],
  properties: {
    id: { type: "string", minLength: 1, maxLength: 200 },
    eventId: { type: "string", minLength: 1, maxLength: 200 },
  },
} as const;

export const orderRoutes: RoutePlugin = (app, deps) => {
  app.post(
    "/orders",
    {
      config: { permission: "order.write" },
      schema: {
        tags: ORDERS,
        summary: "Create an order for an existing client",
        body: orderBody,
        response: { 201: orderJson },
      },
    },
    async (request, reply) => {
      const order = await createOrder(deps, ctxOf(request), request.body);
      return reply
        .code(201)
        .header("location", `/api/v1/orders/${encodeURIComponent(order.id)}`)
        .send(order);
    },
  );

  app.get<{ Querystring: { clientId?: string; limit?: string; cursor?: string } }>(
    "/orders",
    {
      config: { permission: "order.read" },
      schema: {
        tags: ORDERS,
        summary: "List orders, newest placed first (clients: their own)",
        querystring: listQuery,
        response: {
          200: {
            type: "object",
            required: ["items", "nextCursor"],
            properties: {
              items: { type: "array", items: orderJson },
              nextCursor: { type: ["string", "null"] },
            },
          },
        },
      },
    },
    async (request) =>
      listOrders(deps, ctxOf(request), {
        clientId: request.query.clientId,
        limit: parseLimit(request.query.limit, "query.limit"),
        cursor: request.query.cursor,
      }),
  );

  app.get<{ Params: IdParams }>(
    "/orders/:id",
    {
      config: { permission: "order.read" },
      schema: {
        tags: ORDERS,
        summary: "Read an order",
        params: idParams,
        response: { 200: orderJson },
      },
    },
    async (request) => getOrder(deps, ctxOf(request), request.params.id),
  );

  app.patch<{ Params: IdParams }>(
    "/orders/:id",
    {
      config: { permission: "order.write" },
      schema: {
        tags: ORDERS,
        summary: "Change an order's facts (with the version last read); re-evaluates its requests",
        params: idParams,
        body: orderPatchBody,
        response: { 200: orderJson },
      },
    },
    async (request) => updateOrder(deps, ctxOf(request), request.params.id, request.body),
  );

  app.get<{ Params: IdParams }>(
    "/orders/:id/payments",
    {
      config: { permission: "payment.read" },
      schema: {
        tags: ["payments"],
        summary: "List an order's payments in capture order",
        params: idParams,
        response: { 200: listOf(paymentJson) },
      },
    },
    async (request) => listOrderPayments(deps, ctxOf(request), request.params.id),
  );

  app.get<{ Params: IdParams }>(
    "/orders/:id/events",
    {
      config: { permission: "event.read" },
      schema: {
        tags: EVENTS,
        summary: "List an order's service events in time order",
        params: idParams,
        response: { 200: listOf(eventJson) },
      },
    },
    async (request) => listOrderEvents(deps, ctxOf(request), request.params.id),
  );

  app.post<{ Params: IdParams }>(
    "/orders/:id/events",
    {
      config: { permission: "event.write" },
      schema: {
        tags: EVENTS,
        summary: "Record a service event on an order; re-evaluates its requests",
        params: idParams,
        body: eventBody,
        response: { 201: eventJson },
      },
    },
    async (request, reply) => {
      const event = await recordServiceEvent(deps, ctxOf(request), request.params.id, request.body);
      return reply.code(201).send(event);
    },
  );

  app.patch<{ Params: { id: string; eventId: string } }>(
    "/orders/:id/events/:eventId",
    {
      config: { permission: "event.write" },
      schema: {
        tags: EVENTS,
        summary: "Change a service event's end or note (e.g. close a blocker); re-evaluates",
        params: eventParams,
        body: eventPatchBody,
        response: { 200: eventJson },
      },
    },
    async (request) =>
      updateServiceEvent(
        deps,
        ctxOf(request),
        request.params.id,
        request.params.eventId,
        request.body,
      ),
  );
};
