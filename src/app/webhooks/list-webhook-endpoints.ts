// The outbound webhook endpoints (admins), oldest first, without their secrets.

import type { Page, PageQuery } from "../auth/pagination.js";
import { toPage } from "../auth/pagination.js";
import type { ActionContext, AppDeps } from "../context.js";
import { presentEndpoint, type WebhookEndpointView } from "./present.js";
import { endpointPage } from "./repository.js";
import { allow } from "./shared.js";

/** Endpoints, oldest first, without their secrets. */
export async function listWebhookEndpoints(
  deps: AppDeps,
  ctx: ActionContext,
  page: PageQuery,
): Promise<Page<WebhookEndpointView>> {
  allow(ctx, "webhook.read");
  const rows = await endpointPage(deps.db, page);
  return toPage(rows, page.limit, presentEndpoint);
}
