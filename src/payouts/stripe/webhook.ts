// Stripe webhooks: signature verification with the SDK (HMAC-SHA256 over "<t>.<raw body>", a
// timestamp no older than the tolerance), and the refund update an event carries. The HTTP route
// must hand over the raw body bytes: a re-serialised JSON body no longer matches its signature.

import Stripe from "stripe";
import type { CardDisputeUpdate } from "../../app/disputes/ports.js";
import type { CardPaymentCaptured, ProviderOutcome } from "../../app/payouts/ports.js";
import { attemptOf, outcomeOfRefund, PAYOUT_ID_METADATA_KEY } from "./adapter.js";

export type WebhookRejection =
  "missing_header" | "bad_signature" | "stale_timestamp" | "bad_payload" | "no_secret";

export type WebhookVerification =
  | { readonly ok: true; readonly event: Stripe.Event }
  | { readonly ok: false; readonly reason: WebhookRejection; readonly detail: string };

function reject(reason: WebhookRejection, detail: string): WebhookVerification {
  return { ok: false, reason, detail };
}

/** The header's timestamp as the SDK reads it (the last `t=` wins). */
function headerTimestamp(header: string): number | null {
  let t: number | null = null;
  for (const part of header.split(",")) {
    const [k, v] = part.split("=");
    if (k === "t") t = v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
  }
  return t;
}

/**
 * Verifies a webhook delivery. `nowSeconds` is the receiver's clock (an input, for tests); a
 * timestamp more than `toleranceSeconds` away from it, in the past (a replay) or in the future, is
 * refused. Never throws.
 */
export function verifyStripeWebhook(
  rawBody: Buffer | string,
  signatureHeader: string | undefined,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): WebhookVerification {
  if (secret.trim() === "") return reject("no_secret", "no webhook signing secret is configured");
  if (!(toleranceSeconds > 0)) {
    // The SDK reads a tolerance of 0 as "do not check the age": never that.
    return reject("stale_timestamp", "the tolerance must be a positive number of seconds");
  }
  if (signatureHeader === undefined || signatureHeader.trim() === "") {
    return reject("missing_header", "no Stripe-Signature header");
  }
  const payload = typeof rawBody === "string" ? rawBody : new Uint8Array(rawBody);
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(
      payload,
      signatureHeader,
      secret,
      toleranceSeconds,
      undefined,
      nowSeconds * 1000,
    );
  } catch (e) {
    if (e instanceof Stripe.errors.StripeSignatureVerificationError) {
      if (/tolerance/i.test(e.message)) return reject("stale_timestamp", e.message);
      if (/No webhook payload/i.test(e.message)) return reject("bad_payload", e.message);
      return reject("bad_signature", e.message.split("\n")[0] ?? e.message);
    }
    // JSON.parse runs only after the signature matched; the SDK throws plain errors on some
    // malformed headers (an empty signature), which are forgeries like any other.
    if (e instanceof SyntaxError) return reject("bad_payload", `body is not JSON: ${e.message}`);
    return reject("bad_signature", String(e));
  }
  // The SDK refuses old timestamps only; a signed timestamp far ahead of our clock is refused too.
  const t = headerTimestamp(signatureHeader);
  if (t === null || t - nowSeconds > toleranceSeconds) {
    return reject("stale_timestamp", "timestamp outside the tolerance zone (in the future)");
  }
  if (
    typeof event !== "object" ||
    event === null ||
    typeof (event as { id?: unknown }).id !== "string" ||
    typeof (event as { type?: unknown }).type !== "string"
  ) {
    return reject("bad_payload", "the body is not a Stripe event (id and type expected)");
  }
  return { ok: true, event: event as Stripe.Event };
}

export interface RefundUpdate {
  /** Stripe's event id: de-duplicate deliveries by it (Stripe delivers at least once). */
  readonly eventId: string;
  readonly eventType: RefundEventType;
  /** Our payout id from the refund's metadata; null for a refund we did not make. */
  readonly payoutId: string | null;
  /** The payout's attempt the refund was made for (1 when the metadata does not say). */
  readonly attempt: number;
  /** Stripe's refund id (`re_...`). */
  readonly providerRef: string;
  /** The charge refunded (`ch_...`), when Stripe names it. */
  readonly chargeRef: string | null;
  readonly amountMinor: bigint;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** Seconds since the epoch: when Stripe created the event (orders updates of one refund). */
  readonly eventCreated: number;
  readonly outcome: ProviderOutcome;
}

const REFUND_EVENTS = [
  "refund.created",
  "refund.updated",
  "refund.failed",
  "charge.refund.updated",
] as const;
export type RefundEventType = (typeof REFUND_EVENTS)[number];

function isRefundEvent(
  event: Stripe.Event,
): event is Extract<Stripe.Event, { type: RefundEventType }> {
  return (REFUND_EVENTS as readonly string[]).includes(event.type);
}

/**
 * The refund update a verified event carries; null for event types this product ignores (and for
 * a refund event whose object is not a well-formed refund).
 */
export function refundUpdateFromEvent(event: Stripe.Event): RefundUpdate | null {
  if (!isRefundEvent(event)) return null;
  const refund = event.data.object;
  if (
    refund?.object !== "refund" ||
    typeof refund.id !== "string" ||
    !Number.isSafeInteger(refund.amount)
  ) {
    return null;
  }
  const payoutId = refund.metadata?.[PAYOUT_ID_METADATA_KEY];
  const charge = refund.charge;
  return {
    eventId: event.id,
    eventType: event.type,
    payoutId: typeof payoutId === "string" && payoutId !== "" ? payoutId : null,
    attempt: attemptOf(refund.metadata),
    providerRef: refund.id,
    chargeRef: typeof charge === "string" ? charge : (charge?.id ?? null),
    amountMinor: BigInt(refund.amount),
    currency: typeof refund.currency === "string" ? refund.currency.toUpperCase() : "",
    eventCreated: event.created,
    outcome: outcomeOfRefund(refund),
  };
}

/** The metadata keys a charge carries to name what it pays (set by whoever creates the charge). */
export const ORDER_ID_METADATA_KEY = "order_id";
export const CHARGE_REF_METADATA_KEY = "charge_ref";

/**
 * The captured charge a `charge.succeeded` or `charge.captured` event reports, when its metadata
 * names one of our orders; null for anything else (uncaptured, no order, not a charge).
 */
export function paymentFromEvent(event: Stripe.Event): CardPaymentCaptured | null {
  if (event.type !== "charge.succeeded" && event.type !== "charge.captured") return null;
  const charge = event.data.object as Partial<Stripe.Charge>;
  if (
    charge.object !== "charge" ||
    typeof charge.id !== "string" ||
    charge.captured !== true ||
    typeof charge.amount !== "number" ||
    !Number.isSafeInteger(charge.amount) ||
    charge.amount <= 0 ||
    typeof charge.currency !== "string" ||
    typeof charge.created !== "number"
  ) {
    return null;
  }
  const orderId = charge.metadata?.[ORDER_ID_METADATA_KEY];
  if (typeof orderId !== "string" || orderId === "") return null;
  const chargeRef = charge.metadata?.[CHARGE_REF_METADATA_KEY];
  return {
    orderId,
    chargeRef: typeof chargeRef === "string" && chargeRef !== "" ? chargeRef : orderId,
    providerRef: charge.id,
    amountMinor: BigInt(charge.amount),
    currency: charge.currency.toUpperCase(),
    capturedAt: charge.created * 1000,
  };
}

/** The dispute events this product applies (issue 20). */
export const DISPUTE_EVENTS = [
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
  "charge.dispute.funds_withdrawn",
] as const;
export type DisputeEventType = (typeof DISPUTE_EVENTS)[number];

/**
 * The dispute a verified `charge.dispute.*` event carries; null for other event types and for a
 * dispute object that is not well formed (no id, charge, amount, currency or status).
 */
export function disputeFromEvent(event: Stripe.Event): CardDisputeUpdate | null {
  if (!(DISPUTE_EVENTS as readonly string[]).includes(event.type)) return null;
  const d = event.data.object as Partial<Stripe.Dispute>;
  const charge = typeof d.charge === "string" ? d.charge : d.charge?.id;
  if (
    d.object !== "dispute" ||
    typeof d.id !== "string" ||
    typeof charge !== "string" ||
    typeof d.amount !== "number" ||
    !Number.isSafeInteger(d.amount) ||
    d.amount < 0 ||
    typeof d.currency !== "string" ||
    typeof d.status !== "string"
  ) {
    return null;
  }
  const pi = typeof d.payment_intent === "string" ? d.payment_intent : d.payment_intent?.id;
  const dueBy = d.evidence_details?.due_by;
  return {
    disputeId: d.id,
    chargeRef: charge,
    paymentIntent: pi ?? null,
    amountMinor: BigInt(d.amount),
    currency: d.currency.toUpperCase(),
    reason: typeof d.reason === "string" ? d.reason : "general",
    status: d.status,
    dueBy: typeof dueBy === "number" && Number.isSafeInteger(dueBy) ? dueBy * 1000 : null,
    eventType: event.type,
    eventCreated: event.created,
  };
}
