// JSON Schemas of orders, payments and service events for the routes (validation of shapes and
// types, and the OpenAPI document). Values are checked further by the use cases with the engine's
// own rules (decimal amounts in a known currency, instants with an offset, subscription rules).

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

const str = (description: string, maxLength = 200) =>
  ({ type: "string", minLength: 1, maxLength, description }) as const;

export const moneySchema = {
  type: "object",
  additionalProperties: false,
  required: ["amount", "currency"],
  properties: {
    amount: {
      type: "string",
      maxLength: 64,
      description: 'Decimal string in the currency\'s units, e.g. "4800.00"; never a JSON number.',
    },
    currency: { type: "string", maxLength: 12, description: "ISO 4217 code or crypto asset." },
  },
} as const;

export const instantSchema = {
  type: "string",
  maxLength: 64,
  description: "ISO 8601 timestamp with an offset, e.g. 2026-02-02T10:00:00Z.",
} as const;

const nullableInstant = (description: string) =>
  ({ type: ["string", "null"], maxLength: 64, description }) as const;

/**
 * The properties of an object of the case format (core/policy/case-format.ts, the one declaration
 * of the order's fields), each with what HTTP adds: descriptions and storage limits. Every key
 * comes from the format; `extra` may only document or narrow a key the format has.
 */
function formatProperties<F extends Fields<F>>(
  format: ObjectField<F>,
  extra: { readonly [K in keyof F]?: JsonSchema },
  keys: readonly (keyof F & string)[] = keysOf(format.fields),
): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const k of keys) out[k] = { ...format.properties[k], ...extra[k] };
  return out;
}

const subscriptionSchema = {
  ...SUBSCRIPTION_FORMAT.schema,
  properties: formatProperties(SUBSCRIPTION_FORMAT, {
    periodStart: instantSchema,
    periodEnd: instantSchema,
    chargeRef: str("The charge reference of this period's payment."),
  }),
  type: ["object", "null"],
  description: 'The current period; required for billing "subscription", else null.',
};

/** What HTTP adds to the order's fields of the case format. */
const ORDER_DOCS = {
  id: str("The company's order id (letters, digits, '.', '_', ':', '-').", 128),
  clientId: { ...str("The client the order belongs to (must exist)."), type: "string" },
  service: {
    properties: formatProperties(SERVICE_FORMAT, { name: str("What was sold.") }),
  },
  price: moneySchema,
  placedAt: instantSchema,
  promisedStartBy: nullableInstant("When work was promised to start."),
  promisedDeliveryBy: nullableInstant("When delivery was promised."),
  startedAt: nullableInstant("When work started."),
  deliveredAt: nullableInstant("When the service was delivered."),
  subscription: subscriptionSchema,
} as const;

export const orderBody = {
  type: "object",
  additionalProperties: false,
  required: ["id", "clientId", "service", "price", "placedAt"],
  properties: formatProperties(ORDER_FORMAT, ORDER_DOCS),
};

export const orderPatchBody = {
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion"],
  properties: {
    expectedVersion: {
      type: "integer",
      minimum: 0,
      description: "The order's version as last read; a different current version answers 409.",
    },
    ...formatProperties(ORDER_FORMAT, ORDER_DOCS, [
      "promisedStartBy",
      "promisedDeliveryBy",
      "startedAt",
      "deliveredAt",
      "subscription",
    ]),
  },
};

const ORDER_KEYS = keysOf(ORDER_FORMAT.fields);

export const orderJson = {
  type: "object",
  additionalProperties: false,
  required: [...ORDER_KEYS, "version", "createdAt", "updatedAt"],
  properties: {
    ...formatProperties(ORDER_FORMAT, ORDER_DOCS),
    version: { type: "integer" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
};

export const paymentBody = {
  type: "object",
  additionalProperties: false,
  required: ["orderId", "chargeRef", "amount", "method", "capturedAt"],
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
} as const;

export const paymentJson = {
  type: "object",
  additionalProperties: false,
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
    method: { type: "string" },
    capturedAt: { type: "string" },
    providerRef: { type: ["string", "null"] },
    refunded: moneySchema,
    version: { type: "integer" },
    createdAt: { type: "string" },
  },
} as const;

export const eventBody = {
  type: "object",
  additionalProperties: false,
  required: ["kind", "from", "note"],
  properties: {
    kind: { type: "string", enum: [...EVENT_KINDS] },
    from: instantSchema,
    to: nullableInstant("When it ended; null or absent while it is still going on."),
    note: str("What happened.", 4000),
  },
} as const;

export const eventPatchBody = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  properties: {
    to: nullableInstant("When it ended; null: still going on."),
    note: str("What happened.", 4000),
  },
} as const;

export const eventJson = {
  type: "object",
  additionalProperties: false,
  required: ["id", "orderId", "kind", "from", "to", "note", "recordedBy", "recordedAt"],
  properties: {
    id: { type: "string" },
    orderId: { type: "string" },
    kind: { type: "string" },
    from: { type: "string" },
    to: { type: ["string", "null"] },
    note: { type: ["string", "null"] },
    recordedBy: { type: "string" },
    recordedAt: { type: "string" },
  },
} as const;

/** `{ items: [...] }` of one item schema. */
export function listOf(item: object) {
  return {
    type: "object",
    required: ["items"],
    properties: { items: { type: "array", items: item } },
  } as const;
}
