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
import { parsePageQuery } from "../../app/auth/index.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery, type PageQueryString } from "./account-schemas.js";
import { ref } from "../openapi/components.js";
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
      config: {
        permission: "order.write",
        problems: {
          409: "An order with this id exists (`conflict`, naming `body.id`).",
          422: "`clientId` names no client (`unprocessable`, naming the field).",
        },
      },
      schema: {
        tags: ORDERS,
        operationId: "createOrder",
        summary: "Create an order for an existing client",
        description:
          "Pushed by the company's system (ERP) when an order is placed, before its payments. The id is the company's own; creating an id that exists answers 409. The answer carries `version` for later changes.",
        body: ref("OrderCreate"),
        response: { 201: ref("Order") },
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
        operationId: "listOrders",
        summary: "List orders, newest placed first (clients: their own)",
        description: "A Page of orders; staff may keep to one client with `clientId`.",
        querystring: listQuery,
        response: { 200: ref("OrderPage") },
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
        operationId: "getOrder",
        summary: "Read an order",
        description: "The order with its service facts and `version`.",
        params: idParams,
        response: { 200: ref("Order") },
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
        operationId: "updateOrder",
        summary: "Change an order's facts (with the version last read); re-evaluates its requests",
        description:
          "Records when work started or was delivered, new promised dates or the current subscription period. The open refund requests of the order are evaluated again in the same transaction.",
        params: idParams,
        body: ref("OrderPatch"),
        response: { 200: ref("Order") },
      },
    },
    async (request) => updateOrder(deps, ctxOf(request), request.params.id, request.body),
  );

  app.get<{ Params: IdParams; Querystring: PageQueryString }>(
    "/orders/:id/payments",
    {
      config: { permission: "payment.read" },
      schema: {
        tags: ["payments"],
        operationId: "listOrderPayments",
        summary: "List an order's payments in capture order",
        description:
          "Every payment recorded against the order, with what was refunded of each, a page at a time (`limit`, `cursor`).",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("PaymentPage") },
      },
    },
    async (request) =>
      listOrderPayments(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );

  app.get<{ Params: IdParams; Querystring: PageQueryString }>(
    "/orders/:id/events",
    {
      config: { permission: "event.read" },
      schema: {
        tags: EVENTS,
        operationId: "listOrderEvents",
        summary: "List an order's service events in time order",
        description:
          "Client blockers, external incidents and internal faults recorded on the order, by their start, a page at a time (`limit`, `cursor`).",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("ServiceEventPage") },
      },
    },
    async (request) =>
      listOrderEvents(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );

  app.post<{ Params: IdParams }>(
    "/orders/:id/events",
    {
      config: {
        permission: "event.write",
        problems: { 422: "The event does not fit the order (`unprocessable`, naming the field)." },
      },
      schema: {
        tags: EVENTS,
        operationId: "createOrderEvent",
        summary: "Record a service event on an order; re-evaluates its requests",
        description:
          "A client blocker pauses the clocks of the policy; incidents and faults count for the client. The order's open requests are evaluated again.",
        params: idParams,
        body: ref("ServiceEventCreate"),
        response: { 201: ref("ServiceEvent") },
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
        operationId: "updateOrderEvent",
        summary: "Change a service event's end or note (e.g. close a blocker); re-evaluates",
        description:
          "Sets when the event ended, or its note; the order's open requests are evaluated again.",
        params: eventParams,
        body: ref("ServiceEventPatch"),
        response: { 200: ref("ServiceEvent") },
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
