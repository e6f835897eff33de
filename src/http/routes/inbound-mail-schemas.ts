// Components of the /inbound-mail routes (issue 19, ADR 0033): an inbound e-mail as QA's triage
// list shows it, and the bodies of the four triage actions.

import { REASONS } from "../../core/policy/index.js";
import { pageOf, ref, type Component } from "../openapi/components.js";

const STATUSES = [
  "stored",
  "done",
  "ignored",
  "triage",
  "quarantined",
  "refused",
  "failed",
  "discarded",
] as const;

const nullableText = (description: string) => ({ type: ["string", "null"], description }) as const;

const EXAMPLE = {
  id: "mail_6f1c2a4e-3b1d-4c5e-8f9a-0b1c2d3e4f50",
  receivedAt: "2026-03-02T09:00:00.000Z",
  status: "triage",
  triageKind: "reason_unclear",
  outcome: "reason_unclear",
  from: "alice@client.example",
  subject: "Refund for ORD-2026-0142",
  excerpt: "We are not happy with the test. Please refund.",
  clientId: "cl_0b0e7c1e-8c5c-4d1e-9a3f-2f6c5d7e8a90",
  orderId: "ORD-2026-0142",
  requestId: null,
  note: null,
  authentication: { spf: "pass", dkim: "pass", dmarc: "pass" },
  sizeBytes: 48213,
  resolvedBy: null,
  resolvedAt: null,
};

export const InboundMail = {
  $id: "InboundMail",
  type: "object",
  additionalProperties: false,
  description:
    "An e-mail the desk received (its raw bytes are kept, never shown here) and what became of it.",
  required: Object.keys(EXAMPLE),
  properties: {
    id: { type: "string" },
    receivedAt: ref("Instant"),
    status: {
      type: "string",
      enum: [...STATUSES],
      description:
        "`stored`: waiting for the worker; `done`: a request or a message; `ignored`: automatic (auto-reply, bounce, bulk); `triage`: waits for QA (see `triageKind`); `quarantined`: DMARC failed for a known client's domain; `refused`: a forged reply; `failed`: could not be processed; `discarded`: by QA.",
    },
    triageKind: nullableText(
      "Why it waits for QA: `unknown_sender`, `order_unclear`, `reason_unclear`, `request_closed`, `intake_refused`, `reply_unverifiable`, `no_sender`, `failed`.",
    ),
    outcome: nullableText("What processing or QA made of it (`request_created`, `answered`, ...)."),
    from: nullableText("The From address."),
    subject: nullableText("The subject (up to 300 characters)."),
    excerpt: nullableText("The start of the new text, quoted history and signature stripped."),
    clientId: nullableText("The client it belongs to, once known."),
    orderId: nullableText("The order it names, once known."),
    requestId: nullableText("The request it became or joined."),
    note: nullableText("Why (a refusal, a quarantine, attachments left out, QA's note)."),
    authentication: {
      anyOf: [
        {
          type: "object",
          additionalProperties: false,
          required: ["spf", "dkim", "dmarc"],
          properties: {
            spf: { type: "string" },
            dkim: { type: "string" },
            dmarc: { type: "string" },
          },
        },
        { type: "null" },
      ],
      description: "SPF, DKIM and DMARC results (mailauth), or null before processing.",
    },
    sizeBytes: { type: "integer", minimum: 0 },
    resolvedBy: nullableText("The reviewer who resolved it."),
    resolvedAt: { anyOf: [ref("Instant"), { type: "null" }] },
  },
  examples: [EXAMPLE],
} as const satisfies Component;

export const InboundMailPage = pageOf("InboundMail", EXAMPLE);

export const InboundMailAssign = {
  $id: "InboundMailAssign",
  type: "object",
  additionalProperties: false,
  required: ["clientId"],
  description:
    "The e-mail is this client's: it goes through the intake again with that client (a request when its order and reason are plain; otherwise it waits again).",
  properties: { clientId: { type: "string", minLength: 1, maxLength: 200 } },
  examples: [{ clientId: "cl_0b0e7c1e-8c5c-4d1e-9a3f-2f6c5d7e8a90" }],
} as const satisfies Component;

export const InboundMailAttach = {
  $id: "InboundMailAttach",
  type: "object",
  additionalProperties: false,
  required: ["requestId"],
  description:
    "The e-mail joins this request: from a contact of its client as their message (their answer when a question is open), otherwise as your internal note quoting it; attachments as documents.",
  properties: { requestId: { type: "string", minLength: 1, maxLength: 200 } },
  examples: [{ requestId: "req_348ed14f-1111-4222-8333-944445555666" }],
} as const satisfies Component;

export const InboundMailClassify = {
  $id: "InboundMailClassify",
  type: "object",
  additionalProperties: false,
  required: ["reason"],
  description:
    "The reason the e-mail asks a refund for, and its order when it named none or several: the request is made as the client's contact, with the usual acknowledgement.",
  properties: {
    reason: { type: "string", enum: [...REASONS] },
    orderId: { type: "string", minLength: 1, maxLength: 128 },
  },
  examples: [{ reason: "not_delivered", orderId: "ORD-2026-0142" }],
} as const satisfies Component;

export const InboundMailDiscard = {
  $id: "InboundMailDiscard",
  type: "object",
  additionalProperties: false,
  description: "Kept, out of the triage list; an optional note says why.",
  properties: { note: { type: "string", maxLength: 1000 } },
  examples: [{ note: "Spam." }],
} as const satisfies Component;

export const INBOUND_MAIL_COMPONENTS: readonly Component[] = [
  InboundMail,
  InboundMailPage,
  InboundMailAssign,
  InboundMailAttach,
  InboundMailClassify,
  InboundMailDiscard,
];
