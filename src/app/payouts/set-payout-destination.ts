// The client gives (or corrects, until the payout is sent) where its refund goes: the wallet
// address of a crypto refund (the asset is always the payment's own), or the bank account of a
// payout reissued by bank transfer (issue 11). Nothing else takes a destination: a refund goes
// back the way it came unless finance reissued it.

import {
  checkBankDestination,
  checkDestination,
  destinationNeeded,
} from "../../core/payouts/index.js";
import type { PaymentMethod } from "../../core/policy/index.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";
import type { PayoutJson } from "./present.js";
import { destinationToDb, paymentCurrencyOf, updatePayout } from "./repository.js";
import { checkVersion, finish, loadVisible } from "./shared.js";

export interface DestinationInput {
  readonly expectedVersion: number;
  /** Crypto. */
  readonly network?: string;
  readonly address?: string;
  /** Bank (a payout reissued by transfer). */
  readonly accountHolder?: string;
  readonly iban?: string;
  readonly bic?: string;
}

export async function setPayoutDestination(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: DestinationInput,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await loadVisible(deps, ctx, id, "payout.set_destination", true, trx);
    checkVersion(row, input.expectedVersion);
    const method = row.method as PaymentMethod;
    if (!destinationNeeded(method, row.reissue_of !== null)) {
      throw new AppError(
        "conflict",
        "this payout goes back the way it was paid; only crypto refunds and payouts reissued by bank transfer take a destination",
      );
    }
    if (row.status !== "scheduled") {
      throw new AppError("invalid_transition", `the payout is ${row.status}`, [], {
        state: row.status,
        currentVersion: row.version,
      });
    }
    const now = deps.clock();
    const at = toDbInstant(now);
    if (method === "crypto") {
      if (input.network === undefined)
        throw invalidField("network", "is required for a crypto refund");
      if (input.address === undefined)
        throw invalidField("address", "is required for a crypto refund");
      const destination = {
        asset: await paymentCurrencyOf(trx, row.payment_id),
        network: input.network,
        address: input.address.trim(),
      };
      const problem = checkDestination(destination);
      if (problem !== null) throw invalidField(problem.field, problem.message);
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
    }
    if (input.accountHolder === undefined) {
      throw invalidField("accountHolder", "is required for a bank transfer");
    }
    if (input.iban === undefined) throw invalidField("iban", "is required for a bank transfer");
    const bank = checkBankDestination({
      accountHolder: input.accountHolder,
      iban: input.iban,
      bic: input.bic,
    });
    if (!bank.ok) throw invalidField(bank.field, bank.message);
    await updatePayout(trx, row.id, {
      destination: JSON.stringify(bank.value),
      updated_at: at,
      version: row.version + 1,
    });
    return finish(trx, deps, ctx, row, now, "payout.destination", {
      accountHolder: bank.value.accountHolder,
      // The audit trail keeps enough to recognise the account, not the whole number.
      iban: `${bank.value.iban.slice(0, 4)}…${bank.value.iban.slice(-4)}`,
    });
  });
}
