// Rows of orders, payments and service events as the API shows them: money as decimal strings with
// a currency, instants as ISO 8601 UTC, camelCase names. Only the fields listed here leave the
// server; the route schemas declare the same shapes.

import { formatInstant } from "../../core/calendar/instant.js";
import { findExtras } from "../../core/ledger/ledger.js";
import { moneyToJson, type MoneyJson } from "../../core/money/money.js";
import type { OrderRow, PaymentRow, ServiceEventRow } from "../../db/schema.js";
import { fromDbMoney } from "../../db/money.js";
import { fromDbInstant } from "../../db/time.js";

export interface OrderJson {
  readonly id: string;
  readonly clientId: string;
  readonly service: { readonly name: string; readonly category: string; readonly billing: string };
  readonly price: MoneyJson;
  readonly placedAt: string;
  readonly promisedStartBy: string | null;
  readonly promisedDeliveryBy: string | null;
  readonly startedAt: string | null;
  readonly deliveredAt: string | null;
  readonly subscription: {
    readonly periodStart: string;
    readonly periodEnd: string;
    readonly chargeRef: string;
  } | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PaymentJson {
  readonly id: string;
  readonly orderId: string;
  readonly clientId: string;
  readonly chargeRef: string;
  readonly amount: MoneyJson;
  readonly method: string;
  readonly capturedAt: string;
  readonly providerRef: string | null;
  /** Succeeded payouts so far, in the payment's currency. */
  readonly refunded: MoneyJson;
  readonly version: number;
  readonly createdAt: string;
  /** In an order's list only: an extra payment (the same charge paid again, policy rule 2). */
  readonly extra?: boolean;
}

export interface ServiceEventJson {
  readonly id: string;
  readonly orderId: string;
  readonly kind: string;
  readonly from: string;
  readonly to: string | null;
  readonly note: string | null;
  readonly recordedBy: string;
  readonly recordedAt: string;
}

/** A stored instant as API text (`2026-02-02T10:00:00Z`, milliseconds only when not zero). */
export function instantJson(db: string): string {
  return formatInstant(fromDbInstant(db));
}

function instantJsonOrNull(db: string | null): string | null {
  return db === null ? null : instantJson(db);
}

/** An order row for the API. */
export function presentOrder(row: OrderRow): OrderJson {
  const sub =
    row.subscription_period_start !== null &&
    row.subscription_period_end !== null &&
    row.subscription_charge_ref !== null
      ? {
          periodStart: instantJson(row.subscription_period_start),
          periodEnd: instantJson(row.subscription_period_end),
          chargeRef: row.subscription_charge_ref,
        }
      : null;
  return {
    id: row.id,
    clientId: row.client_id,
    service: {
      name: row.service_name,
      category: row.service_category,
      billing: row.service_billing,
    },
    price: moneyToJson(fromDbMoney({ minor: row.price_minor, currency: row.price_currency })),
    placedAt: instantJson(row.placed_at),
    promisedStartBy: instantJsonOrNull(row.promised_start_by),
    promisedDeliveryBy: instantJsonOrNull(row.promised_delivery_by),
    startedAt: instantJsonOrNull(row.started_at),
    deliveredAt: instantJsonOrNull(row.delivered_at),
    subscription: sub,
    version: Number(row.version),
    createdAt: instantJson(row.created_at),
    updatedAt: instantJson(row.updated_at),
  };
}

/** A payment row for the API. */
export function presentPayment(row: PaymentRow): PaymentJson {
  return {
    id: row.id,
    orderId: row.order_id,
    clientId: row.client_id,
    chargeRef: row.charge_ref,
    amount: moneyToJson(fromDbMoney({ minor: row.amount_minor, currency: row.currency })),
    method: row.method,
    capturedAt: instantJson(row.captured_at),
    providerRef: row.provider_ref,
    refunded: moneyToJson(fromDbMoney({ minor: row.refunded_minor, currency: row.currency })),
    version: Number(row.version),
    createdAt: instantJson(row.created_at),
  };
}

/**
 * The ids of an order's extra payments: those whose charge's payments before them already covered
 * the order's price (the core's rule 2, `findExtras`). `rows` are all of the order's payments in
 * capture order (then by id), whatever page of them is being shown.
 */
export function extraPaymentIds(
  order: Pick<OrderRow, "price_minor" | "price_currency">,
  rows: readonly Pick<
    PaymentRow,
    "id" | "charge_ref" | "amount_minor" | "currency" | "captured_at"
  >[],
): Set<string> {
  const extras = findExtras(
    rows.map((p) => ({
      id: p.id,
      chargeRef: p.charge_ref,
      amount: fromDbMoney({ minor: p.amount_minor, currency: p.currency }),
      capturedAt: fromDbInstant(p.captured_at),
    })),
    fromDbMoney({ minor: order.price_minor, currency: order.price_currency }),
  );
  return new Set(rows.filter((_, i) => extras[i] === true).map((p) => p.id));
}

/** A service event row for the API. */
export function presentServiceEvent(row: ServiceEventRow): ServiceEventJson {
  return {
    id: row.id,
    orderId: row.order_id,
    kind: row.kind,
    from: instantJson(row.from_at),
    to: instantJsonOrNull(row.to_at),
    note: row.note,
    recordedBy: row.recorded_by,
    recordedAt: instantJson(row.recorded_at),
  };
}
