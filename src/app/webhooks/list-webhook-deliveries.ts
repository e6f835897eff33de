// The deliveries of one outbound webhook endpoint (admins), newest first: what was parked and why.

import type { Page, PageQuery } from "../auth/pagination.js";
import { toPage } from "../auth/pagination.js";
import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { presentDelivery, type WebhookDeliveryView } from "./present.js";
import { deliveryPage, findEndpoint } from "./repository.js";
import { allow } from "./shared.js";

/** The deliveries of one endpoint, newest first. */
export async function listWebhookDeliveries(
  deps: AppDeps,
  ctx: ActionContext,
  endpointId: string,
  page: PageQuery,
): Promise<Page<WebhookDeliveryView>> {
  allow(ctx, "webhook.read");
  const endpoint = await findEndpoint(deps.db, endpointId);
  if (endpoint === undefined) throw notFound("webhook endpoint");
  const rows = await deliveryPage(deps.db, endpointId, page);
  return toPage(rows, page.limit, presentDelivery);
}
