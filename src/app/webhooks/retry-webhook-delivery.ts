// Sends a parked (failed) outbound webhook delivery again (admins).

import { actorRef } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { presentDelivery, type WebhookDeliveryView } from "./present.js";
import { findDelivery, updateFailedDelivery } from "./repository.js";
import { allow, WEBHOOK_ENTITY } from "./shared.js";

/**
 * Sends a parked (failed) delivery again: back to pending, due now, with a fresh count of attempts
 * (the last status and error stay until the next attempt). Only failed deliveries: a pending one is
 * already on its way (possibly in a worker's hands right now), a delivered one arrived.
 */
export async function retryWebhookDelivery(
  deps: AppDeps,
  ctx: ActionContext,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDeliveryView> {
  allow(ctx, "webhook.write");
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const row = await findDelivery(trx, endpointId, deliveryId);
    if (row === undefined) throw notFound("webhook delivery");
    if (row.status !== "failed") {
      throw new AppError(
        "conflict",
        `only a failed delivery can be retried; this one is ${row.status}`,
        [],
        {
          state: row.status,
        },
      );
    }
    const next = {
      status: "pending" as const,
      attempts: 0,
      next_attempt_at: toDbInstant(now),
    };
    await updateFailedDelivery(trx, deliveryId, next);
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_delivery.retried",
      entityType: WEBHOOK_ENTITY,
      entityId: endpointId,
      summary: { deliveryId, eventId: row.event_id, attemptsBefore: row.attempts },
      ip: ctx.ip,
      at: now,
    });
    return presentDelivery({ ...row, ...next });
  });
}
