// Carries out the core's effects (src/core/requests: `Effect`) in the caller's transaction: the
// audit event, messages, outbox rows for notifications (`notify.<template>`), and the scheduled
// payouts of an approval. A use case, not a repository: it composes the requests' and the
// payouts' writes, so neither repository needs the other (this breaks the old cycle between
// app/requests/repository.ts and app/payouts/repository.ts).

import { actorRef, userIdOf } from "../../core/access/index.js";
import { moneyToJson } from "../../core/money/money.js";
import type { Policy } from "../../core/policy/index.js";
import type { Effect, RequestSnapshot } from "../../core/requests/index.js";
import { appendAudit, type AuditInput, type JsonValue } from "../../db/audit.js";
import { enqueueOutbox } from "../../db/outbox.js";
import type { ActionContext } from "../context.js";
import { createPayouts } from "../payouts/repository.js";
import { insertMessage, REQUEST_ENTITY, type Trx } from "./repository.js";

/** Extra facts for the effects: the decision row an approval created, audit details. */
export interface EffectContext {
  readonly decisionId?: string;
  /** Needed by `create_payouts` (the payout due window comes from the policy's calendar). */
  readonly policy?: Policy;
  readonly auditDetails?: Readonly<Record<string, JsonValue>>;
}

/**
 * Carries out the core's effects in the caller's transaction: the audit event, messages, and
 * outbox rows for notifications (`notify.<template>`), and the scheduled payouts of an approval.
 */
export async function applyEffects(
  trx: Trx,
  ctx: ActionContext,
  next: RequestSnapshot,
  effects: readonly Effect[],
  now: number,
  extra: EffectContext = {},
): Promise<void> {
  const ref = { requestId: next.id, orderId: next.orderId, clientId: next.clientId };
  // The audit append takes the chain's lock (PostgreSQL: until commit), so it goes last (ADR 0007):
  // the other writes of the transaction do not hold up every other writer.
  const ordered = [
    ...effects.filter((e) => e.type !== "audit"),
    ...effects.filter((e) => e.type === "audit"),
  ];
  const payoutAudits: AuditInput[] = [];
  for (const effect of ordered) {
    switch (effect.type) {
      case "audit":
        await appendAudit(trx, {
          actor: actorRef(ctx.actor),
          action: effect.action,
          entityType: REQUEST_ENTITY,
          entityId: next.id,
          summary: {
            from: effect.from,
            to: effect.to,
            summary: effect.summary,
            version: next.version,
            orderId: next.orderId,
            ...(extra.auditDetails ?? {}),
          },
          ip: ctx.ip,
          at: now,
        });
        break;
      case "notify_client":
        await enqueueOutbox(
          trx,
          `notify.${effect.template}`,
          { ...ref, audience: "client", template: effect.template, status: next.status },
          now,
        );
        break;
      case "notify_staff":
        await enqueueOutbox(
          trx,
          `notify.${effect.template}`,
          { ...ref, audience: "staff", template: effect.template, status: next.status },
          now,
        );
        break;
      case "record_message": {
        const author = userIdOf(ctx.actor);
        if (author === null) throw new Error("a message needs a signed-in author");
        await insertMessage(trx, {
          requestId: next.id,
          authorUserId: author,
          kind: effect.kind,
          body: effect.body,
          at: now,
        });
        break;
      }
      case "create_payouts": {
        if (extra.decisionId === undefined || extra.policy === undefined) {
          throw new Error("create_payouts needs the decision id and the policy");
        }
        const created = await createPayouts(trx, extra.policy, {
          requestId: next.id,
          orderId: next.orderId,
          decisionId: extra.decisionId,
          amount: effect.amount,
          lines: effect.lines,
          approvedAt: now,
        });
        for (const p of created) {
          payoutAudits.push({
            actor: actorRef(ctx.actor),
            action: "payout.scheduled",
            entityType: "payout",
            entityId: p.id,
            summary: {
              requestId: next.id,
              decisionId: extra.decisionId,
              paymentId: p.paymentId,
              amount: moneyToJson(p.amount) as unknown as JsonValue,
              dueEarliest: p.dueEarliest,
              dueLatest: p.dueLatest,
            },
            ip: ctx.ip,
            at: now,
          });
        }
        break;
      }
    }
  }
  for (const a of payoutAudits) await appendAudit(trx, a);
}
