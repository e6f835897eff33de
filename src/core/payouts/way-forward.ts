// A failed payout has a way forward (issue 11): finance retries a failed card payout (a new
// attempt with its own idempotency key, after the old attempt is reconciled with the provider),
// reissues it by another method (a new payout, with a justification and the payout's four-eyes
// rule; the original is closed as `reissued`), or records it as paid outside the system (proof
// reference and justification). Pure decisions; the shell locks, stores and audits.

import type { PaymentMethod } from "../policy/types.js";
import type { PayoutStatus } from "./payouts.js";

/** Provider failure reasons after which the same card must not be tried again (a person decides). */
export const CARD_UNUSABLE = [
  "expired_or_canceled_card",
  "lost_or_stolen_card",
  "charge_for_pending_refund_disputed",
  "merchant_request",
] as const;

/** Methods a failed payout may be reissued by (a crypto refund needs a coin the payment had). */
export const REISSUE_METHODS = [
  "bank_transfer",
  "other",
] as const satisfies readonly PaymentMethod[];
export type ReissueMethod = (typeof REISSUE_METHODS)[number];

export type WayForwardError =
  | { readonly code: "not_failed"; readonly status: PayoutStatus; readonly parked: boolean }
  | { readonly code: "not_card"; readonly method: PaymentMethod }
  | { readonly code: "card_unusable"; readonly reason: string }
  | { readonly code: "same_method"; readonly method: PaymentMethod }
  | { readonly code: "own_decision" }
  | { readonly code: "field"; readonly field: string; readonly message: string };

export type WayForward<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: WayForwardError };

const ok = <T>(value: T): WayForward<T> => ({ ok: true, value });
const fail = <T>(error: WayForwardError): WayForward<T> => ({ ok: false, error });

export interface FailedPayout {
  readonly status: PayoutStatus;
  readonly method: PaymentMethod;
  readonly parked: boolean;
  readonly failureReason: string | null;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  /** Who made the decision the payout carries out. */
  readonly decidedBy: string;
}

/** The provider's idempotency key of a payout's attempt: the first keeps the original form. */
export function idempotencyKeyOf(payoutId: string, attempt: number): string {
  return attempt <= 1
    ? `refund-desk-payout-${payoutId}`
    : `refund-desk-payout-${payoutId}-attempt-${attempt}`;
}

function mustBeFailed(p: FailedPayout): WayForwardError | null {
  // A parked payout whose last answer was unclear may have gone out: the worker reconciles it
  // first (the existing "send back to the worker"); only a definite failure opens these ways.
  return p.status === "failed" ? null : { code: "not_failed", status: p.status, parked: p.parked };
}

/**
 * A new attempt of a failed card payout. Refused when the card cannot take refunds any more
 * (reissue by another method instead). The worker looks the failed attempt up at the provider
 * before it sends the new one.
 */
export function retryFailed(
  p: FailedPayout,
): WayForward<{ readonly attempt: number; readonly reconcileAttempt: number }> {
  const notFailed = mustBeFailed(p);
  if (notFailed !== null) return fail(notFailed);
  if (p.method !== "card") return fail({ code: "not_card", method: p.method });
  const reason = p.failureReason ?? "";
  const unusable = CARD_UNUSABLE.find((code) => reason.includes(code));
  if (unusable !== undefined) return fail({ code: "card_unusable", reason: unusable });
  return ok({ attempt: p.attempt + 1, reconcileAttempt: p.attempt });
}

/** A justification: 10 to 1000 characters of someone's reasoning. */
export function checkJustification(text: string, field = "justification"): WayForwardError | null {
  const t = text.trim();
  return t.length < 10 || t.length > 1000
    ? { code: "field", field, message: "explain in 10 to 1000 characters why" }
    : null;
}

/** Reissue a failed payout by another method: the new payout's method, after the checks. */
export function reissueFailed(
  p: FailedPayout,
  userId: string,
  method: string,
  justification: string,
): WayForward<{ readonly method: ReissueMethod }> {
  const notFailed = mustBeFailed(p);
  if (notFailed !== null) return fail(notFailed);
  if (p.decidedBy === userId) return fail({ code: "own_decision" });
  if (!(REISSUE_METHODS as readonly string[]).includes(method)) {
    return fail({
      code: "field",
      field: "method",
      message: `reissue by ${REISSUE_METHODS.join(" or ")}`,
    });
  }
  if (method === p.method) return fail({ code: "same_method", method: p.method });
  const why = checkJustification(justification);
  if (why !== null) return fail(why);
  return ok({ method: method as ReissueMethod });
}

/** Record a failed payout as paid outside the system (finance has proof). */
export function recordOutside(
  p: FailedPayout,
  userId: string,
  reference: string,
  justification: string,
): WayForward<{ readonly reference: string }> {
  const notFailed = mustBeFailed(p);
  if (notFailed !== null) return fail(notFailed);
  if (p.decidedBy === userId) return fail({ code: "own_decision" });
  const ref = reference.trim();
  if (ref.length < 3 || ref.length > 100) {
    return fail({
      code: "field",
      field: "reference",
      message: "the proof's reference must be 3 to 100 characters",
    });
  }
  const why = checkJustification(justification);
  if (why !== null) return fail(why);
  return ok({ reference: ref });
}
