// The card provider on Stripe: the adapter, webhook verification, configuration from the
// environment, and the stand-in used by tests and demo mode.

export {
  createStripeCardProvider,
  outcomeOfError,
  outcomeOfRefund,
  PAYOUT_ID_METADATA_KEY,
  refundTargetOf,
  type StripeCardProviderOptions,
} from "./adapter.js";
export {
  openStripeCardProvider,
  stripeConfigFromEnv,
  type OpenedCardProvider,
  type StripeConfig,
} from "./from-env.js";
export {
  signStripePayload,
  standInGate,
  startStripeStandIn,
  type ChargeInput,
  type SeededCharge,
  type StandInBehaviour,
  type StandInChaos,
  type StandInGate,
  type StandInOperation,
  type StandInOptions,
  type StripeEventJson,
  type StripeRefundJson,
  type StripeStandIn,
  type WebhookDelivery,
} from "./stand-in.js";
export { createStripeDisputeProvider } from "./disputes.js";
export {
  disputeFromEvent,
  refundUpdateFromEvent,
  verifyStripeWebhook,
  type RefundEventType,
  type RefundUpdate,
  type WebhookRejection,
  type WebhookVerification,
} from "./webhook.js";
export { stripeWebhookVerifier } from "./verifier.js";
