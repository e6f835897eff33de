// Demo mode (issue 11, bug 2): the in-process Stripe stand-in keeps its charges in memory, so a
// card payment recorded after start (through the API, `refund-desk import`, or a provider webhook)
// would be unknown to it and every refund of it would fail with `resource_missing`. The demo
// wiring wraps the card provider: before it refunds or looks up a charge, the charge of the
// recorded card payment holding that reference is added to the stand-in (idempotent). It runs at
// refund time, not record time, so a payment recorded by another process (an import) is covered
// too. Never used with real Stripe: production wiring passes the adapter as it is.

import type { Kysely } from "kysely";
import { cardPaymentByChargeRef } from "../app/orders/repository.js";
import type { CardProvider } from "../app/payouts/ports.js";
import type { Database } from "../db/schema.js";
import type { StripeStandIn } from "../payouts/stripe/index.js";

/** Adds the charge of the card payment recorded under `chargeRef`, if there is one. */
export async function addRecordedCharge(
  db: Kysely<Database>,
  standIn: Pick<StripeStandIn, "addCharge" | "charge">,
  chargeRef: string,
): Promise<void> {
  if (standIn.charge(chargeRef) !== null) return;
  const payment = await cardPaymentByChargeRef(db, chargeRef);
  if (payment === undefined) return;
  const amount = Number(payment.amount_minor);
  if (!Number.isSafeInteger(amount) || amount < 1) return;
  try {
    standIn.addCharge({ id: chargeRef, amount, currency: payment.currency.toLowerCase() });
  } catch {
    // Already known with another amount (a different charge under the same id): the stand-in
    // keeps its own, and the refund answers as Stripe would for that charge.
  }
}

/** The card provider of demo mode: every recorded card payment's charge exists at the stand-in. */
export function withRecordedCharges(
  provider: CardProvider,
  standIn: Pick<StripeStandIn, "addCharge" | "charge">,
  db: Kysely<Database>,
): CardProvider {
  return {
    name: provider.name,
    async submitRefund(instruction) {
      await addRecordedCharge(db, standIn, instruction.chargeRef);
      return provider.submitRefund(instruction);
    },
    async lookupRefund(chargeRef, payoutId, attempt) {
      await addRecordedCharge(db, standIn, chargeRef);
      return provider.lookupRefund(chargeRef, payoutId, attempt);
    },
  };
}
