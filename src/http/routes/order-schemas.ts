// JSON Schemas of orders, payments and service events: components (ADR 0018) the routes validate
// and serialise with and the OpenAPI document shows. Values are checked further by the use cases
// with the engine's own rules (decimal amounts in a known currency, instants with an offset,
// subscription rules).

import {
  keysOf,
  ORDER_FORMAT,
  SERVICE_FORMAT,
  SUBSCRIPTION_FORMAT,
  type Fields,
  type JsonSchema,
  type ObjectField,
} from "../../core/policy/case-format.js";
import { EVENT_KINDS, PAYMENT_METHODS } from "../../core/policy/types.js";
import { expectedVersion, Money, pageOf, ref, type Component } from "../openapi/components.js";

/** The demo company's data, used as the examples of the document (checked by a test). */
export const EXAMPLE_CLIENT_ID = "cl_3f9b2c1e-6a4d-4e8f-9b1a-2c3d4e5f6a7b";

const str = (description: string, maxLength = 200) =>
  ({ type: "string", minLength: 1, maxLength, description }) as const;

const moneySchema = ref(Money.$id);
const instantSchema = ref("Instant");

const nullableInstant = (description: string) =>
  ({ type: ["string", "null"], maxLength: 64, description }) as const;

/**
 * The properties of an object of the case format (core/policy/case-format.ts, the one declaration
 * of the order's fields), with what HTTP adds to each: documentation and storage limits merged in,
 * or a shared component (`$ref`) in its place. Every key comes from the format; `extra` may only
 * name keys the format has.
 */
function formatProperties<F extends Fields<F>>(
  format: ObjectField<F>,
  extra: { readonly [K in keyof F]?: JsonSchema },
  keys: readonly (keyof F & string)[] = keysOf(format.fields),
): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const k of keys) {
    const more = extra[k];
    out[k] = more !== undefined && "$ref" in more ? more : { ...format.properties[k], ...more };
  }
  return out;
}

const subscriptionSchema = {
  ...SUBSCRIPTION_FORMAT.schema,
  type: ["object", "null"],
  properties: formatProperties(SUBSCRIPTION_FORMAT, {
    periodStart: instantSchema,
    periodEnd: instantSchema,
    chargeRef: str("The charge reference of this period's payment."),
  }),
  description: 'The current period; required for billing "subscription", else null.',
};

/** What the order's request bodies add to the fields of the case format. */
const ORDER_INPUT = {
  id: str("The company's order id (letters, digits, '.', '_', ':', '-').", 128),
  clientId: { ...str("The client the order belongs to (must exist)."), type: "string" },
  service: { properties: formatProperties(SERVICE_FORMAT, { name: str("What was sold.") }) },
  price: moneySchema,
  placedAt: instantSchema,
  promisedStartBy: nullableInstant("When work was promised to start."),
  promisedDeliveryBy: nullableInstant("When delivery was promised."),
  startedAt: nullableInstant("When work started."),
  deliveredAt: nullableInstant("When the service was delivered."),
  subscription: subscriptionSchema,
};

const ORDER_EXAMPLE = {
  id: "ORD-1001",
  clientId: EXAMPLE_CLIENT_ID,
  service: { name: "External penetration test", category: "audit", billing: "one_off" },
  price: { amount: "4800.00", currency: "USD" },
  placedAt: "2026-02-10T09:00:00.000Z",
  promisedStartBy: "2026-02-17T09:00:00.000Z",
  promisedDeliveryBy: "2026-03-03T09:00:00.000Z",
  startedAt: null,
  deliveredAt: null,
  subscription: null,
};

export const OrderCreate = {
  $id: "OrderCreate",
  type: "object",
  additionalProperties: false,
  required: ["id", "clientId", "service", "price", "placedAt"],
  description:
    "A new order, as the company's system (ERP) knows it. The client must exist; the id is the company's own.",
  properties: formatProperties(ORDER_FORMAT, ORDER_INPUT),
  examples: [ORDER_EXAMPLE],
} as const satisfies Component;

export const OrderPatch = {
  $id: "OrderPatch",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion"],
  description:
    "The facts of an order that change after it is placed; absent members stay as they are.",
  properties: {
    expectedVersion: expectedVersion("order"),
    ...formatProperties(ORDER_FORMAT, ORDER_INPUT, [
      "promisedStartBy",
      "promisedDeliveryBy",
      "startedAt",
      "deliveredAt",
      "subscription",
    ]),
  },
  examples: [{ expectedVersion: 1, startedAt: "2026-02-12T08:30:00.000Z" }],
} as const satisfies Component;

export const Order = {
  $id: "Order",
  type: "object",
  additionalProperties: false,
  description: "An order: what the client bought, its price and the facts of its delivery.",
  required: [...keysOf(ORDER_FORMAT.fields), "version", "createdAt", "updatedAt"],
  properties: {
    ...formatProperties(ORDER_FORMAT, {
      clientId: { type: "string" },
      price: moneySchema,
      subscription: { ...SUBSCRIPTION_FORMAT.schema, type: ["object", "null"] },
    }),
    version: { type: "integer", description: "Send back as expectedVersion to change it." },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
  examples: [
    {
      ...ORDER_EXAMPLE,
      version: 1,
      createdAt: "2026-02-10T09:00:05.000Z",
      updatedAt: "2026-02-10T09:00:05.000Z",
    },
  ],
} as const satisfies Component;

const PAYMENT_INPUT_EXAMPLE = {
  id: "ORD-1001-PAY-1",
  orderId: "ORD-1001",
  chargeRef: "ORD-1001",
  amount: { amount: "4800.00", currency: "USD" },
  method: "card",
  capturedAt: "2026-02-10T10:00:00.000Z",
  providerRef: "ch_demo_ORD1001_1",
};

export const PaymentCreate = {
  $id: "PaymentCreate",
  type: "object",
  additionalProperties: false,
  required: ["orderId", "chargeRef", "amount", "method", "capturedAt"],
  description:
    "A captured payment of an order. Sending one already recorded (same id, or same providerRef) answers 200 with it.",
  properties: {
    id: {
      type: ["string", "null"],
      minLength: 1,
      maxLength: 128,
      description: "The company's payment id; made by the server when absent.",
    },
    orderId: str("The order paid for (must exist)."),
    chargeRef: str("What the payment paid: the order, or a subscription period's charge."),
    amount: moneySchema,
    method: { type: "string", enum: [...PAYMENT_METHODS] },
    capturedAt: instantSchema,
    providerRef: {
      type: ["string", "null"],
      minLength: 1,
      maxLength: 200,
      description: "The provider's charge id; unique across payments.",
    },
  },
  examples: [PAYMENT_INPUT_EXAMPLE],
} as const satisfies Component;

const PAYMENT_EXAMPLE = {
  ...PAYMENT_INPUT_EXAMPLE,
  clientId: EXAMPLE_CLIENT_ID,
  refunded: { amount: "0.00", currency: "USD" },
  version: 1,
  createdAt: "2026-02-10T10:00:02.000Z",
};

export const Payment = {
  $id: "Payment",
  type: "object",
  additionalProperties: false,
  description: "A payment recorded against an order, with what has been refunded of it.",
  required: [
    "id",
    "orderId",
    "clientId",
    "chargeRef",
    "amount",
    "method",
    "capturedAt",
    "providerRef",
    "refunded",
    "version",
    "createdAt",
  ],
  properties: {
    id: { type: "string" },
    orderId: { type: "string" },
    clientId: { type: "string" },
    chargeRef: { type: "string" },
    amount: moneySchema,
    method: { type: "string", enum: [...PAYMENT_METHODS] },
    capturedAt: { type: "string" },
    providerRef: { type: ["string", "null"] },
    refunded: { ...moneySchema, description: "What has been paid back of it so far." },
    version: { type: "integer" },
    createdAt: { type: "string" },
    extra: {
      type: "boolean",
      description:
        "In an order's list of payments: true when the payments of the same charge before it already covered the order's price (paid twice: policy rule 2, refunded in full).",
    },
  },
  examples: [PAYMENT_EXAMPLE],
} as const satisfies Component;

export const ServiceEventCreate = {
  $id: "ServiceEventCreate",
  type: "object",
  additionalProperties: false,
  required: ["kind", "from", "note"],
  description: "Something that happened during an order and bears on a refund.",
  properties: {
    kind: { type: "string", enum: [...EVENT_KINDS] },
    from: instantSchema,
    to: nullableInstant("When it ended; null or absent while it is still going on."),
    note: str("What happened.", 4000),
  },
  examples: [
    {
      kind: "client_blocker",
      from: "2026-02-18T09:00:00.000Z",
      to: null,
      note: "Acme has not yet given VPN access to the internal network.",
    },
  ],
} as const satisfies Component;

export const ServiceEventPatch = {
  $id: "ServiceEventPatch",
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  description: "The end or the note of a service event (at least one).",
  properties: {
    to: nullableInstant("When it ended; null: still going on."),
    note: str("What happened.", 4000),
  },
  examples: [{ to: "2026-02-20T17:00:00.000Z" }],
} as const satisfies Component;

const EVENT_EXAMPLE = {
  id: "evt_8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
  orderId: "ORD-1001",
  kind: "client_blocker",
  from: "2026-02-18T09:00:00.000Z",
  to: null,
  note: "Acme has not yet given VPN access to the internal network.",
  recordedBy: "token:tok_2b3c4d5e",
  recordedAt: "2026-02-18T09:05:00.000Z",
};

export const ServiceEvent = {
  $id: "ServiceEvent",
  type: "object",
  additionalProperties: false,
  description: "A service event of an order (client blocker, external incident, internal fault).",
  required: ["id", "orderId", "kind", "from", "to", "note", "recordedBy", "recordedAt"],
  properties: {
    id: { type: "string" },
    orderId: { type: "string" },
    kind: { type: "string", enum: [...EVENT_KINDS] },
    from: { type: "string" },
    to: { type: ["string", "null"] },
    note: { type: ["string", "null"] },
    recordedBy: { type: "string" },
    recordedAt: { type: "string" },
  },
  examples: [EVENT_EXAMPLE],
} as const satisfies Component;

export const OrderPage = pageOf("Order", Order.examples[0]);
export const PaymentPage = pageOf("Payment", PAYMENT_EXAMPLE);
export const ServiceEventPage = pageOf("ServiceEvent", EVENT_EXAMPLE);

export const ORDER_COMPONENTS: readonly Component[] = [
  OrderCreate,
  OrderPatch,
  Order,
  OrderPage,
  PaymentCreate,
  Payment,
  PaymentPage,
  ServiceEventCreate,
  ServiceEventPatch,
  ServiceEvent,
  ServiceEventPage,
];
