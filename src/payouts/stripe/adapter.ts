// The card provider on Stripe, through the official SDK. The worker owns retries, so the SDK's own
// are off (`maxNetworkRetries: 0`); every refund carries our payout id as metadata and the payout's
// idempotency key, so a resubmission can never become a second refund, and reconciliation can find
// the refund again by listing the charge's refunds.

import Stripe from "stripe";
import type {
  CardProvider,
  CardRefundInstruction,
  ProviderOutcome,
} from "../../app/payouts/ports.js";

export interface StripeCardProviderOptions {
  /** `sk_live_...` or `sk_test_...` (the stand-in accepts its own `sk_test_` key). */
  readonly apiKey: string;
  /** Defaults to Stripe's API host; the stand-in's host otherwise. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: "http" | "https";
  /** A call without an answer after this long is `unknown` (default 20 s). */
  readonly timeoutMs?: number;
}

/** The metadata key that ties a Stripe refund to our payout. */
export const PAYOUT_ID_METADATA_KEY = "payout_id";

type RefundTarget = { readonly charge: string } | { readonly payment_intent: string };

/** Charges (`ch_`, and `py_` for non-card payments) or payment intents (`pi_`); null otherwise. */
export function refundTargetOf(chargeRef: string): RefundTarget | null {
  if (/^(ch|py)_[A-Za-z0-9]+$/.test(chargeRef)) return { charge: chargeRef };
  if (/^pi_[A-Za-z0-9]+$/.test(chargeRef)) return { payment_intent: chargeRef };
  return null;
}

/** What a Stripe refund object's status means for the payout. */
export function outcomeOfRefund(refund: {
  readonly id: string;
  readonly status: string | null;
  readonly failure_reason?: string | null | undefined;
}): ProviderOutcome {
  switch (refund.status) {
    case "succeeded":
      return { kind: "succeeded", providerRef: refund.id };
    case "failed":
    case "canceled":
      return {
        kind: "failed",
        providerRef: refund.id,
        reason: refund.failure_reason ?? refund.status,
      };
    case null:
    default:
      // pending, requires_action, and any status this code does not know yet: the refund exists
      // and is not final; a webhook or a lookup settles it. Never `failed` (that would invite a
      // second refund) and never `succeeded` (that is not known yet).
      return { kind: "pending", providerRef: refund.id };
  }
}

function describe(code: string | undefined, message: string): string {
  return code === undefined || code === "" ? message : `${code}: ${message}`;
}

/**
 * What an error thrown by the SDK means. Only answers in which Stripe says it did not and will not
 * do the refund are `failed` (invalid request such as `charge_already_refunded` or
 * `amount_too_large`, a card error, an unknown charge, a refused key); everything else (no answer,
 * timeout, 5xx, 429, 409 for a key still in flight, a key reused with other parameters, anything
 * unrecognised) is `unknown`, settled only by a lookup.
 */
export function outcomeOfError(error: unknown): ProviderOutcome {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return { kind: "unknown", reason: `unexpected error: ${String(error)}` };
  }
  const status = error.statusCode;
  const reason = describe(error.code, error.message);
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return { kind: "unknown", reason: `connection: ${error.message}` };
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    return { kind: "unknown", reason: `rate limited: ${reason}` };
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    // The key was first used with other parameters (or is otherwise refused): a refund may exist
    // under it. Not a definite "no": a lookup by payout id decides, and a person if it finds none.
    return { kind: "unknown", reason: `idempotency: ${reason}` };
  }
  if (status === 400 || status === 401 || status === 402 || status === 403 || status === 404) {
    return { kind: "failed", providerRef: null, reason };
  }
  return {
    kind: "unknown",
    reason: status === undefined ? reason : `HTTP ${status}: ${reason}`,
  };
}

/** A card provider backed by Stripe (or by the stand-in, given its host, port and protocol). */
export function createStripeCardProvider(options: StripeCardProviderOptions): CardProvider {
  const stripe = new Stripe(options.apiKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: "refund-desk" },
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
  });

  async function submitRefund(instruction: CardRefundInstruction): Promise<ProviderOutcome> {
    const target = refundTargetOf(instruction.chargeRef);
    if (target === null) {
      return {
        kind: "failed",
        providerRef: null,
        reason: `unsupported_reference: ${instruction.chargeRef} is neither a charge (ch_, py_) nor a payment intent (pi_)`,
      };
    }
    const amount = instruction.amountMinor;
    if (amount <= 0n || amount > BigInt(Number.MAX_SAFE_INTEGER)) {
      return { kind: "failed", providerRef: null, reason: `amount_invalid: ${amount}` };
    }
    try {
      const refund = await stripe.refunds.create(
        {
          ...target,
          amount: Number(amount),
          metadata: { [PAYOUT_ID_METADATA_KEY]: instruction.payoutId },
        },
        { idempotencyKey: instruction.idempotencyKey },
      );
      return outcomeOfRefund(refund);
    } catch (e) {
      return outcomeOfError(e);
    }
  }

  async function lookupRefund(
    chargeRef: string,
    payoutId: string,
  ): Promise<ProviderOutcome | null> {
    const target = refundTargetOf(chargeRef);
    // submitRefund never sends a reference it cannot classify, so no refund can exist for it.
    if (target === null) return null;
    const found: Stripe.Refund[] = [];
    try {
      for await (const refund of stripe.refunds.list({ ...target, limit: 100 })) {
        if (refund.metadata?.[PAYOUT_ID_METADATA_KEY] === payoutId) found.push(refund);
      }
    } catch (e) {
      if (
        e instanceof Stripe.errors.StripeInvalidRequestError &&
        e.statusCode === 404 &&
        e.code === "resource_missing"
      ) {
        // The charge does not exist on this account, so neither does a refund of it; a
        // resubmission (same key) will be refused the same way, so nothing can go out twice.
        return null;
      }
      // A lookup that did not answer is never "none": the caller must not resubmit on it.
      const outcome = outcomeOfError(e);
      if (outcome.kind === "unknown") return outcome;
      const why = outcome.kind === "failed" ? outcome.reason : outcome.kind;
      return { kind: "unknown", reason: `lookup failed: ${why}` };
    }
    const live = found.filter((r) => r.status !== "failed" && r.status !== "canceled");
    if (live.length > 1) {
      // One payout, one idempotency key: two live refunds mean money went out twice (e.g. after a
      // key expired). Only a person can settle that.
      return {
        kind: "unknown",
        reason: `several refunds carry ${PAYOUT_ID_METADATA_KEY}=${payoutId}: ${live.map((r) => r.id).join(", ")}`,
      };
    }
    const chosen = live[0] ?? found[0];
    return chosen === undefined ? null : outcomeOfRefund(chosen);
  }

  return { name: "stripe", submitRefund, lookupRefund };
}
