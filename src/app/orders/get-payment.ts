// GET /payments/:id and GET /orders/:id/payments: a client sees only payments on its own orders;
// anyone else's answers like a missing id.

import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { presentPayment, type PaymentJson } from "./present.js";
import { impossibleId, loadOrderFor } from "./shared.js";
import { authorize } from "../authorize.js";

/** One payment, if the caller may read it. */
export async function getPayment(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PaymentJson> {
  const row = impossibleId(id)
    ? undefined
    : await deps.db.selectFrom("payments").selectAll().where("id", "=", id).executeTakeFirst();
  if (row === undefined) throw notFound("payment");
  authorize(ctx.actor, "payment.read", row.client_id, "payment");
  return presentPayment(row);
}

/** The payments of an order, in capture order, if the caller may read them. */
export async function listOrderPayments(
  deps: AppDeps,
  ctx: ActionContext,
  orderId: string,
): Promise<{ items: PaymentJson[] }> {
  const order = await loadOrderFor(deps.db, ctx.actor, "payment.read", orderId);
  const rows = await deps.db
    .selectFrom("payments")
    .selectAll()
    .where("order_id", "=", order.id)
    .orderBy("captured_at", "asc")
    .orderBy("id", "asc")
    .execute();
  return { items: rows.map(presentPayment) };
}
