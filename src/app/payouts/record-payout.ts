// Finance records a manual payout (bank transfer, other, crypto) as sent: the bank reference or the
// crypto transaction hash and rate. One transaction on the locked payout and payment rows, with the
// client's notification and the audit event.

import { parseMoney } from "../../core/money/money.js";
import { recordManual, thresholdsOf } from "../../core/payouts/index.js";
import { fromDbMinor, toDbMinor } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";
import type { PayoutJson } from "./present.js";
import {
  lockPaymentTotals,
  notifyPayoutClient,
  setPaymentRefunded,
  stateOf,
  updatePayout,
} from "./repository.js";
import { checkVersion, finish, loadVisible, payoutError, payoutPolicy } from "./shared.js";

export interface RecordPayoutInput {
  readonly expectedVersion: number;
  readonly reference: string;
  readonly crypto?: { readonly rate: string; readonly coins: { amount: string; currency: string } };
}

/**
 * Finance records a manual payout (bank transfer, other, crypto) as sent. The payment's refunded
 * total grows by what went back in its own currency (the coins, for crypto), under its row lock.
 */
export async function recordPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: RecordPayoutInput,
): Promise<PayoutJson> {
  let crypto: { rate: string; coins: ReturnType<typeof parseMoney> } | undefined;
  if (input.crypto !== undefined) {
    // A plain decimal (no sign, exponent or spaces) with at least one non-zero digit.
    const rate = input.crypto.rate;
    if (!/^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$/.test(rate) || !/[1-9]/.test(rate)) {
      throw invalidField("crypto.rate", "must be a positive decimal string, fiat per coin");
    }
    const coins = parseMoney(input.crypto.coins.amount, input.crypto.coins.currency);
    if (!coins.ok) throw invalidField(`crypto.coins.${coins.field}`, coins.message);
    crypto = { rate, coins };
  }
  return deps.db.transaction().execute(async (trx) => {
    const { row, decidedBy } = await loadVisible(deps, ctx, id, "payout.execute", true, trx);
    checkVersion(row, input.expectedVersion);
    if (row.method === "bank_transfer" && row.reissue_of !== null && row.destination === null) {
      // Reissued by transfer: it goes to the account the client gives, not a guessed one.
      throw new AppError("conflict", "the client has not given the bank details yet", [], {
        currentVersion: row.version,
      });
    }
    const coins = crypto?.coins.ok === true ? crypto.coins.value : undefined;
    const result = recordManual(
      stateOf(row, decidedBy),
      {
        reference: input.reference,
        ...(crypto !== undefined && coins !== undefined
          ? { crypto: { rate: crypto.rate, coins } }
          : {}),
      },
      (await payoutPolicy(deps, row, trx)).params.cryptoRefundValuation,
      thresholdsOf((await deps.policies.current(trx)).payouts),
    );
    if (!result.ok) throw payoutError(result.error, row);
    const now = deps.clock();
    const at = toDbInstant(now);
    const payment = await lockPaymentTotals(trx, row.payment_id);
    const back =
      coins !== undefined && coins.currency === payment.currency
        ? coins.minor
        : row.currency === payment.currency
          ? fromDbMinor(row.amount_minor)
          : 0n;
    const refunded = payment.refunded + back;
    if (refunded > payment.captured) {
      throw new AppError("conflict", "that would give back more than the payment captured", [
        { path: "crypto.coins.amount", message: "more than the payment captured" },
      ]);
    }
    await setPaymentRefunded(trx, row.payment_id, refunded, at);
    await updatePayout(trx, row.id, {
      status: "succeeded",
      manual_reference: input.reference.trim(),
      crypto_rate: crypto?.rate ?? null,
      crypto_amount_minor: coins === undefined ? null : toDbMinor(coins.minor),
      crypto_currency: coins?.currency ?? null,
      succeeded_at: at,
      next_attempt_at: null,
      updated_at: at,
      version: row.version + 1,
    });
    await notifyPayoutClient(trx, row, "refund_sent", now);
    return finish(trx, deps, ctx, row, now, "payout.recorded", {
      method: row.method,
      reference: input.reference.trim(),
      amount: { amount: row.amount_minor, currency: row.currency },
      ...(coins === undefined || crypto === undefined
        ? {}
        : {
            rate: crypto.rate,
            coins: { amount: toDbMinor(coins.minor), currency: coins.currency },
          }),
    });
  });
}
