// GET /payments/:id and GET /orders/:id/payments: a client sees only payments on its own orders;
// anyone else's answers like a missing id.

import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { extraPaymentIds, presentPayment, type PaymentJson } from "./present.js";
import { paymentById } from "./repository.js";
import { impossibleId, loadOrderFor } from "./shared.js";
import { authorize } from "../authorize.js";
import type { Page, PageQuery } from "../auth/pagination.js";
import { keysetOf, pageOfRows } from "../paging.js";
import { orderPaymentsInOrder, orderPaymentsPage } from "./queries.js";

/** One payment, if the caller may read it. */
export async function getPayment(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PaymentJson> {
  const row = impossibleId(id) ? undefined : await paymentById(deps.db, id);
  if (row === undefined) throw notFound("payment");
  authorize(ctx.actor, "payment.read", row.client_id, "payment");
  return presentPayment(row);
}

/** A page of the payments of an order, in capture order, if the caller may read them. */
export async function listOrderPayments(
  deps: AppDeps,
  ctx: ActionContext,
  orderId: string,
  page: PageQuery,
): Promise<Page<PaymentJson>> {
  const order = await loadOrderFor(deps.db, ctx.actor, "payment.read", orderId);
  // The extra flags need the payments before the page too: an order carries a handful.
  const [rows, all] = await Promise.all([
    orderPaymentsPage(deps.db, order.id, keysetOf(page), page.limit),
    orderPaymentsInOrder(deps.db, order.id),
  ]);
  const extra = extraPaymentIds(order, all);
  return pageOfRows(
    rows,
    page.limit,
    (r) => ({ key: r.captured_at, id: r.id }),
    (r) => ({ ...presentPayment(r), extra: extra.has(r.id) }),
  );
}
