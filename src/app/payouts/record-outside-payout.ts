// Finance records a failed payout as paid outside the system (issue 11): the money went back by
// some way this product did not drive (finance has proof: a bank reference, a receipt), so the
// payout is succeeded, the payment's refunded total grows under its row lock (never past what it
// may give back: captured - refunded - other payouts in flight), the client is told, and the
// audit trail keeps the reference and the justification.

import { userIdOf } from "../../core/access/index.js";
import { recordOutside } from "../../core/payouts/index.js";
import { fromDbMinor } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import type { PayoutJson } from "./present.js";
import { capOf, refundable } from "../../core/ledger/refundable.js";
import { readLedger } from "../../db/ledger.js";
import { notifyPayoutClient, setPaymentRefunded, updatePayout } from "./repository.js";
import {
  checkVersion,
  failedPayoutOf,
  finish,
  loadVisible,
  refuseWhileDisputed,
  wayForwardError,
} from "./shared.js";

export interface RecordOutsideInput {
  readonly expectedVersion: number;
  readonly reference: string;
  readonly justification: string;
}

export async function recordPayoutOutside(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: RecordOutsideInput,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, decidedBy } = await loadVisible(deps, ctx, id, "payout.record_outside", true, trx);
    checkVersion(row, input.expectedVersion);
    await refuseWhileDisputed(trx, row);
    const userId = userIdOf(ctx.actor);
    if (userId === null) throw new AppError("forbidden", "a record needs a signed-in person");
    const result = recordOutside(
      failedPayoutOf(row, decidedBy),
      userId,
      input.reference,
      input.justification,
    );
    if (!result.ok) throw wayForwardError(result.error, row);
    const now = deps.clock();
    const at = toDbInstant(now);
    const facts = await readLedger(trx, { paymentIds: [row.payment_id] }, { lock: true });
    const payment = facts.payments[0];
    const left = refundable(facts).payments.get(row.payment_id);
    if (payment === undefined || left === undefined) {
      throw new Error(`payout ${row.id} names no payment`);
    }
    const amount = fromDbMinor(row.amount_minor);
    if (amount > capOf(left, row.currency, facts.price.currency)) {
      throw new AppError(
        "conflict",
        "that would give back more than the payment may still give back",
        [{ path: "amount", message: "more than captured - refunded - in flight" }],
        { paymentId: row.payment_id },
      );
    }
    // The payment's refunded total is kept in its own currency (a fiat-valued line on a crypto
    // payment is not coins, and counts through its payout, as a recorded crypto payout does).
    if (payment.captured.currency === row.currency) {
      await setPaymentRefunded(trx, row.payment_id, payment.refunded + amount, at);
    }
    const justification = input.justification.trim();
    await updatePayout(trx, row.id, {
      status: "succeeded",
      manual_reference: result.value.reference,
      note: justification,
      paid_outside_at: at,
      succeeded_at: at,
      next_attempt_at: null,
      updated_at: at,
      version: row.version + 1,
    });
    await notifyPayoutClient(trx, row, "refund_sent", now);
    return finish(trx, deps, ctx, row, now, "payout.paid_outside", {
      method: row.method,
      reference: result.value.reference,
      justification,
      amount: { amount: row.amount_minor, currency: row.currency },
      failure: row.failure_reason,
    });
  });
}
