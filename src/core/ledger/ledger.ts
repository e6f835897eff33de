import type { Money } from "../money/money.js";

/** The part of a payment the ledger needs: what was captured, when, and for which charge. */
export interface LedgerPayment<T = number> {
  readonly id: string;
  readonly chargeRef: string;
  readonly amount: Money;
  /** When it was captured: epoch milliseconds, or any time `findExtras` is given a comparison for. */
  readonly capturedAt: T;
}

const byNumber = (a: number, b: number): number => a - b;

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
 * (crypto for a fiat price) covers the rest of the amount due. Returns one flag per payment, in
 * input order.
 */
export function findExtras(payments: readonly LedgerPayment[], due: Money): boolean[] {
  return findExtrasBy(payments, due, byNumber);
}

/** `findExtras` for capture times of any kind, ordered by `compare`. */
export function findExtrasBy<T>(
  payments: readonly LedgerPayment<T>[],
  due: Money,
  compare: (a: T, b: T) => number,
): boolean[] {
  const n = payments.length;
  const extra = new Array<boolean>(n).fill(false);
  if (!mayHaveExtras(n, due.minor <= 0n)) return extra;
  // Each charge once, at its first payment in the list.
  for (let i = 0; i < n; i++) {
    const ref = (payments[i] as LedgerPayment<T>).chargeRef;
    if (payments.findIndex((p) => p.chargeRef === ref) !== i) continue;
    markCovered(
      payments,
      inCaptureOrder(payments, compare, (p) => p.chargeRef === ref),
      due,
      extra,
    );
  }
  return extra;
}

/**
 * The indexes of the payments that `keep`, in order of capture by `compare`; payments captured at
 * the same time keep their given order. (An insertion sort: a charge has a handful of payments,
 * and it allocates nothing but the result, sized for every payment and cut to those kept.)
 */
export function inCaptureOrder<T, P extends LedgerPayment<T>>(
  payments: readonly P[],
  compare: (a: T, b: T) => number,
  keep: (p: P, i: number) => boolean,
): number[] {
  const order = new Array<number>(payments.length);
  let kept = 0;
  for (let i = 0; i < payments.length; i++) {
    const p = payments[i] as P;
    if (!keep(p, i)) continue;
    let at = kept++;
    for (; at > 0; at--) {
      const before = payments[order[at - 1] as number] as P;
      if (compare(before.capturedAt, p.capturedAt) <= 0) break;
      order[at] = order[at - 1] as number;
    }
    order[at] = i;
  }
  // Cutting an array's length is a call into the runtime: only when some payment was left out.
  if (kept < order.length) order.length = kept;
  return order;
}

/**
 * Marks the payments of one charge, taken in capture order (`order`, indexes into `payments`),
 * that come after `due` is already covered.
 */
function markCovered<T>(
  payments: readonly LedgerPayment<T>[],
  order: readonly number[],
  due: Money,
  extra: boolean[],
): void {
  let covered = 0n;
  for (const i of order) {
    const p = payments[i] as LedgerPayment<T>;
    if (covered >= due.minor) {
      extra[i] = true;
      continue;
    }
    covered = p.amount.currency === due.currency ? covered + p.amount.minor : due.minor;
  }
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
