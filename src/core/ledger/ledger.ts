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
  const n = payments.length;
  const extra = new Array<boolean>(n).fill(false);
  if (!mayHaveExtras(n, due.minor <= 0n)) return extra;
  // The policy engine calls this for every case with several payments, and nearly always they are
  // one charge listed in capture order: that case needs no grouping and no sort.
  const first = (payments[0] as LedgerPayment).chargeRef;
  let oneCharge = true;
  for (let i = 1; i < n && oneCharge; i++) {
    oneCharge = (payments[i] as LedgerPayment).chargeRef === first;
  }
  if (oneCharge && inCaptureOrder(payments)) {
    markCovered(payments, null, due, extra);
    return extra;
  }
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
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
    markCovered(payments, idx, due, extra);
  }
  return extra;
}

/**
 * True when capture times never decrease in list order: then sorting by (capturedAt, index) keeps
 * the list as it is. (A NaN time fails `<=`, so such a list is sorted as before.)
 */
function inCaptureOrder(payments: readonly LedgerPayment[]): boolean {
  for (let i = 1; i < payments.length; i++) {
    if (
      !((payments[i - 1] as LedgerPayment).capturedAt <= (payments[i] as LedgerPayment).capturedAt)
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Marks the payments of one charge, taken in capture order (`order`, or the list order when
 * null), that come after `due` is already covered.
 */
function markCovered(
  payments: readonly LedgerPayment[],
  order: readonly number[] | null,
  due: Money,
  extra: boolean[],
): void {
  const n = order === null ? payments.length : order.length;
  let covered = 0n;
  for (let k = 0; k < n; k++) {
    const i = order === null ? k : (order[k] as number);
    const p = payments[i] as LedgerPayment;
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
