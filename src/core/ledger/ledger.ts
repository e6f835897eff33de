import type { Money } from "../money/money.js";

/** The part of a payment the ledger needs: what was captured, when, and for which charge. */
export interface LedgerPayment {
  readonly id: string;
  readonly chargeRef: string;
  readonly amount: Money;
  readonly capturedAt: number;
}

/**
 * False when rule 2 cannot find an extra among an order's `count` payments: with something due, a
 * lone payment is never extra (nothing was paid twice). A scan uses it to skip reading such
 * orders' payments in full; `nothingDue` is a price of zero.
 */
export function mayHaveExtras(count: number, nothingDue: boolean): boolean {
  return count >= 2 || (nothingDue && count >= 1);
}

/**
 * Marks the *extra* payments (policy rule 2). Payments are grouped by `chargeRef` and taken in
 * order of capture (ties keep their given order); a payment is extra once the payments before it
 * already cover `due`. A payment in `due`'s currency covers its own amount; one in another currency
 * (crypto for a fiat price) covers the whole charge. Returns one flag per payment, in input order.
 */
export function findExtras(payments: readonly LedgerPayment[], due: Money): boolean[] {
  const extra = new Array<boolean>(payments.length).fill(false);
  if (!mayHaveExtras(payments.length, due.minor <= 0n)) return extra;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < payments.length; i++) {
    const ref = (payments[i] as LedgerPayment).chargeRef;
    const g = groups.get(ref);
    if (g === undefined) groups.set(ref, [i]);
    else g.push(i);
  }
  for (const idx of groups.values()) {
    if (idx.length < 2 && due.minor > 0n) continue;
    idx.sort(
      (a, b) =>
        (payments[a] as LedgerPayment).capturedAt - (payments[b] as LedgerPayment).capturedAt ||
        a - b,
    );
    let covered = 0n;
    for (const i of idx) {
      const p = payments[i] as LedgerPayment;
      if (covered >= due.minor) {
        extra[i] = true;
        continue;
      }
      covered = p.amount.currency === due.currency ? covered + p.amount.minor : due.minor;
    }
  }
  return extra;
}

/** A payment as finance sees it: captured, and what has gone back or is on its way back. */
export interface RefundablePayment {
  readonly captured: Money;
  /** Succeeded refunds. */
  readonly refunded: bigint;
  /** Refunds submitted and not yet settled: they count against what may still go back. */
  readonly inFlight: bigint;
}

/** What a payment may still give back: captured minus succeeded and in-flight refunds, never below 0. */
export function stillRefundable(p: RefundablePayment): bigint {
  const left = p.captured.minor - p.refunded - p.inFlight;
  return left > 0n ? left : 0n;
}

/** True when a refund of `amount` fits in what the payment may still give back. */
export function canRefund(p: RefundablePayment, amount: bigint): boolean {
  return amount > 0n && amount <= stillRefundable(p);
}
