// Components of the smaller route groups (ADR 0018): attachments, the policy, webhook endpoints
// and their deliveries, and the card provider's webhook receipt.

import { CLAUSE_IDS } from "../../core/policy/index.js";
import { WEBHOOK_EVENT_TYPES } from "../../app/webhooks/input.js";
import { pageOf, type Component } from "../openapi/components.js";

export const ATTACHMENT_TYPES = [
  "application/pdf",
  "image/png",
  "image/jpeg",
  "text/plain",
  "text/csv",
] as const;

const ATTACHMENT_EXAMPLE = {
  id: "att_6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c",
  requestId: "req_7d1e2f3a-4b5c-4d7e-8f90-a1b2c3d4e5f6",
  name: "kickoff-emails.pdf",
  contentType: "application/pdf",
  sizeBytes: 48213,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  uploadedAt: "2026-03-02T11:20:00.000Z",
};

export const Attachment = {
  $id: "Attachment",
  type: "object",
  additionalProperties: false,
  required: ["id", "requestId", "name", "contentType", "sizeBytes", "sha256", "uploadedAt"],
  description: "A file attached to a refund request (download it with getAttachment).",
  properties: {
    id: { type: "string" },
    requestId: { type: "string" },
    name: { type: "string", description: "The client's file name, sanitised" },
    contentType: { type: "string", enum: [...ATTACHMENT_TYPES] },
    sizeBytes: { type: "integer" },
    sha256: { type: "string", description: "SHA-256 of the content, hex" },
    uploadedAt: { type: "string", format: "date-time" },
  },
  examples: [ATTACHMENT_EXAMPLE],
} as const satisfies Component;

/** A page of a request's files; the upload answers the files it stored as one page too. */
export const AttachmentPage = pageOf("Attachment", ATTACHMENT_EXAMPLE);

/** The members of a policy document (a policy file as checked): parameters, payouts, workflow, clauses. */
export const POLICY_DOCUMENT_PROPERTIES = {
  version: { type: "string", description: "The version id, cited by every recommendation." },
  parameters: {
    type: "object",
    additionalProperties: false,
    required: [
      "timezone",
      "requestWindowDays",
      "payoutBusinessDays",
      "holidays",
      "holidayCountry",
      "cryptoRefundValuation",
      "autoApprove",
    ],
    properties: {
      timezone: { type: "string", description: "IANA time zone of the policy's calendar" },
      requestWindowDays: { type: "integer" },
      payoutBusinessDays: {
        type: "array",
        items: { type: "integer" },
        minItems: 2,
        maxItems: 2,
        description: "Earliest and latest business day of a payout after approval",
      },
      holidays: { type: "array", items: { type: "string", format: "date" } },
      holidayCountry: { type: ["string", "null"] },
      cryptoRefundValuation: { type: "string", enum: ["fiat-at-payout", "same-coins"] },
      autoApprove: { type: "array", items: { type: "string" } },
    },
  },
  payouts: {
    type: "object",
    additionalProperties: false,
    required: ["secondApprovalAbove"],
    properties: {
      secondApprovalAbove: {
        type: "object",
        additionalProperties: { type: "string", pattern: "^\\d+(\\.\\d+)?$" },
        description:
          "Per currency (ISO 4217 code): a payout above this amount (a decimal string) needs a second approver.",
      },
    },
  },
  workflow: {
    type: "object",
    additionalProperties: false,
    required: [
      "replyByBusinessDays",
      "qaAtRiskBusinessDays",
      "appealWindowDays",
      "followUpBusinessDays",
    ],
    description: "The people's deadlines: reply-by, QA at-risk, appeal window, follow-ups.",
    properties: {
      replyByBusinessDays: { type: "integer" },
      qaAtRiskBusinessDays: { type: "integer" },
      appealWindowDays: { type: "integer" },
      followUpBusinessDays: { type: "integer" },
    },
  },
  clauses: {
    type: "array",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["id", "text"],
      properties: {
        id: { type: "string", enum: [...CLAUSE_IDS] },
        text: { type: "string" },
      },
    },
  },
} as const;

export const POLICY_DOCUMENT_EXAMPLE = {
  version: "2026-01",
  parameters: {
    timezone: "Europe/Berlin",
    requestWindowDays: 30,
    payoutBusinessDays: [7, 14],
    holidays: ["2026-04-03", "2026-04-06"],
    holidayCountry: "DE",
    cryptoRefundValuation: "fiat-at-payout",
    autoApprove: ["duplicate_payment"],
  },
  payouts: { secondApprovalAbove: { EUR: "1000.00", USD: "1000.00" } },
  workflow: {
    replyByBusinessDays: 5,
    qaAtRiskBusinessDays: 3,
    appealWindowDays: 14,
    followUpBusinessDays: 10,
  },
  clauses: [
    {
      id: "eligible.not-delivered",
      text: "A service that was not delivered, or whose work never started by the promised date, is refunded in full.",
    },
  ],
};

export const Policy = {
  $id: "Policy",
  type: "object",
  additionalProperties: false,
  required: [
    "id",
    "version",
    "effectiveAt",
    "inForceSince",
    "inForceUntil",
    "parameters",
    "payouts",
    "workflow",
    "clauses",
  ],
  description:
    "The refund policy in force now: its version (id, cited by every recommendation), since when it is in force and until when (a scheduled successor), its parameters, its payout approval thresholds, the people's deadlines and its clauses in order.",
  properties: {
    id: { type: "string", description: "The version id (the same as `version`)." },
    ...POLICY_DOCUMENT_PROPERTIES,
    effectiveAt: {
      type: "string",
      description:
        "The version's effective instant (the first version, published from the policy file on an empty database, is effective from the epoch).",
    },
    inForceSince: {
      type: "string",
      description:
        "Since when it is in force: the later of its effective instant and its publication.",
    },
    inForceUntil: {
      type: ["string", "null"],
      description: "When the next, scheduled version takes over; null when none is scheduled.",
    },
  },
  examples: [
    {
      id: "2026-01",
      ...POLICY_DOCUMENT_EXAMPLE,
      effectiveAt: "2026-01-01T00:00:00.000Z",
      inForceSince: "2026-01-01T00:00:00.000Z",
      inForceUntil: null,
    },
  ],
} as const satisfies Component;

const EVENT_VALUES = ["*", ...WEBHOOK_EVENT_TYPES];

const ENDPOINT_EXAMPLE = {
  id: "whe_0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
  url: "https://erp.acme.example/hooks/refund-desk",
  description: "ERP: refunds sent and failed",
  events: ["refund_sent", "refund_failed"],
  disabled: false,
  createdBy: "usr_ada",
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

const endpointProperties = {
  id: { type: "string" },
  url: { type: "string" },
  description: { type: ["string", "null"] },
  events: { type: "array", items: { type: "string", enum: EVENT_VALUES } },
  disabled: { type: "boolean" },
  createdBy: { type: ["string", "null"] },
  createdAt: { type: "string", format: "date-time" },
  updatedAt: { type: "string", format: "date-time" },
} as const;

export const WebhookEndpoint = {
  $id: "WebhookEndpoint",
  type: "object",
  additionalProperties: false,
  required: [
    "id",
    "url",
    "description",
    "events",
    "disabled",
    "createdBy",
    "createdAt",
    "updatedAt",
  ],
  description: "An endpoint that receives the desk's events (never its secret).",
  properties: endpointProperties,
  examples: [ENDPOINT_EXAMPLE],
} as const satisfies Component;

export const WebhookEndpointCreated = {
  $id: "WebhookEndpointCreated",
  type: "object",
  additionalProperties: false,
  required: [...WebhookEndpoint.required, "secret"],
  description: "A new endpoint with its signing secret, shown this once.",
  properties: {
    ...endpointProperties,
    secret: {
      type: "string",
      description:
        "The HMAC-SHA256 signing secret (whsec_...). Shown this once: store it with the receiver.",
    },
  },
  examples: [{ ...ENDPOINT_EXAMPLE, secret: "whsec_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg" }],
} as const satisfies Component;

const url = {
  type: "string",
  minLength: 1,
  maxLength: 2000,
  description: "An http or https URL, without credentials; events are POSTed to it.",
} as const;
const events = {
  type: "array",
  minItems: 1,
  maxItems: EVENT_VALUES.length,
  uniqueItems: true,
  items: { type: "string", enum: EVENT_VALUES },
  description: 'The event types to send, or ["*"] for every type (including ones added later).',
} as const;
const description = { type: ["string", "null"], maxLength: 500 } as const;

export const WebhookEndpointCreate = {
  $id: "WebhookEndpointCreate",
  type: "object",
  additionalProperties: false,
  required: ["url", "events"],
  description: "Where to send events, and which.",
  properties: { url, events, description },
  examples: [
    {
      url: "https://erp.acme.example/hooks/refund-desk",
      events: ["refund_sent", "refund_failed"],
      description: "ERP: refunds sent and failed",
    },
  ],
} as const satisfies Component;

export const WebhookEndpointPatch = {
  $id: "WebhookEndpointPatch",
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  description: "What to change (at least one member).",
  properties: {
    url,
    events,
    description,
    disabled: {
      type: "boolean",
      description: "A disabled endpoint's deliveries wait until it is enabled again.",
    },
  },
  examples: [{ events: ["*"] }],
} as const satisfies Component;

const DELIVERY_EXAMPLE = {
  id: "whd_1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
  eventId: "obx_5f2c1d0e9a8b7c6d",
  eventType: "refund_sent",
  status: "delivered",
  attempts: 1,
  nextAttemptAt: null,
  lastAttemptAt: "2026-03-03T16:00:09.000Z",
  lastStatus: 200,
  lastError: null,
  deliveredAt: "2026-03-03T16:00:09.000Z",
  createdAt: "2026-03-03T16:00:06.000Z",
};

export const WebhookDelivery = {
  $id: "WebhookDelivery",
  type: "object",
  additionalProperties: false,
  required: [
    "id",
    "eventId",
    "eventType",
    "status",
    "attempts",
    "nextAttemptAt",
    "lastAttemptAt",
    "lastStatus",
    "lastError",
    "deliveredAt",
    "createdAt",
  ],
  description: "One event's delivery to one endpoint: its attempts and outcome.",
  properties: {
    id: { type: "string" },
    eventId: { type: "string" },
    eventType: { type: "string" },
    status: { type: "string", enum: ["pending", "delivered", "failed"] },
    attempts: { type: "integer" },
    nextAttemptAt: { type: ["string", "null"], format: "date-time" },
    lastAttemptAt: { type: ["string", "null"], format: "date-time" },
    lastStatus: { type: ["integer", "null"] },
    lastError: { type: ["string", "null"] },
    deliveredAt: { type: ["string", "null"], format: "date-time" },
    createdAt: { type: "string", format: "date-time" },
  },
  examples: [DELIVERY_EXAMPLE],
} as const satisfies Component;

export const ProviderWebhookReceipt = {
  $id: "ProviderWebhookReceipt",
  type: "object",
  description: "What the desk did with a provider's event.",
  properties: {
    received: { type: "boolean" },
    duplicate: { type: "boolean", description: "This event id was applied before." },
    applied: { type: "boolean", description: "It changed a payout or recorded a payment." },
  },
  examples: [{ received: true, duplicate: false, applied: true }],
} as const satisfies Component;

export const WebhookEndpointPage = pageOf("WebhookEndpoint", ENDPOINT_EXAMPLE);
export const WebhookDeliveryPage = pageOf("WebhookDelivery", DELIVERY_EXAMPLE);

export const MISC_COMPONENTS: readonly Component[] = [
  Attachment,
  AttachmentPage,
  Policy,
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookEndpointCreate,
  WebhookEndpointPatch,
  WebhookEndpointPage,
  WebhookDelivery,
  WebhookDeliveryPage,
  ProviderWebhookReceipt,
];
