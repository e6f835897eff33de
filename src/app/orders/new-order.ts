// The row and the audit summary of a new order, made from its validated facts (API and import
// alike). Nothing here touches the database, so the bulk import's parse worker loads this module
// without the rest of the app (app/imports/prepare.ts).

import { formatInstant } from "../../core/calendar/instant.js";
import type { JsonValue } from "../../core/json/canonical.js";
import { moneyToJson } from "../../core/money/money.js";
import { toDbMoney } from "../../db/money.js";
import type { OrderRow } from "../../db/schema.js";
import { toDbInstant, toDbInstantOrNull } from "../../db/time.js";
import type { OrderFacts } from "./input.js";

/** The row of a new, validated order (API and import alike). */
export function newOrderRow(input: OrderFacts, w: { readonly now: number }): OrderRow {
  const now = toDbInstant(w.now);
  const price = toDbMoney(input.price);
  return {
    id: input.id,
    client_id: input.clientId,
    service_name: input.service.name,
    service_category: input.service.category,
    service_billing: input.service.billing,
    price_minor: price.minor,
    price_currency: price.currency,
    placed_at: toDbInstant(input.placedAt),
    promised_start_by: toDbInstantOrNull(input.promisedStartBy),
    promised_delivery_by: toDbInstantOrNull(input.promisedDeliveryBy),
    started_at: toDbInstantOrNull(input.startedAt),
    delivered_at: toDbInstantOrNull(input.deliveredAt),
    subscription_period_start: toDbInstantOrNull(input.subscription?.periodStart ?? null),
    subscription_period_end: toDbInstantOrNull(input.subscription?.periodEnd ?? null),
    subscription_charge_ref: input.subscription?.chargeRef ?? null,
    created_at: now,
    updated_at: now,
    version: 0,
  };
}

/**
 * The summary of `order.created`: the order's facts as the API shows them (presentOrder's fields),
 * made from the facts just read rather than by formatting the stored row back.
 */
export function orderCreatedSummary(input: OrderFacts): JsonValue {
  const sub = input.subscription;
  // Keys in sorted order, at every level: canonicalJson then writes the text in one
  // JSON.stringify (a bulk import writes one summary per row).
  return {
    clientId: input.clientId,
    deliveredAt: formatInstantOrNull(input.deliveredAt),
    id: input.id,
    placedAt: formatInstant(input.placedAt),
    price: { ...moneyToJson(input.price) },
    promisedDeliveryBy: formatInstantOrNull(input.promisedDeliveryBy),
    promisedStartBy: formatInstantOrNull(input.promisedStartBy),
    service: {
      billing: input.service.billing,
      category: input.service.category,
      name: input.service.name,
    },
    startedAt: formatInstantOrNull(input.startedAt),
    subscription:
      sub === null
        ? null
        : {
            chargeRef: sub.chargeRef,
            periodEnd: formatInstant(sub.periodEnd),
            periodStart: formatInstant(sub.periodStart),
          },
  };
}

function formatInstantOrNull(ms: number | null): string | null {
  return ms === null ? null : formatInstant(ms);
}
