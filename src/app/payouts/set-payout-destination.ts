// The client gives (or corrects, until the payout is sent) the address its crypto refund goes to;
// the asset is always the payment's own.

import { checkDestination } from "../../core/payouts/index.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";
import type { PayoutJson } from "./present.js";
import { destinationToDb, paymentCurrencyOf, updatePayout } from "./repository.js";
import { checkVersion, finish, loadVisible } from "./shared.js";

export interface DestinationInput {
  readonly expectedVersion: number;
  readonly network: string;
  readonly address: string;
}

/** The client gives (or corrects, until the payout is sent) the address a crypto refund goes to. */
export async function setPayoutDestination(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: DestinationInput,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await loadVisible(deps, ctx, id, "payout.set_destination", true, trx);
    checkVersion(row, input.expectedVersion);
    if (row.method !== "crypto") {
      throw new AppError("conflict", "only crypto payouts go to an address");
    }
    if (row.status !== "scheduled") {
      throw new AppError("invalid_transition", `the payout is ${row.status}`, [], {
        state: row.status,
        currentVersion: row.version,
      });
    }
    const destination = {
      asset: await paymentCurrencyOf(trx, row.payment_id),
      network: input.network,
      address: input.address.trim(),
    };
    const problem = checkDestination(destination);
    if (problem !== null) throw invalidField(problem.field, problem.message);
    const now = deps.clock();
    const at = toDbInstant(now);
    await updatePayout(trx, row.id, {
      destination: destinationToDb(destination),
      updated_at: at,
      version: row.version + 1,
    });
    return finish(trx, deps, ctx, row, now, "payout.destination", {
      asset: destination.asset,
      network: destination.network,
      address: destination.address,
    });
  });
}
