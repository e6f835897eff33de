// A dispute the card provider reports (issue 20), applied in the webhook's transaction (its event
// id recorded with it, so a repeat changes nothing): the dispute row against the payment whose
// charge it names, and what its standing means for the money (core/disputes):
// - open (created, or any status not final): the payment's scheduled card payouts are held
//   (parked with `held_by_dispute`, shown to finance as needing action, never claimed by the
//   worker); the order's open requests get an internal note for QA with the reason; the ledger
//   gives nothing more from the charge (core/ledger/refundable.ts).
// - won: the payouts it held are released (a payout the provider had refused gets a new attempt,
//   its refused attempt looked up first), and the charge is refundable again.
// - lost: the disputed amount counts as returned (the ledger); the payouts it held are closed as
//   failed (`dispute_lost`) and may never be retried or reissued: the bank already paid.
// Every step is audited, as the provider (`provider:<name>`).

import type { Transaction } from "kysely";
import { SYSTEM_USER_ID } from "../../core/access/index.js";
import {
  disputeStanding,
  paymentDisputes,
  type DisputeStanding,
} from "../../core/disputes/index.js";
import { formatMinor } from "../../core/money/money.js";
import { idempotencyKeyOf } from "../../core/payouts/index.js";
import { appendAudit } from "../../db/audit.js";
import { fromDbMinor } from "../../db/money.js";
import type { Database } from "../../db/schema.js";
import { toDbInstant, toDbInstantOrNull } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { alertFinanceNeedsAction, updatePayout } from "../payouts/repository.js";
import { insertMessage, openRequestRows, REQUEST_ENTITY } from "../requests/repository.js";
import type { CardDisputeUpdate } from "./ports.js";
import {
  findDisputesOfPayment,
  heldPayouts,
  holdablePayouts,
  holdPayoutRow,
  insertDispute,
  lockDispute,
  paymentByProviderRef,
  updateDispute,
} from "./repository.js";

export const DISPUTE_ENTITY = "dispute";

/** What the payout worker records when the provider refused a refund because of a dispute. */
export const CHARGE_DISPUTED = "charge_disputed";

export interface DisputeApplied {
  readonly applied: boolean;
  readonly disputeId: string;
  readonly standing: DisputeStanding | null;
}

/** Applies a dispute event inside the caller's transaction (see the header). */
export async function applyDisputeUpdateIn(
  trx: Transaction<Database>,
  deps: AppDeps,
  update: CardDisputeUpdate,
  by: { readonly provider: string; readonly ip: string | null },
): Promise<DisputeApplied> {
  const actor = `provider:${by.provider}`;
  const refs = [update.chargeRef, ...(update.paymentIntent === null ? [] : [update.paymentIntent])];
  const payment = await paymentByProviderRef(trx, refs);
  if (payment === undefined) {
    // A dispute on a charge that is none of our payments: nothing of ours moves.
    return { applied: false, disputeId: update.disputeId, standing: null };
  }
  const now = deps.clock();
  const at = toDbInstant(now);
  const existing = await lockDispute(trx, update.disputeId);
  const standing = disputeStanding(update.status);
  const before: DisputeStanding | null =
    existing === undefined ? null : disputeStanding(existing.status);
  if (existing !== undefined && update.eventCreated < existing.event_created) {
    // An older event arriving late: the row already says something newer. Only a withdrawal of
    // funds (which no later event undoes) is still worth its note.
    if (
      update.eventType === "charge.dispute.funds_withdrawn" &&
      existing.funds_withdrawn_at === null
    ) {
      await updateDispute(trx, existing.id, { funds_withdrawn_at: at, updated_at: at });
    }
    return { applied: false, disputeId: update.disputeId, standing: before };
  }
  const values = {
    amount_minor: update.amountMinor.toString(),
    currency: update.currency,
    reason: update.reason,
    status: update.status,
    due_by: toDbInstantOrNull(update.dueBy),
    event_created: update.eventCreated,
    updated_at: at,
  };
  if (existing === undefined) {
    await insertDispute(trx, {
      id: update.disputeId,
      provider: by.provider,
      payment_id: payment.id,
      charge_ref: update.chargeRef,
      ...values,
      funds_withdrawn_at: update.eventType === "charge.dispute.funds_withdrawn" ? at : null,
      closed_at: standing === "open" ? null : at,
      evidence_json: null,
      evidence_submitted_at: null,
      submitted_by: null,
      reminded_5_at: null,
      reminded_2_at: null,
      created_at: at,
      version: 1,
    });
  } else {
    await updateDispute(trx, existing.id, {
      ...values,
      ...(update.eventType === "charge.dispute.funds_withdrawn" &&
      existing.funds_withdrawn_at === null
        ? { funds_withdrawn_at: at }
        : {}),
      closed_at: standing === "open" ? null : (existing.closed_at ?? at),
      version: existing.version + 1,
    });
  }
  await appendAudit(trx, {
    actor,
    action: `dispute.${update.eventType.replace(/^charge\.dispute\./, "")}`,
    entityType: DISPUTE_ENTITY,
    entityId: update.disputeId,
    summary: {
      paymentId: payment.id,
      orderId: payment.order_id,
      from: existing?.status ?? null,
      to: update.status,
      standing,
      amount: formatMinor(update.amountMinor, update.currency),
      currency: update.currency,
      reason: update.reason,
      dueBy: toDbInstantOrNull(update.dueBy),
    },
    ip: by.ip,
    at: now,
  });

  if (standing === "open" && before !== "open") {
    await holdPayoutsOfPayment(trx, deps, payment.id, update.disputeId, actor, now);
    await flagOpenRequests(trx, payment, update, now, actor);
  } else if (standing !== "open" && before !== standing) {
    // Closed: the held payouts go on (won) or are closed for good (lost), unless another dispute
    // of the same charge is still open.
    const all = await findDisputesOfPayment(trx, payment.id);
    const still = paymentDisputes(
      all.map((d) => ({ status: d.status, amountMinor: fromDbMinor(d.amount_minor) })),
    );
    if (!still.open) {
      await settleHeldPayouts(trx, deps, payment.id, standing, update.disputeId, actor, now);
    }
  }
  return { applied: true, disputeId: update.disputeId, standing };
}

/** Holds the payment's scheduled card payouts for the dispute (`by`: its id, or CHARGE_DISPUTED). */
export async function holdPayoutsOfPayment(
  trx: Transaction<Database>,
  _deps: AppDeps,
  paymentId: string,
  by: string,
  actor: string,
  now: number,
): Promise<number> {
  const at = toDbInstant(now);
  const rows = await holdablePayouts(trx, paymentId);
  for (const p of rows) {
    await holdPayoutRow(trx, p, {
      by,
      reason: `${CHARGE_DISPUTED}: the charge is disputed (${by}); held until the dispute closes`,
      at,
    });
    if (p.action_alerted_at === null) await alertFinanceNeedsAction(trx, p, now);
    await appendAudit(trx, {
      actor,
      action: "payout.held",
      entityType: "payout",
      entityId: p.id,
      summary: { dispute: by, paymentId, status: p.status },
      ip: null,
      at: now,
    });
  }
  return rows.length;
}

/** An internal note on each open request of the order, so QA sees why nothing can be refunded. */
async function flagOpenRequests(
  trx: Transaction<Database>,
  payment: { readonly id: string; readonly order_id: string },
  update: CardDisputeUpdate,
  now: number,
  actor: string,
): Promise<void> {
  const open = await openRequestRows(trx, payment.order_id);
  const due = update.dueBy === null ? "" : `; evidence due by ${toDbInstant(update.dueBy)}`;
  const body =
    `The client's bank disputes payment ${payment.id} (charge ${update.chargeRef}): ` +
    `${formatMinor(update.amountMinor, update.currency)} ${update.currency}, reason ` +
    `"${update.reason}" (dispute ${update.disputeId}${due}). Nothing may be refunded from this ` +
    "charge while the dispute is open; finance answers it with the evidence draft.";
  for (const r of open) {
    const message = await insertMessage(trx, {
      requestId: r.id,
      authorUserId: SYSTEM_USER_ID,
      kind: "note",
      body,
      at: now,
      internal: true,
    });
    await appendAudit(trx, {
      actor,
      action: "request.dispute_flagged",
      entityType: REQUEST_ENTITY,
      entityId: r.id,
      summary: {
        disputeId: update.disputeId,
        paymentId: payment.id,
        reason: update.reason,
        messageId: message.id,
      },
      ip: null,
      at: now,
    });
  }
}

/** A dispute closed: the payouts held for it go on (won) or are closed for good (lost). */
async function settleHeldPayouts(
  trx: Transaction<Database>,
  _deps: AppDeps,
  paymentId: string,
  standing: Exclude<DisputeStanding, "open">,
  disputeId: string,
  actor: string,
  now: number,
): Promise<void> {
  const at = toDbInstant(now);
  for (const p of await heldPayouts(trx, paymentId)) {
    if (standing === "won") {
      // A payout the provider refused (it was sent: attempts > 0 under this attempt) goes out as a
      // new attempt with its own key (Stripe remembers the refused key's answer), the refused one
      // looked up first; one never sent just goes back to the worker when released.
      const sent = p.attempts > 0;
      const attempt = sent ? p.attempt + 1 : p.attempt;
      await updatePayout(trx, p.id, {
        parked_at: null,
        held_by_dispute: null,
        failure_reason: null,
        action_alerted_at: null,
        attempts: 0,
        ...(sent
          ? {
              attempt,
              idempotency_key: idempotencyKeyOf(p.id, attempt),
              reconcile_attempt: p.attempt,
              next_attempt_at: at,
            }
          : {}),
        updated_at: at,
        version: p.version + 1,
      });
      await appendAudit(trx, {
        actor,
        action: "payout.released_after_dispute",
        entityType: "payout",
        entityId: p.id,
        summary: { disputeId, attempt, previousAttempt: sent ? p.attempt : null },
        ip: null,
        at: now,
      });
    } else {
      await updatePayout(trx, p.id, {
        status: "failed",
        parked_at: null,
        failure_reason: `dispute_lost: the bank returned the disputed money to the client (${disputeId}); this payout must not be sent`,
        updated_at: at,
        version: p.version + 1,
      });
      await appendAudit(trx, {
        actor,
        action: "payout.closed_by_dispute",
        entityType: "payout",
        entityId: p.id,
        summary: { disputeId, amount: p.amount_minor, currency: p.currency },
        ip: null,
        at: now,
      });
    }
  }
}
