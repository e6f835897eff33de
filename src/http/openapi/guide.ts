// The text at the top of the OpenAPI document (what /docs opens on) and the outbound webhooks as
// OpenAPI 3.1 `webhooks`, with the event's schema as a component.

import { NOTIFICATION_TEMPLATES as TEMPLATES } from "../../core/notifications/index.js";
import type { Component } from "./components.js";
import { ref } from "./components.js";

export const WEBHOOK_EVENT_TYPES = [...TEMPLATES];

export const API_GUIDE = `
Refund Desk runs the company's refund policy end to end: integrations push **orders** and
**payments**, clients open **refund requests**, reviewers decide, finance pays **payouts**. Every
path below is under \`/api/v1\`. Bodies are JSON (\`Content-Type: application/json\`) unless the
operation says otherwise; money is always \`{ "amount": "<decimal string>", "currency": "EUR" }\`
(see \`Money\`), instants are ISO 8601 with an offset (see \`Instant\`).

## Trying a call here

1. **Sign in**: open \`POST /api/v1/session\` below, *Try it out*, send the demo admin
   \`{"email": "ada@prosphere.example", "password": "demo-password-2026"}\` (a server started with
   \`npm start\` on an empty database seeds the demo company). The answer sets the session cookie
   in this browser and carries \`csrfToken\`.
2. **Authorize**: click *Authorize*, paste that \`csrfToken\` into **csrf** (reads need only the
   cookie, writes also need this header). With an API token instead, paste \`rdt_...\` into
   **token**.
3. Call any operation with *Try it out*.

## Signing in, CSRF

People sign in with \`POST /session\` (e-mail and password); the answer sets the \`rd_session\`
cookie (HttpOnly, SameSite=Lax, Secure behind TLS, 12 hours) and gives \`csrfToken\`. Every write
(POST, PUT, PATCH, DELETE) made with the cookie must send that value as the \`X-CSRF-Token\`
header, or it is refused with 403 \`csrf_failed\`. \`GET /session\` tells who the caller is, its
\`csrfToken\` and its \`abilities\`; \`DELETE /session\` signs out. After 5 failed attempts for an
address or from an address within 15 minutes, sign-in answers 429 with \`Retry-After\`.

## API tokens and scopes

Integrations (the ERP pushing orders and payments) use an API token: an admin issues one with
\`POST /tokens\` and the scopes it needs; the token (\`rdt_...\`) is shown once. Send it as
\`Authorization: Bearer rdt_...\`. A token carries no CSRF duty. Scopes: \`orders:read\`,
\`orders:write\`, \`payments:read\`, \`payments:write\`, \`events:read\`, \`events:write\`. Each
operation lists its permission, the roles holding it, and the scope a token needs (also as
\`x-scopes\` and in its \`security\`); an operation with no scope is for people only.

## Idempotency

Every authenticated \`POST\` takes an \`Idempotency-Key\` header (1-255 visible ASCII characters; a
UUID is fine). The first request with a key is done once and its answer (2xx or 4xx) is kept for
24 hours; a repeat of the same request gets the same answer byte for byte with
\`Idempotent-Replayed: true\`. The same key with a different request answers 422
\`idempotency_mismatch\`; a repeat while the first is still running answers 409
\`idempotency_in_flight\` (retry a moment later). 5xx and 429 answers are not kept. Routes that
show a secret once (\`POST /tokens\`, \`POST /webhook-endpoints\`) refuse the header. Besides,
\`POST /payments\` recognises a payment already recorded (same id or provider reference) and
answers 200 with it instead of 201.

## Concurrency

Staff writes carry \`expectedVersion\`, the resource's \`version\` as last read. When it changed
meanwhile, nothing is written and the answer is 409 \`version_conflict\`: read again, decide
again.

## Pagination

Every list answers a **Page**: \`{ "items": [...], "nextCursor": "..." }\`, the short ones under
one resource too (an order's payments and events, a request's messages, decisions, attachments
and timeline, one's own sessions). Pass \`nextCursor\` as the \`cursor\` query parameter for the
next page (with the same filters); it is null on the last page. \`limit\` sets the page size (each
list states its range and default; 1-100 and 50 unless it says otherwise).

## Errors

Every error is an RFC 9457 problem document, \`Content-Type: application/problem+json\` (see
\`Problem\`): \`type\`, \`title\`, \`status\`, \`detail\` (for people), \`instance\` (the path), a stable
\`code\` for programs and, on a 400, \`errors\`: each wrong field by its path
(\`body.price.amount\`, \`query.limit\`). Unknown body fields are refused (400), nothing is coerced
(a number sent as a string is an error). A resource that is missing and one that is not the
caller's both answer 404. Codes: \`invalid_input\` 400, \`unauthenticated\` 401, \`forbidden\` and
\`csrf_failed\` 403, \`not_found\` 404, \`conflict\`, \`invalid_transition\`, \`version_conflict\`,
\`duplicate_open_request\` and \`idempotency_in_flight\` 409, \`payload_too_large\` 413,
\`unsupported_media_type\` 415, \`unprocessable\` and \`idempotency_mismatch\` 422,
\`too_many_requests\` 429.

## Webhooks

Admins register endpoints (\`POST /webhook-endpoints\`) for the event types they want (or
\`["*"]\`). Each event is POSTed as JSON (see *Webhooks* below and \`WebhookEvent\`) with the headers
\`Refund-Desk-Event-Id\`, \`Refund-Desk-Event-Type\`, \`Refund-Desk-Timestamp\` (Unix seconds) and
\`Refund-Desk-Signature: v1=<hex>\`, the HMAC-SHA256 with the endpoint's secret (\`whsec_...\`)
of \`<timestamp>.<raw body>\`. Verify it in constant time and refuse timestamps more than 5 minutes
off. Answer 2xx within 10 seconds; anything else is retried with backoff (30 s, doubling, at most
2 hours apart) and parked as \`failed\` after 10 attempts. An event may arrive twice: de-duplicate
by its id. The step-by-step guide with \`curl\` is \`docs/integration.md\` in the repository.
`.trim();

export const WebhookEvent = {
  $id: "WebhookEvent",
  type: "object",
  additionalProperties: false,
  required: ["id", "type", "createdAt", "data"],
  description: "One event POSTed to a webhook endpoint.",
  properties: {
    id: { type: "string", description: "The event's id: de-duplicate by it." },
    type: { type: "string", enum: WEBHOOK_EVENT_TYPES },
    createdAt: { ...ref("Instant"), description: "When it happened." },
    data: {
      type: "object",
      required: ["requestId", "orderId", "clientId"],
      additionalProperties: true,
      description:
        "The request it is about and the event's own facts; never message text. Decisions add `outcome` and `amount`; payout events add `payout`.",
      properties: {
        requestId: { type: "string" },
        orderId: { type: "string" },
        clientId: { type: "string" },
        status: { type: "string", description: "The request's status after the event." },
        outcome: { type: "string", enum: ["approved", "denied"] },
        amount: { anyOf: [ref("Money"), { type: "null" }] },
        alternative: {
          type: "object",
          properties: { kind: { type: "string" } },
        },
        payout: {
          type: "object",
          required: ["id", "amount", "method", "status", "dueEarliest", "dueLatest"],
          properties: {
            id: { type: "string" },
            amount: ref("Money"),
            method: { type: "string" },
            status: { type: "string" },
            dueEarliest: { type: "string", format: "date" },
            dueLatest: { type: "string", format: "date" },
          },
        },
      },
    },
  },
  examples: [
    {
      id: "obx_5f2c1d0e9a8b7c6d",
      type: "refund_sent",
      createdAt: "2026-03-04T10:15:00.000Z",
      data: {
        requestId: "req_7d1e2f3a4b5c6d7e",
        orderId: "ORD-2026-0042",
        clientId: "cli_northwind",
        status: "approved",
        payoutId: "pay_1a2b3c4d5e6f7a8b",
        payout: {
          id: "pay_1a2b3c4d5e6f7a8b",
          amount: { amount: "4800.00", currency: "EUR" },
          method: "card",
          status: "succeeded",
          dueEarliest: "2026-03-13",
          dueLatest: "2026-03-24",
        },
      },
    },
  ],
} as const satisfies Component;

const SIGNATURE_HEADERS = [
  ["Refund-Desk-Event-Id", "The event's id (the same as the body's `id`)."],
  ["Refund-Desk-Event-Type", "The event's type."],
  ["Refund-Desk-Timestamp", "Unix seconds when this attempt was signed."],
  [
    "Refund-Desk-Signature",
    "`v1=` and the hex HMAC-SHA256, with the endpoint's secret, of `<timestamp>.<raw body>`.",
  ],
] as const;

/** `webhooks:` of the document: one entry per event type, all with the same body. */
export function webhookOperations(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const type of WEBHOOK_EVENT_TYPES) {
    out[type] = {
      post: {
        operationId: `webhook_${type}`.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
        summary: `The ${type} event`,
        description: `Sent to every enabled endpoint subscribed to \`${type}\` (or \`*\`). Verify the signature, answer 2xx within 10 seconds, de-duplicate by the event id.`,
        tags: ["webhook endpoints"],
        security: [],
        parameters: SIGNATURE_HEADERS.map(([name, description]) => ({
          name,
          in: "header",
          required: true,
          description,
          schema: { type: "string" },
        })),
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/WebhookEvent" } },
          },
        },
        responses: {
          "200": { description: "Any 2xx: delivered." },
          "400": { description: "Any other answer (or none in 10 s): retried later." },
        },
      },
    };
  }
  return out;
}
