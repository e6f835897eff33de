// A verified event from the card provider, applied once: a refund's outcome (succeeded, failed,
// pending) recorded on its payout, a charge the provider captured for one of our orders recorded
// as a payment (its extras opening their own duplicate-payment case), or a dispute of one of our
// charges (issue 20, app/disputes/record-dispute.ts). The event id is recorded in
// the same transaction as its effect, so a delivery repeated (or ten at once) changes nothing the
// second time. Nobody signed in acts here: the system user does (core/access SYSTEM_ACTOR), and the
// audit trail names the provider (`provider:<name>`).

import { SYSTEM_ACTOR } from "../../core/access/index.js";
import { formatMinor } from "../../core/money/money.js";
import type { AppDeps } from "../context.js";
import { applyDisputeUpdateIn } from "../disputes/record-dispute.js";
import { afterPaymentsRecorded } from "../ledger/duplicate-cases.js";
import { recordPaymentIn } from "../orders/record-payment.js";
import { writerOf } from "../orders/shared.js";
import { DEFAULT_RUNNER, recordOutcomeIn } from "./execute.js";
import type { CardWebhookVerification } from "./ports.js";
import { insertProviderEvent, payoutIdForEvent } from "./repository.js";

/** A provider event whose signature the adapter verified. */
export type VerifiedProviderEvent = Extract<CardWebhookVerification, { ok: true }>;

export interface ProviderEventInput {
  /** The provider's name, as in the route (`stripe`). */
  readonly provider: string;
  readonly event: VerifiedProviderEvent;
  /** Where the delivery came from, for the audit trail. */
  readonly ip: string | null;
}

/** What became of the event: `duplicate` when its id was applied before. */
export interface ProviderEventResult {
  readonly received: true;
  readonly duplicate: boolean;
  readonly applied: boolean;
}

export async function applyProviderEvent(
  deps: AppDeps,
  input: ProviderEventInput,
): Promise<ProviderEventResult> {
  const { provider, event } = input;
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const update = event.update;
    const payoutId =
      update === null ? null : await payoutIdForEvent(trx, update.payoutId, update.providerRef);
    const fresh = await insertProviderEvent(trx, {
      id: event.eventId,
      provider,
      type: event.type,
      payoutId,
      receivedAt: now,
    });
    if (!fresh) return { received: true, duplicate: true, applied: false };
    const dispute = event.dispute ?? null;
    if (dispute !== null) {
      // A chargeback on one of our charges (issue 20): recorded, and the charge held or released.
      const r = await applyDisputeUpdateIn(trx, deps, dispute, { provider, ip: input.ip });
      return { received: true, duplicate: false, applied: r.applied };
    }
    const payment = event.payment ?? null;
    if (payment !== null) {
      // A captured charge for one of our orders: recorded like a payment pushed through the API (a
      // repeat of a known charge changes nothing), and its extras open their own duplicate-payment
      // case, in this same transaction.
      const w = writerOf(deps, { actor: SYSTEM_ACTOR, ip: input.ip });
      const recorded = await recordPaymentIn(
        trx,
        { ...w, actorRef: `provider:${provider}` },
        {
          orderId: payment.orderId,
          chargeRef: payment.chargeRef,
          amount: {
            amount: formatMinor(payment.amountMinor, payment.currency),
            currency: payment.currency,
          },
          method: "card",
          capturedAt: new Date(payment.capturedAt).toISOString(),
          providerRef: payment.providerRef,
        },
        "event.data.object",
      );
      if (recorded.created) {
        await afterPaymentsRecorded(deps, trx, recorded.row.order_id, w);
      }
      return { received: true, duplicate: false, applied: recorded.created };
    }
    if (update === null || payoutId === null) {
      return { received: true, duplicate: false, applied: false };
    }
    const applied = await recordOutcomeIn(trx, deps, DEFAULT_RUNNER, payoutId, update.outcome, {
      actor: `provider:${provider}`,
      // An event about an earlier attempt of a retried payout does not move the current one.
      ...(update.payoutId === null ? {} : { attempt: update.attempt ?? 1 }),
    });
    return { received: true, duplicate: false, applied: applied !== null };
  });
}
