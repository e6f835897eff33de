// Deletes an outbound webhook endpoint and its deliveries (admins); pending ones are never sent.

import { actorRef } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { deleteEndpoint, findEndpoint } from "./repository.js";
import { allow, WEBHOOK_ENTITY } from "./shared.js";

/** Deletes an endpoint and its deliveries (pending ones are never sent). */
export async function deleteWebhookEndpoint(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<void> {
  allow(ctx, "webhook.write");
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = await findEndpoint(trx, id);
    if (before === undefined) throw notFound("webhook endpoint");
    await deleteEndpoint(trx, id);
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_endpoint.deleted",
      entityType: WEBHOOK_ENTITY,
      entityId: id,
      summary: { url: before.url },
      ip: ctx.ip,
      at: now,
    });
  });
}
