// Components of the /disputes routes (issue 20): a card dispute as listed, one with its evidence
// draft (Stripe's evidence fields), finance's edit of the draft and the submission.

import {
  EVIDENCE_FILE_FIELDS,
  EVIDENCE_TEXT_FIELDS,
  MAX_TEXT_FIELD,
} from "../../core/disputes/index.js";
import { expectedVersion, pageOf, ref, type Component } from "../openapi/components.js";

const instantOrNull = (description: string) =>
  ({ anyOf: [ref("Instant"), { type: "null" }], description }) as const;

const disputeProperties = {
  id: { type: "string", description: "The provider's dispute id (`dp_...`)." },
  provider: { type: "string", description: "The card provider (`stripe`)." },
  paymentId: { type: "string", description: "The disputed payment (our id)." },
  chargeRef: { type: "string", description: "The disputed charge at the provider (`ch_...`)." },
  amount: ref("Money"),
  reason: {
    type: "string",
    description:
      "The provider's reason (Stripe: `fraudulent`, `product_not_received`, `duplicate`, `subscription_canceled`, `credit_not_processed`, `general`, ...).",
  },
  status: {
    type: "string",
    description:
      "The provider's status (Stripe: `warning_needs_response`, `warning_under_review`, `warning_closed`, `needs_response`, `under_review`, `won`, `lost`, `prevented`, ...).",
  },
  standing: {
    type: "string",
    enum: ["open", "won", "lost"],
    description:
      "What the status means for the money: `open` (nothing may be refunded from the charge; its scheduled card payouts are held), `won` (refundable again), `lost` (the disputed amount counts as returned to the client).",
  },
  awaitingEvidence: {
    type: "boolean",
    description: "The provider awaits evidence and none was submitted yet.",
  },
  dueBy: instantOrNull("The evidence must reach the provider before this instant."),
  fundsWithdrawnAt: instantOrNull("When the provider reported the disputed funds withdrawn."),
  closedAt: instantOrNull("When the dispute closed (won or lost)."),
  evidenceSubmittedAt: instantOrNull("When finance submitted the evidence."),
  submittedBy: { type: ["string", "null"], description: "Who submitted it (a user id)." },
  createdAt: ref("Instant"),
  updatedAt: ref("Instant"),
  version: {
    type: "integer",
    description: "Optimistic concurrency: send it back to edit or submit.",
  },
} as const;

const DISPUTE_EXAMPLE = {
  id: "dp_1QxYz2AbCdEf",
  provider: "stripe",
  paymentId: "PAY-1001",
  chargeRef: "ch_3QxYz2AbCdEf",
  amount: { amount: "4800.00", currency: "EUR" },
  reason: "product_not_received",
  status: "needs_response",
  standing: "open",
  awaitingEvidence: true,
  dueBy: "2026-03-10T23:59:59.000Z",
  fundsWithdrawnAt: "2026-02-24T09:00:00.000Z",
  closedAt: null,
  evidenceSubmittedAt: null,
  submittedBy: null,
  createdAt: "2026-02-24T09:00:00.000Z",
  updatedAt: "2026-02-24T09:00:00.000Z",
  version: 1,
};

export const Dispute = {
  $id: "Dispute",
  type: "object",
  additionalProperties: false,
  required: Object.keys(disputeProperties),
  description:
    "A card dispute (chargeback) against one of our payments, as the provider reported it in its signed events.",
  properties: disputeProperties,
  examples: [DISPUTE_EXAMPLE],
} as const satisfies Component;

const textFields = Object.fromEntries(
  EVIDENCE_TEXT_FIELDS.map((f) => [
    f,
    {
      type: ["string", "null"],
      maxLength: MAX_TEXT_FIELD,
      description: `Stripe's \`evidence[${f}]\`.`,
    },
  ]),
);

const evidenceDocument = {
  type: "object",
  additionalProperties: false,
  required: ["title", "sections"],
  properties: {
    title: { type: "string" },
    sections: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["heading", "lines"],
        properties: {
          heading: { type: "string" },
          lines: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
} as const;

const EVIDENCE_EXAMPLE = {
  text: {
    service_date: null,
    product_description:
      "Website redesign (design, one_off), order ACME-1001 placed 2026-02-01T09:00:00.000Z for 4800.00 EUR.",
    refund_policy_disclosure:
      "The client bought under refund policy version 2026-01 (in force from 2026-01-01T00:00:00.000Z).",
    refund_refusal_explanation:
      'Decision on 2026-02-20T10:00:00.000Z: deny.\nThe decision rests on the policy\'s clauses: blocker.client ("...").\nRecorded client-side blockers: Blocked by the client: 2026-02-03T00:00:00.000Z to 2026-02-17T00:00:00.000Z - Credentials not provided.',
    duplicate_charge_explanation: null,
    uncategorized_text: null,
  },
  edited: [],
  documents: {
    service_documentation: { title: "Service record: order ACME-1001", sections: [] },
    customer_communication: {
      title: "Communication with the client: order ACME-1001",
      sections: [],
    },
    refund_policy: { title: "Refund policy, version 2026-01", sections: [] },
  },
  files: {},
};

export const DisputeDetail = {
  $id: "DisputeDetail",
  type: "object",
  additionalProperties: false,
  required: [...Object.keys(disputeProperties), "evidence"],
  description:
    "A dispute with its evidence draft: the text fields of Stripe's evidence the desk fills from its records (finance's edits over them), and the documents rendered as PDFs, uploaded and attached by id when submitted.",
  properties: {
    ...disputeProperties,
    evidence: {
      type: "object",
      additionalProperties: false,
      required: ["text", "edited", "documents", "files"],
      properties: {
        text: {
          type: "object",
          additionalProperties: false,
          required: [...EVIDENCE_TEXT_FIELDS],
          properties: textFields,
        },
        edited: {
          type: "array",
          items: { type: "string", enum: [...EVIDENCE_TEXT_FIELDS] },
          description: "The text fields finance changed.",
        },
        documents: {
          type: "object",
          additionalProperties: false,
          required: [...EVIDENCE_FILE_FIELDS],
          properties: Object.fromEntries(EVIDENCE_FILE_FIELDS.map((f) => [f, evidenceDocument])),
          description: "Each becomes a PDF for Stripe's file field of the same name.",
        },
        files: {
          type: "object",
          additionalProperties: { type: "string" },
          description: "The provider's file ids (`file_...`) of the documents, once submitted.",
        },
      },
    },
  },
  examples: [{ ...DISPUTE_EXAMPLE, evidence: EVIDENCE_EXAMPLE }],
} as const satisfies Component;

export const DisputeEvidenceEdit = {
  $id: "DisputeEvidenceEdit",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion"],
  description:
    "Finance's edit of the draft's text fields: a string replaces the desk's text, null leaves the field empty, a field left out keeps its value; `reset` returns fields to the desk's own text.",
  properties: {
    expectedVersion: expectedVersion("dispute"),
    text: {
      type: "object",
      additionalProperties: false,
      properties: textFields,
    },
    reset: {
      type: "array",
      maxItems: EVIDENCE_TEXT_FIELDS.length,
      uniqueItems: true,
      items: { type: "string", enum: [...EVIDENCE_TEXT_FIELDS] },
    },
  },
  examples: [
    {
      expectedVersion: 1,
      text: { refund_refusal_explanation: "The client withheld the credentials for 14 days." },
    },
  ],
} as const satisfies Component;

export const DisputeVersion = {
  $id: "DisputeVersion",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion"],
  description: "The dispute's version as read: the submission answers 409 when it changed since.",
  properties: { expectedVersion: expectedVersion("dispute") },
  examples: [{ expectedVersion: 2 }],
} as const satisfies Component;

export const DisputePage = pageOf("Dispute", DISPUTE_EXAMPLE);

export const DISPUTE_COMPONENTS: readonly Component[] = [
  Dispute,
  DisputeDetail,
  DisputeEvidenceEdit,
  DisputeVersion,
  DisputePage,
];
