// /payments: record captured payments (integrations with payments:write, admins) and read them
// (clients: payments on their own orders). A repeat of a recorded payment answers 200 with it.

import { getPayment } from "../../app/orders/get-payment.js";
import { recordPayment } from "../../app/orders/record-payment.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams } from "./common.js";
import { paymentBody, paymentJson } from "./order-schemas.js";

const PAYMENTS = ["payments"];

export const paymentRoutes: RoutePlugin = (app, deps) => {
  app.post(
    "/payments",
    {
      config: { permission: "payment.write" },
      schema: {
        tags: PAYMENTS,
        summary: "Record a captured payment (201), or confirm one already recorded (200)",
        body: paymentBody,
        response: { 200: paymentJson, 201: paymentJson },
      },
    },
    async (request, reply) => {
      const { payment, created } = await recordPayment(deps, ctxOf(request), request.body);
      return reply
        .code(created ? 201 : 200)
        .header("location", `/api/v1/payments/${encodeURIComponent(payment.id)}`)
        .send(payment);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/payments/:id",
    {
      config: { permission: "payment.read" },
      schema: {
        tags: PAYMENTS,
        summary: "Read a payment",
        params: idParams,
        response: { 200: paymentJson },
      },
    },
    async (request) => getPayment(deps, ctxOf(request), request.params.id),
  );
};
