// Registers an outbound webhook endpoint (admins); the answer carries its signing secret, shown
// this once (never in the audit trail or a listing).

import { actorRef, userIdOf } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { WebhookEndpointRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import {
  checkDescription,
  checkEvents,
  checkWebhookUrl,
  newWebhookSecret,
  type CreateWebhookEndpointInput,
} from "./input.js";
import { presentEndpoint, type WebhookEndpointView } from "./present.js";
import { insertEndpoint } from "./repository.js";
import { allow, WEBHOOK_ENTITY } from "./shared.js";

/** Registers an endpoint; the answer carries its signing secret, shown this once. */
export async function createWebhookEndpoint(
  deps: AppDeps,
  ctx: ActionContext,
  input: CreateWebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  allow(ctx, "webhook.write");
  const url = checkWebhookUrl(input.url, "body.url");
  const events = checkEvents(input.events, "body.events");
  const description = checkDescription(input.description, "body.description");
  const now = deps.clock();
  const secret = newWebhookSecret();
  const row: WebhookEndpointRow = {
    id: newId("whe"),
    url,
    description,
    secret,
    events: JSON.stringify(events),
    disabled: 0,
    created_by: userIdOf(ctx.actor),
    created_at: toDbInstant(now),
    updated_at: toDbInstant(now),
  };
  await deps.db.transaction().execute(async (trx) => {
    await insertEndpoint(trx, row);
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_endpoint.created",
      entityType: WEBHOOK_ENTITY,
      entityId: row.id,
      summary: { url, events },
      ip: ctx.ip,
      at: now,
    });
  });
  return { endpoint: presentEndpoint(row), secret };
}
