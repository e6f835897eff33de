// /payments: record captured payments (integrations with payments:write, admins) and read them
// (clients: payments on their own orders). A repeat of a recorded payment answers 200 with it.

import { getPayment } from "../../app/orders/get-payment.js";
import { recordPayment } from "../../app/orders/record-payment.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams } from "./common.js";
import { ref } from "../openapi/components.js";

const PAYMENTS = ["payments"];

export const paymentRoutes: RoutePlugin = (app, deps) => {
  app.post(
    "/payments",
    {
      config: {
        permission: "payment.write",
        problems: {
          409: "A different payment with this id, or this providerRef, is recorded (`conflict`, naming the field).",
          422: "`orderId` names no order, or the payment does not fit it (`unprocessable`, naming the field).",
        },
      },
      schema: {
        tags: PAYMENTS,
        operationId: "recordPayment",
        summary: "Record a captured payment (201), or confirm one already recorded (200)",
        description:
          "Pushed by the company's system for every captured payment of an order (after the order). A payment already recorded (same id, or same providerRef) answers 200 with it and changes nothing, so a retry is safe even without an Idempotency-Key. The order's open requests are evaluated again, and a duplicate payment opens its own refund case.",
        body: ref("PaymentCreate"),
        response: {
          200: { ...ref("Payment"), description: "Already recorded: the payment as it is." },
          201: ref("Payment"),
        },
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
        operationId: "getPayment",
        summary: "Read a payment",
        description: "The payment with what has been refunded of it.",
        params: idParams,
        response: { 200: ref("Payment") },
      },
    },
    async (request) => getPayment(deps, ctxOf(request), request.params.id),
  );
};
