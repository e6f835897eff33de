// Ports the payout use cases own (ADR 0021): what they need from a card provider, implemented by an
// adapter (`src/payouts/stripe`: the Stripe SDK, or the stand-in). The app layer never imports the
// adapter; the wiring (`src/service`, `src/cli`) hands one in.

import type { CardDisputeUpdate } from "../disputes/ports.js";

/**
 * The contract between the payout worker and a card provider. The worker never sends a refund
 * twice on its own: a call that ends without a clear answer is `unknown`, and only `lookup`
 * (reconciliation) settles it.
 */

/** What the worker asks the provider to do for one payout. */
export interface CardRefundInstruction {
  /** Our payout id; sent as metadata so reconciliation can find the refund again. */
  readonly payoutId: string;
  /** Derived from the payout id and attempt; sent as the provider's Idempotency-Key. */
  readonly idempotencyKey: string;
  /** The payout's attempt (1 first; a retry after a failure is 2, ...); sent as metadata. */
  readonly attempt?: number;
  /** The provider's id of the captured charge or payment intent (payments.provider_ref). */
  readonly chargeRef: string;
  /** Minor units (a bigint, never a float); positive. */
  readonly amountMinor: bigint;
  /**
   * ISO 4217, upper case (the adapter lower-cases it for the wire if the provider wants that).
   * Stripe refunds in the charge's own currency and takes none on a refund; it is for providers
   * that do, and for the worker's own checks.
   */
  readonly currency: string;
}

export type ProviderOutcome =
  /** The provider took the refund and it is final. */
  | { readonly kind: "succeeded"; readonly providerRef: string }
  /** The provider took the refund; a webhook or a lookup will tell the end. */
  | { readonly kind: "pending"; readonly providerRef: string }
  /** The provider refused or the refund failed; `reason` is the provider's own code or message. */
  | { readonly kind: "failed"; readonly providerRef: string | null; readonly reason: string }
  /** No clear answer (timeout, connection reset, 5xx): the refund may or may not exist. */
  | { readonly kind: "unknown"; readonly reason: string };

export interface CardProvider {
  readonly name: string;
  /** Creates the refund, with `idempotencyKey` as the provider's idempotency key. Never throws. */
  submitRefund(instruction: CardRefundInstruction): Promise<ProviderOutcome>;
  /**
   * Reconciliation: finds the refund made for `payoutId` on `chargeRef`, if any. `null` when the
   * provider has none (then it is safe to submit again with the same idempotency key); `unknown`
   * when the provider could not be asked, or when it holds more than one live refund for the
   * payout (money went out twice: a person must look). Never throws.
   */
  lookupRefund(
    chargeRef: string,
    payoutId: string,
    /** Which attempt of the payout (default 1): a retried payout's attempts are told apart. */
    attempt?: number,
  ): Promise<ProviderOutcome | null>;
}

/** What a verified provider event says about a refund (null: an event type we do not use). */
export interface CardRefundUpdate {
  readonly payoutId: string | null;
  /** The payout's attempt the refund was made for (1 when the metadata does not say). */
  readonly attempt?: number;
  readonly providerRef: string;
  readonly outcome: ProviderOutcome;
}

export type CardWebhookVerification =
  | {
      readonly ok: true;
      readonly eventId: string;
      readonly type: string;
      readonly update: CardRefundUpdate | null;
      /** A captured charge the event reports, to be recorded as a payment (null otherwise). */
      readonly payment?: CardPaymentCaptured | null;
      /** A dispute the event reports (`charge.dispute.*`), null otherwise (issue 20). */
      readonly dispute?: CardDisputeUpdate | null;
    }
  | { readonly ok: false; readonly reason: string };

/** Checks the signature over the raw body and reads the event; never throws. */
export type CardWebhookVerifier = (
  rawBody: Buffer,
  signatureHeader: string | undefined,
  nowSeconds: number,
) => CardWebhookVerification;

/**
 * A charge captured by the provider for one of our orders (its metadata names the order): the
 * webhook records it as a payment, exactly like the payments API, duplicates included.
 */
export interface CardPaymentCaptured {
  readonly orderId: string;
  /** What the charge bills (the order, or a subscription period's charge reference). */
  readonly chargeRef: string;
  /** The provider's charge id (`ch_...`). */
  readonly providerRef: string;
  readonly amountMinor: bigint;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** Epoch milliseconds. */
  readonly capturedAt: number;
}
