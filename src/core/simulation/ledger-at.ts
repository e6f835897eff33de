// The ledger as it stood at an earlier instant, for a simulation's cap (ADR 0026). A stored
// recommendation was capped by what the order's payments could still give back when it was made
// (`capRecommendation`); the candidate's decision is capped by the same facts, rebuilt from the
// rows: payments recorded by then, and their payouts written by then, a payout counting as
// succeeded when it succeeded by then and as in flight otherwise. Payouts keep no history of
// their states, so a payout failed (or reissued) now is taken to have failed at its last update:
// before the instant it counts for nothing, after it, it was still in flight. The request's own
// payouts never count: they come from its approval, which follows its recommendation (an automatic
// approval writes them at the same instant).

import type { LedgerFacts, LedgerPayout } from "../ledger/refundable.js";
import type { Money } from "../money/money.js";

/** A payment as the simulation read it. */
export interface PaymentAt {
  readonly id: string;
  readonly captured: Money;
  /** Epoch ms the payment was recorded. */
  readonly recordedAt: number;
}

/** A payout of a payment, with the instants its state can be told from. */
export interface PayoutAt {
  /** The request whose approval wrote it. */
  readonly requestId: string;
  readonly amount: Money;
  readonly status: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly succeededAt: number | null;
}

/**
 * The ledger's facts at `at` (epoch ms) for request `requestId`, from the payments and payouts (by
 * payment id) read now.
 */
export function ledgerAt(
  price: Money,
  payments: readonly PaymentAt[],
  payoutsOf: (paymentId: string) => readonly PayoutAt[],
  at: number,
  requestId: string,
): LedgerFacts {
  return {
    price,
    approvedWithoutPayouts: 0n,
    payments: payments
      .filter((p) => p.recordedAt <= at)
      .map((p) => {
        let refunded = 0n;
        const payouts: LedgerPayout[] = [];
        let n = 0;
        for (const y of payoutsOf(p.id)) {
          n++;
          if (y.createdAt > at || y.requestId === requestId) continue;
          const failed = y.status === "failed" || y.status === "reissued";
          if (failed && y.updatedAt <= at) continue;
          const succeeded =
            y.status === "succeeded" && y.succeededAt !== null && y.succeededAt <= at;
          if (succeeded && y.amount.currency === p.captured.currency) refunded += y.amount.minor;
          payouts.push({
            id: `${p.id}#${n}`,
            amount: y.amount,
            state: succeeded ? "succeeded" : "in_flight",
          });
        }
        return { id: p.id, captured: p.captured, refunded, payouts };
      }),
  };
}
