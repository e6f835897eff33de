// Changes an outbound webhook endpoint (admins): URL, events, description, disabled. Disabling it
// holds its pending deliveries until it is enabled again.

import { actorRef } from "../../core/access/index.js";
import { appendAudit, type JsonValue } from "../../db/audit.js";
import type { WebhookEndpointRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import {
  checkDescription,
  checkEvents,
  checkWebhookUrl,
  type UpdateWebhookEndpointInput,
} from "./input.js";
import { presentEndpoint, type WebhookEndpointView } from "./present.js";
import { findEndpoint, updateEndpoint } from "./repository.js";
import { allow, WEBHOOK_ENTITY } from "./shared.js";

/** Changes an endpoint; disabling it holds its pending deliveries until it is enabled again. */
export async function updateWebhookEndpoint(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpointView> {
  allow(ctx, "webhook.write");
  const set: Partial<WebhookEndpointRow> = {};
  const summary: Record<string, JsonValue> = {};
  if (input.url !== undefined) summary["url"] = set.url = checkWebhookUrl(input.url, "body.url");
  if (input.events !== undefined) {
    const events = checkEvents(input.events, "body.events");
    set.events = JSON.stringify(events);
    summary["events"] = events;
  }
  if (input.description !== undefined) {
    summary["description"] = set.description = checkDescription(
      input.description,
      "body.description",
    );
  }
  if (input.disabled !== undefined) {
    set.disabled = input.disabled ? 1 : 0;
    summary["disabled"] = input.disabled;
  }
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const before = await findEndpoint(trx, id);
    if (before === undefined) throw notFound("webhook endpoint");
    const after: WebhookEndpointRow = { ...before, ...set, updated_at: toDbInstant(now) };
    await updateEndpoint(trx, id, { ...set, updated_at: after.updated_at });
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_endpoint.updated",
      entityType: WEBHOOK_ENTITY,
      entityId: id,
      summary,
      ip: ctx.ip,
      at: now,
    });
    return presentEndpoint(after);
  });
}
