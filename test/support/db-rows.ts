// Row factories for database tests: a valid row of each table, with ids made fresh and any column
// overridable. Parents are passed in, so each test states which rows belong together.

import type { Insertable } from "kysely";
import { newId } from "../../src/db/ids.js";
import type { Database } from "../../src/db/schema.js";

type New<T extends keyof Database> = Insertable<Database[T]>;

const T0 = "2026-02-02T10:00:00.000Z";

export function clientRow(o: Partial<New<"clients">> = {}): New<"clients"> {
  return {
    id: newId("cl"),
    name: "Acme GmbH",
    email: "ops@acme.test",
    created_at: T0,
    updated_at: T0,
    ...o,
  };
}

export function userRow(o: Partial<New<"users">> = {}): New<"users"> {
  const id = o.id ?? newId("usr");
  return {
    id,
    email: `${id}@example.test`,
    name: "Rita Reviewer",
    role: "qa",
    client_id: null,
    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    created_at: T0,
    updated_at: T0,
    ...o,
  };
}

export function orderRow(clientId: string, o: Partial<New<"orders">> = {}): New<"orders"> {
  return {
    id: newId("ord"),
    client_id: clientId,
    service_name: "External penetration test",
    service_category: "audit",
    service_billing: "one_off",
    price_minor: "480000",
    price_currency: "USD",
    placed_at: T0,
    promised_start_by: "2026-02-09T10:00:00.000Z",
    promised_delivery_by: "2026-02-23T10:00:00.000Z",
    started_at: null,
    delivered_at: null,
    subscription_period_start: null,
    subscription_period_end: null,
    subscription_charge_ref: null,
    created_at: T0,
    updated_at: T0,
    ...o,
  };
}

export function paymentRow(
  order: { id: string; client_id: string },
  o: Partial<New<"payments">> = {},
): New<"payments"> {
  return {
    id: newId("pay"),
    order_id: order.id,
    client_id: order.client_id,
    charge_ref: "ORD-1",
    amount_minor: "480000",
    currency: "USD",
    method: "card",
    captured_at: "2026-02-02T10:05:00.000Z",
    provider_ref: null,
    created_at: T0,
    updated_at: T0,
    ...o,
  };
}

export function requestRow(
  order: { id: string; client_id: string },
  o: Partial<New<"refund_requests">> = {},
): New<"refund_requests"> {
  return {
    id: newId("req"),
    order_id: order.id,
    client_id: order.client_id,
    reason: "not_delivered",
    description: "The engagement never started.",
    status: "submitted",
    submitted_at: "2026-02-16T09:30:00.000Z",
    updated_at: "2026-02-16T09:30:00.000Z",
    ...o,
  };
}
