// Finance sends a parked payout (too many attempts without a clear answer) back to the worker.

import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import type { PayoutJson } from "./present.js";
import { updatePayout } from "./repository.js";
import { checkVersion, finish, loadVisible } from "./shared.js";

/** Sends a parked payout back to the worker, which reconciles it before anything else. */
export async function retryPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  expectedVersion: number,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await loadVisible(deps, ctx, id, "payout.execute", true, trx);
    checkVersion(row, expectedVersion);
    if (row.parked_at === null) {
      throw new AppError("conflict", "only a parked payout can be sent back to the worker", [], {
        state: row.status,
        currentVersion: row.version,
      });
    }
    const now = deps.clock();
    const at = toDbInstant(now);
    await updatePayout(trx, row.id, {
      parked_at: null,
      attempts: 0,
      next_attempt_at: at,
      updated_at: at,
      version: row.version + 1,
    });
    return finish(trx, deps, ctx, row, now, "payout.unparked", {
      status: row.status,
      attempts: row.attempts,
    });
  });
}
