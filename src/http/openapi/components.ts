// The API's named JSON schemas: one declaration each, registered on Fastify with `addSchema` and
// referenced by the routes as `{ $ref: "Name#" }`. Fastify validates and serialises with them, and
// @fastify/swagger publishes the same objects as `components.schemas.Name` (ADR 0018). Route groups
// declare their own components beside their routes and list them in ALL_COMPONENTS (./registry.ts).

import { ERROR_STATUS } from "../../app/errors.js";

/** A schema published as a component: `$id` is its component name. */
export interface Component {
  readonly $id: string;
  readonly [keyword: string]: unknown;
}

/** `{ $ref: "Name#" }`: how a route or another component points at a component. */
export function ref<const N extends string>(name: N): { readonly $ref: `${N}#` } {
  return { $ref: `${name}#` };
}

/** `Name` or null (OpenAPI 3.1 / JSON Schema 2020-12 style). */
export function nullable<const N extends string>(name: N, description?: string) {
  return {
    anyOf: [ref(name), { type: "null" }],
    ...(description === undefined ? {} : { description }),
  } as const;
}

export const Money = {
  $id: "Money",
  type: "object",
  additionalProperties: false,
  required: ["amount", "currency"],
  description:
    "An amount of money: a decimal string in the currency's units (never a JSON number, so no " +
    "binary float touches it) and its ISO 4217 code or crypto asset (BTC, ETH, USDT, USDC).",
  properties: {
    amount: {
      type: "string",
      maxLength: 64,
      description: 'Decimal string in the currency\'s units, e.g. "4800.00"; never a JSON number.',
    },
    currency: {
      type: "string",
      minLength: 1,
      maxLength: 12,
      description: "ISO 4217 code or crypto asset.",
    },
  },
  examples: [{ amount: "4800.00", currency: "EUR" }],
} as const satisfies Component;

export const Instant = {
  $id: "Instant",
  type: "string",
  maxLength: 64,
  description:
    "An instant: ISO 8601 timestamp with an offset, e.g. 2026-02-02T10:00:00Z. The API answers " +
    "in UTC with milliseconds (2026-02-02T10:00:00.000Z).",
  examples: ["2026-02-02T10:00:00.000Z"],
} as const satisfies Component;

export const FieldError = {
  $id: "FieldError",
  type: "object",
  additionalProperties: false,
  required: ["path", "message"],
  description: "One field that was wrong.",
  properties: {
    path: {
      type: "string",
      description:
        "Where: `body.price.amount`, `query.limit`, `params.id`, `headers.idempotency-key`.",
    },
    message: { type: "string", description: "What was wrong with it, for people." },
  },
  examples: [{ path: "body.price.amount", message: "is required" }],
} as const satisfies Component;

/** Every `code` a problem document may carry. */
export const PROBLEM_CODES = [
  ...(Object.keys(ERROR_STATUS) as (keyof typeof ERROR_STATUS)[]),
  "uri_too_long",
  "internal",
] as const;

export const Problem = {
  $id: "Problem",
  type: "object",
  required: ["type", "title", "status", "detail", "code"],
  description:
    "An RFC 9457 problem document (`application/problem+json`): every error the API answers. " +
    "`code` is stable and meant for programs; `detail` is for people and may change. A 400 " +
    "names the offending fields in `errors`. Some problems carry more members (a 409 on a payout " +
    "gives `state` and `currentVersion`).",
  additionalProperties: true,
  properties: {
    type: {
      type: "string",
      description: "A URI naming the problem type: https://refund-desk.example/problems/<code>.",
    },
    title: { type: "string", description: "The HTTP status phrase." },
    status: { type: "integer", description: "The HTTP status code." },
    detail: { type: "string", description: "What went wrong, for people." },
    instance: { type: "string", description: "The request's path." },
    code: { type: "string", enum: [...PROBLEM_CODES], description: "Stable error code." },
    errors: { type: "array", items: ref("FieldError"), description: "The fields that were wrong." },
  },
  examples: [
    {
      type: "https://refund-desk.example/problems/invalid-input",
      title: "Bad Request",
      status: 400,
      detail: "body.price.amount: is required",
      instance: "/api/v1/orders",
      code: "invalid_input",
      errors: [{ path: "body.price.amount", message: "is required" }],
    },
  ],
} as const satisfies Component;

export const Page = {
  $id: "Page",
  type: "object",
  required: ["items", "nextCursor"],
  description:
    "One page of a list. Pass `nextCursor` back as `cursor` for the next page; null on the last.",
  properties: {
    // Left open here: each `<Item>Page` says what the array holds (an `array` type here would
    // make the typed client's items `unknown`).
    items: { description: "This page's items: an array of the list's kind." },
    nextCursor: {
      type: ["string", "null"],
      description: "Opaque cursor of the next page, or null when this is the last.",
    },
  },
  examples: [{ items: [], nextCursor: null }],
} as const satisfies Component;

/**
 * A page of one item component, named `<Item>Page`: a `Page` (allOf) whose items are that
 * component, its members written out as well so each reads on its own.
 */
export function pageOf<const N extends string>(item: N, example: unknown) {
  return {
    $id: `${item}Page` as `${N}Page`,
    allOf: [ref("Page")],
    type: "object",
    additionalProperties: false,
    required: ["items", "nextCursor"],
    description: `A Page of ${item} (see Page): items and the cursor of the next page.`,
    properties: {
      items: { type: "array", items: ref(item) },
      nextCursor: Page.properties.nextCursor,
    },
    examples: [{ items: [example], nextCursor: null }],
  } as const;
}

/** The `:id` path parameter of every resource route. */
export const idParams = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: {
    id: { type: "string", minLength: 1, maxLength: 200, description: "The resource's id." },
  },
} as const;

/** An `expectedVersion` body member (optimistic concurrency): a different version answers 409. */
export function expectedVersion(what: string) {
  return {
    type: "integer",
    minimum: 0,
    maximum: 2_147_483_647,
    description: `The ${what}'s \`version\` as the caller last read it; when it changed since, the answer is 409 \`version_conflict\` and nothing is written.`,
  } as const;
}

export const COMMON_COMPONENTS: readonly Component[] = [Money, Instant, FieldError, Problem, Page];
