// The card webhook route's verifier for Stripe: the SDK checks the signature over the raw body and
// the timestamp (300 s tolerance), and a refund event becomes the update the route applies (a
// charge event the payment, a dispute event the dispute).

import type { CardWebhookVerifier } from "../../app/payouts/ports.js";
import {
  disputeFromEvent,
  paymentFromEvent,
  refundUpdateFromEvent,
  verifyStripeWebhook,
} from "./webhook.js";

export function stripeWebhookVerifier(secret: string, toleranceSeconds = 300): CardWebhookVerifier {
  return (rawBody, header, nowSeconds) => {
    const v = verifyStripeWebhook(rawBody, header, secret, nowSeconds, toleranceSeconds);
    if (!v.ok) return { ok: false, reason: `${v.reason}: ${v.detail}` };
    const u = refundUpdateFromEvent(v.event);
    return {
      ok: true,
      eventId: v.event.id,
      type: v.event.type,
      update:
        u === null
          ? null
          : {
              payoutId: u.payoutId,
              attempt: u.attempt,
              providerRef: u.providerRef,
              outcome: u.outcome,
            },
      payment: paymentFromEvent(v.event),
      dispute: disputeFromEvent(v.event),
    };
  };
}
