// Finance sends a payout back to the worker: a parked one (too many attempts without a clear
// answer: the worker reconciles it first), or a failed card payout (issue 11): a new attempt with
// its own idempotency key (payout id + attempt), and the failed attempt is looked up at the
// provider before the new one is sent, so a refund never goes out twice.

import { idempotencyKeyOf, retryFailed } from "../../core/payouts/index.js";
import type { PaymentMethod } from "../../core/policy/index.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import type { PayoutJson } from "./present.js";
import { updatePayout } from "./repository.js";
import {
  checkVersion,
  finish,
  loadVisible,
  refuseWhileDisputed,
  wayForwardError,
} from "./shared.js";

/** Sends a parked or failed payout back to the worker, which reconciles it before anything else. */
export async function retryPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  expectedVersion: number,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, decidedBy } = await loadVisible(deps, ctx, id, "payout.execute", true, trx);
    checkVersion(row, expectedVersion);
    await refuseWhileDisputed(trx, row);
    const now = deps.clock();
    const at = toDbInstant(now);
    if (row.parked_at !== null) {
      await updatePayout(trx, row.id, {
        parked_at: null,
        attempts: 0,
        action_alerted_at: null,
        next_attempt_at: at,
        updated_at: at,
        version: row.version + 1,
      });
      return finish(trx, deps, ctx, row, now, "payout.unparked", {
        status: row.status,
        attempts: row.attempts,
      });
    }
    const result = retryFailed({
      status: row.status,
      method: row.method as PaymentMethod,
      parked: false,
      failureReason: row.failure_reason,
      attempt: row.attempt,
      decidedBy,
    });
    if (!result.ok) throw wayForwardError(result.error, row);
    const { attempt, reconcileAttempt } = result.value;
    await updatePayout(trx, row.id, {
      status: "scheduled",
      attempt,
      reconcile_attempt: reconcileAttempt,
      idempotency_key: idempotencyKeyOf(row.id, attempt),
      failure_reason: null,
      attempts: 0,
      action_alerted_at: null,
      next_attempt_at: at,
      updated_at: at,
      version: row.version + 1,
    });
    return finish(trx, deps, ctx, row, now, "payout.retried", {
      attempt,
      previousAttempt: reconcileAttempt,
      previousFailure: row.failure_reason,
      previousProviderRef: row.provider_ref,
    });
  });
}
