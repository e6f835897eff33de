// What an order's payments may still give back: the one rule, used by every path that lets money go
// (a request's snapshot, which caps a reviewer's approval; the approval writing its payouts; the
// worker claiming a payout). Pure: `src/db/ledger.ts` reads the facts in one place (the payment
// rows locked when the caller is about to let money go), this decides.
//
// Per payment, in its own currency:
//     left = captured - succeeded refunds - payouts in flight (scheduled, submitting, pending,
//            unknown) in that currency, never below 0.
// Per payment, in the order's currency (the price's):
//     a payment in the price's currency: its `left`;
//     a payment in another currency (a crypto payment for a fiat price, refunded at fiat value under
//     fiat-at-payout): the price less the payouts in the price's currency that went or are going
//     back from it, never below 0.
// The order's total: the sum of the payments' values in the order's currency, less approved
// amounts whose payouts are not written yet (they are on their way but belong to no payment yet),
// never below 0.
//
// A fully refunded payment (succeeded refunds equal to the capture) has `left` 0: no new refund line
// may take anything from it. A failed payout counts for nothing (the money did not go).
//
// Disputes (issue 20): a payment whose charge is under an open dispute gives nothing back (`left`
// 0 in every currency: the bank may return the money, and the desk must never pay twice); a
// dispute lost counts its amount as returned to the client, like a succeeded refund; a dispute
// won changes nothing (the charge is refundable again).

import { NO_DISPUTES, type PaymentDisputes } from "../disputes/disputes.js";
import { money, type Money } from "../money/money.js";
import { stillRefundable } from "./ledger.js";

/** A payout from the payment that did not fail. */
export interface LedgerPayout {
  readonly id: string;
  readonly amount: Money;
  /** `succeeded`: the money went back; `in_flight`: scheduled, submitting, pending or unknown. */
  readonly state: "succeeded" | "in_flight";
}

/** One payment as the ledger needs it. */
export interface LedgerPaymentFacts {
  readonly id: string;
  /** What the payment captured, in its own currency. */
  readonly captured: Money;
  /** Succeeded refunds in the payment's currency (the payment row's refunded total). */
  readonly refunded: bigint;
  /** Its payouts that did not fail, in whichever currency they pay. */
  readonly payouts: readonly LedgerPayout[];
  /** Its charge's disputes (none when absent). */
  readonly disputes?: PaymentDisputes;
}

/** An order's facts: its price and payments, and approvals not yet turned into payouts. */
export interface LedgerFacts {
  readonly price: Money;
  readonly payments: readonly LedgerPaymentFacts[];
  /** Approved amounts in the price's currency whose payouts are not written yet (0 when unknown). */
  readonly approvedWithoutPayouts: bigint;
}

/** What one payment may still give back. */
export interface PaymentLeft {
  readonly id: string;
  /** In the payment's own currency (minor units of `currency`). */
  readonly currency: string;
  readonly left: bigint;
  /** In the order's (price's) currency; equals `left` for a payment in that currency. */
  readonly leftInPriceCurrency: bigint;
}

/** The ledger's answer for an order. */
export interface Refundable {
  /** By payment id. */
  readonly payments: ReadonlyMap<string, PaymentLeft>;
  /** What the order may still give back in the price's currency. */
  readonly total: Money;
}

const atLeastZero = (n: bigint): bigint => (n > 0n ? n : 0n);

/**
 * Leaves one payout out of the count: the worker claiming a payout asks whether that payout still
 * fits beside everything else that went or is going back.
 */
export interface RefundableOptions {
  readonly excludingPayout?: string;
}

/** What a payment may still give back in its own currency (see the header). */
export function paymentLeft(p: LedgerPaymentFacts, options: RefundableOptions = {}): bigint {
  const disputes = p.disputes ?? NO_DISPUTES;
  if (disputes.open) return 0n;
  let inFlight = 0n;
  for (const y of p.payouts) {
    if (y.id === options.excludingPayout) continue;
    if (y.state === "in_flight" && y.amount.currency === p.captured.currency) {
      inFlight += y.amount.minor;
    }
  }
  return stillRefundable({
    captured: p.captured,
    refunded: p.refunded + disputes.lostMinor,
    inFlight,
  });
}

/** The one rule (see the header). */
export function refundable(facts: LedgerFacts, options: RefundableOptions = {}): Refundable {
  const price = facts.price;
  const payments = new Map<string, PaymentLeft>();
  let total = 0n;
  for (const p of facts.payments) {
    const left = paymentLeft(p, options);
    let inPrice = left;
    if ((p.disputes ?? NO_DISPUTES).open) {
      inPrice = 0n;
    } else if (p.captured.currency !== price.currency) {
      let out = 0n;
      for (const y of p.payouts) {
        if (y.id !== options.excludingPayout && y.amount.currency === price.currency) {
          out += y.amount.minor;
        }
      }
      inPrice = atLeastZero(price.minor - out);
    }
    payments.set(p.id, {
      id: p.id,
      currency: p.captured.currency,
      left,
      leftInPriceCurrency: inPrice,
    });
    total += inPrice;
  }
  return {
    payments,
    total: money(atLeastZero(total - facts.approvedWithoutPayouts), price.currency),
  };
}

/**
 * The most a refund line in `currency` may take from payment `p` now: `left` in the payment's own
 * currency, `leftInPriceCurrency` in the price's currency, nothing in any other.
 */
export function capOf(p: PaymentLeft, currency: string, priceCurrency: string): bigint {
  if (currency === p.currency) return p.left;
  if (currency === priceCurrency) return p.leftInPriceCurrency;
  return 0n;
}
