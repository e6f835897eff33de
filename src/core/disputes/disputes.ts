// Card disputes (issue 20), decided once: what a provider's dispute status means for the money,
// when finance is reminded, and whether a draft may still be submitted. Pure: the shell reads the
// rows and the clock and asks.

/** Stripe's dispute statuses (`Dispute.Status`); another provider maps onto the same words. */
export const DISPUTE_STATUSES = [
  "warning_needs_response",
  "warning_under_review",
  "warning_closed",
  "needs_response",
  "under_review",
  "appeal_needs_response",
  "appeal_under_review",
  "won",
  "lost",
  "prevented",
] as const;

/**
 * What a dispute means for the money of its charge:
 * - `open`: the bank may take the money back; nothing more may be refunded from the charge.
 * - `won`: the money stays with us; the charge is refundable again as if never disputed.
 * - `lost`: the bank returned the disputed amount to the client; it counts as returned and can
 *   never be refunded again.
 */
export type DisputeStanding = "open" | "won" | "lost";

/**
 * The standing of a provider status. An inquiry closed without a chargeback (`warning_closed`)
 * is won. `prevented` (a prevention network resolved it, which refunds the client) counts as lost:
 * the money went back. Any status this code does not know is `open`: never refund on a guess.
 */
export function disputeStanding(status: string): DisputeStanding {
  switch (status) {
    case "won":
    case "warning_closed":
      return "won";
    case "lost":
    case "prevented":
      return "lost";
    default:
      return "open";
  }
}

/** Whether finance can still answer the dispute with evidence (the provider awaits a response). */
export function awaitsResponse(status: string): boolean {
  return (
    status === "needs_response" ||
    status === "warning_needs_response" ||
    status === "appeal_needs_response"
  );
}

/** What the ledger needs of the disputes of one payment, in the payment's currency. */
export interface PaymentDisputes {
  /** A dispute is open on the charge: nothing may be refunded from it. */
  readonly open: boolean;
  /** The amounts of lost disputes: returned to the client by the bank. */
  readonly lostMinor: bigint;
}

export const NO_DISPUTES: PaymentDisputes = Object.freeze({ open: false, lostMinor: 0n });

/** Folds a payment's disputes (their provider status and amount) into what the ledger needs. */
export function paymentDisputes(
  disputes: readonly { readonly status: string; readonly amountMinor: bigint }[],
): PaymentDisputes {
  let open = false;
  let lostMinor = 0n;
  for (const d of disputes) {
    const s = disputeStanding(d.status);
    if (s === "open") open = true;
    else if (s === "lost") lostMinor += d.amountMinor;
  }
  return open || lostMinor > 0n ? { open, lostMinor } : NO_DISPUTES;
}

const DAY_MS = 86_400_000;

/** The reminders finance gets before the evidence is due: 5 and 2 days before. */
export const REMINDER_DAYS = [5, 2] as const;
export type ReminderDays = (typeof REMINDER_DAYS)[number];

/**
 * Which reminder is due at `now` for a dispute still awaiting a response (null: none). The
 * 2-day reminder supersedes the 5-day one (a dispute first seen 3 days before its due-by gets one
 * reminder, not two); a reminder already sent is not due again; nothing after the due-by.
 */
export function reminderDue(
  d: {
    readonly status: string;
    readonly dueBy: number | null;
    readonly submitted: boolean;
    readonly reminded5: boolean;
    readonly reminded2: boolean;
  },
  now: number,
): ReminderDays | null {
  if (d.dueBy === null || d.submitted || !awaitsResponse(d.status) || now >= d.dueBy) return null;
  if (now >= d.dueBy - 2 * DAY_MS) return d.reminded2 ? null : 2;
  if (now >= d.dueBy - 5 * DAY_MS) return d.reminded5 || d.reminded2 ? null : 5;
  return null;
}

/** Why a draft cannot be submitted now (null: it can). */
export function submitRefusal(
  d: { readonly status: string; readonly dueBy: number | null; readonly submitted: boolean },
  now: number,
): string | null {
  if (d.submitted) return "the evidence was already submitted";
  if (!awaitsResponse(d.status)) return `the dispute is ${d.status}: it awaits no evidence`;
  if (d.dueBy !== null && now >= d.dueBy) return "the evidence due-by has passed";
  return null;
}

/**
 * Whether a provider's refusal of a refund says the charge is disputed: Stripe's error code
 * `charge_disputed` (the refund was refused), or the refund's failure reason
 * `charge_for_pending_refund_disputed` (a pending refund failed because a dispute opened). Either
 * way no money went back through us: the payout is held like one the dispute found scheduled.
 */
export function isDisputeRefusal(reason: string): boolean {
  return /^(charge_disputed|charge_for_pending_refund_disputed)\b/.test(reason);
}
