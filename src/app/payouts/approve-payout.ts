// A finance approval of a payout: the first releases it (or, above the policy's threshold, waits
// for a second person: four-eyes); never for a decision one made oneself. One transaction on the
// locked payout row, checking the version the caller saw, with its audit event.

import type { Action } from "../../core/access/index.js";
import { userIdOf } from "../../core/access/index.js";
import { approve, thresholdsOf } from "../../core/payouts/index.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import type { PayoutJson } from "./present.js";
import { approvalsToDb, findPayout, parseApprovals, stateOf, updatePayout } from "./repository.js";
import { checkVersion, finish, loadVisible, payoutError } from "./shared.js";

/**
 * A finance approval. The first releases the payout (or, above the policy's threshold, waits for a
 * second person); a released card payout goes to the worker at once.
 */
export async function approvePayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  expectedVersion: number,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const peek = id.length > 200 ? undefined : await findPayout(trx, id);
    const action: Action =
      peek !== undefined && parseApprovals(peek.approvals).length > 0
        ? "payout.approve_second"
        : "payout.execute";
    const { row, decidedBy } = await loadVisible(deps, ctx, id, action, true, trx);
    checkVersion(row, expectedVersion);
    const userId = userIdOf(ctx.actor);
    if (userId === null) throw new AppError("forbidden", "an approval needs a signed-in person");
    const now = deps.clock();
    const result = approve(
      stateOf(row, decidedBy),
      userId,
      now,
      thresholdsOf((await deps.policies.current(trx)).payouts),
    );
    if (!result.ok) throw payoutError(result.error, row);
    const at = toDbInstant(now);
    const ready = result.value.released && row.method === "card";
    await updatePayout(trx, row.id, {
      approvals: approvalsToDb(result.value.approvals),
      executed_by: row.executed_by ?? userId,
      next_attempt_at: ready ? at : row.next_attempt_at,
      updated_at: at,
      version: row.version + 1,
    });
    return finish(
      trx,
      deps,
      ctx,
      row,
      now,
      result.value.released ? "payout.released" : "payout.approved",
      {
        approvals: result.value.approvals.length,
        released: result.value.released,
        amount: { amount: row.amount_minor, currency: row.currency },
      },
    );
  });
}
