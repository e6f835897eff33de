// Finance reissues a failed payout by another method (issue 11), e.g. the card expired: bank
// transfer. One transaction on the locked payout and payment rows: the original is closed as
// `reissued` (no money moved, nothing in flight), a new payout of the same amount on the same
// payment is created with the same due window (the 14-business-day promise still stands), and the
// ledger check runs on the new one (never more than captured - refunded - in flight). The person
// who reissues gives the new payout's first approval; above the four-eyes threshold a different
// finance person gives the second. A reissue by bank transfer asks the client for the account
// (same flow as a crypto address); the audit trail keeps the justification.

import {
  approvalsNeeded,
  destinationNeeded,
  reissueFailed,
  thresholdsOf,
} from "../../core/payouts/index.js";
import { newId } from "../../db/ids.js";
import { fromDbMinor } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import { userIdOf } from "../../core/access/index.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import type { PayoutJson } from "./present.js";
import {
  approvalsToDb,
  askForDestination,
  idempotencyKeyFor,
  insertPayout,
  updatePayout,
} from "./repository.js";
import {
  checkVersion,
  failedPayoutOf,
  finish,
  loadVisible,
  refuseWhileDisputed,
  wayForwardError,
} from "./shared.js";
import { money } from "../../core/money/money.js";
import { capOf, refundable } from "../../core/ledger/refundable.js";
import { readLedger } from "../../db/ledger.js";

export interface ReissueInput {
  readonly expectedVersion: number;
  readonly method: string;
  readonly justification: string;
}

/** Closes a failed payout as `reissued` and creates its replacement; returns the new payout. */
export async function reissuePayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: ReissueInput,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row, decidedBy } = await loadVisible(deps, ctx, id, "payout.reissue", true, trx);
    checkVersion(row, input.expectedVersion);
    await refuseWhileDisputed(trx, row);
    const userId = userIdOf(ctx.actor);
    if (userId === null) throw new AppError("forbidden", "a reissue needs a signed-in person");
    const result = reissueFailed(
      failedPayoutOf(row, decidedBy),
      userId,
      input.method,
      input.justification,
    );
    if (!result.ok) throw wayForwardError(result.error, row);
    const now = deps.clock();
    const at = toDbInstant(now);
    const nextId = newId("pyo");
    const justification = input.justification.trim();
    await updatePayout(trx, row.id, {
      status: "reissued",
      replaced_by: nextId,
      note: justification,
      next_attempt_at: null,
      updated_at: at,
      version: row.version + 1,
    });
    // The ledger: the replacement must fit in what the payment may still give back.
    const amount = money(fromDbMinor(row.amount_minor), row.currency);
    const facts = await readLedger(trx, { paymentIds: [row.payment_id] }, { lock: true });
    const left = refundable(facts).payments.get(row.payment_id);
    if (left === undefined) throw new Error(`payout ${row.id} names no payment`);
    if (amount.minor > capOf(left, row.currency, facts.price.currency)) {
      throw new AppError(
        "conflict",
        "the payment cannot give this amount back any more (another refund took it)",
        [{ path: "amount", message: "more than the payment may still give back" }],
        { paymentId: row.payment_id },
      );
    }
    const approvals = [{ userId, at: now }];
    const needed = approvalsNeeded(
      amount,
      thresholdsOf((await deps.policies.current(trx)).payouts),
    );
    await insertPayout(trx, {
      id: nextId,
      request_id: row.request_id,
      decision_id: row.decision_id,
      payment_id: row.payment_id,
      method: result.value.method,
      amount_minor: row.amount_minor,
      currency: row.currency,
      status: "scheduled",
      due_earliest: row.due_earliest,
      due_latest: row.due_latest,
      idempotency_key: idempotencyKeyFor(nextId),
      approvals: approvalsToDb(approvals),
      executed_by: userId,
      reissue_of: row.id,
      note: justification,
      created_at: at,
      updated_at: at,
    });
    if (destinationNeeded(result.value.method, true)) {
      await askForDestination(
        trx,
        { id: nextId, request_id: row.request_id },
        "destination_needed",
        now,
      );
    }
    await finish(trx, deps, ctx, row, now, "payout.reissued", {
      method: row.method,
      to: result.value.method,
      replacedBy: nextId,
      justification,
      failure: row.failure_reason,
    });
    return finish(trx, deps, ctx, { ...row, id: nextId }, now, "payout.created_by_reissue", {
      reissueOf: row.id,
      method: result.value.method,
      amount: { amount: row.amount_minor, currency: row.currency },
      approvals: approvals.length,
      approvalsNeeded: needed,
      justification,
    });
  });
}
