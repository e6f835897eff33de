// The policy versions' named schemas (ADR 0025): a version's summary and whole document, the page
// of versions, the publication's body, and the differences between two versions.

import { pageOf, ref, type Component } from "../openapi/components.js";
import { POLICY_DOCUMENT_EXAMPLE, POLICY_DOCUMENT_PROPERTIES } from "./misc-schemas.js";

const nullableInstant = { type: ["string", "null"] } as const;

const SUMMARY_PROPERTIES = {
  id: { type: "string", description: "The document's version id, cited by recommendations." },
  effectiveAt: {
    type: "string",
    description: "In force from this instant (inclusive) until the next live version's.",
  },
  inForceFrom: {
    ...nullableInstant,
    description:
      "When it is, was or will be first in force: the later of the effective instant and the publication; null when withdrawn.",
  },
  inForceUntil: {
    ...nullableInstant,
    description: "When the next live version takes over; null while none follows.",
  },
  status: {
    type: "string",
    enum: ["in_force", "scheduled", "superseded", "withdrawn"],
    description:
      "scheduled: takes effect later (may be withdrawn until then); in_force: the version in force now; superseded: a later one took over; withdrawn: withdrawn before it took effect, never in force.",
  },
  publishedBy: {
    type: "string",
    description: "The admin who published it (usr_system: the first start).",
  },
  publishedAt: { type: "string" },
  withdrawnAt: nullableInstant,
  withdrawnBy: { type: ["string", "null"] },
} as const;

const SUMMARY_REQUIRED = Object.keys(SUMMARY_PROPERTIES);

const SUMMARY_EXAMPLE = {
  id: "2027-01",
  effectiveAt: "2026-12-31T17:00:00.000Z",
  inForceFrom: "2026-12-31T17:00:00.000Z",
  inForceUntil: null,
  status: "scheduled",
  publishedBy: "usr_ada",
  publishedAt: "2026-12-06T10:00:00.000Z",
  withdrawnAt: null,
  withdrawnBy: null,
};

export const PolicyVersionSummary = {
  $id: "PolicyVersionSummary",
  type: "object",
  additionalProperties: false,
  required: SUMMARY_REQUIRED,
  description:
    "A published policy version without its document: when it is in force, and its state.",
  properties: SUMMARY_PROPERTIES,
  examples: [SUMMARY_EXAMPLE],
} as const satisfies Component;

export const PolicyVersion = {
  $id: "PolicyVersion",
  type: "object",
  additionalProperties: false,
  required: [...SUMMARY_REQUIRED, "document"],
  description:
    "A published policy version with its whole document (parameters, payout thresholds, the people's deadlines, clause texts). Immutable once published, but for the withdrawal of a scheduled one.",
  properties: {
    ...SUMMARY_PROPERTIES,
    document: {
      type: "object",
      additionalProperties: false,
      required: ["version", "parameters", "payouts", "workflow", "clauses"],
      properties: POLICY_DOCUMENT_PROPERTIES,
    },
  },
  examples: [{ ...SUMMARY_EXAMPLE, document: { ...POLICY_DOCUMENT_EXAMPLE, version: "2027-01" } }],
} as const satisfies Component;

export const PolicyVersionSummaryPage = pageOf("PolicyVersionSummary", SUMMARY_EXAMPLE);

export const PolicyVersionPublish = {
  $id: "PolicyVersionPublish",
  type: "object",
  additionalProperties: false,
  required: ["document", "effectiveAt"],
  description:
    "A policy file's text (YAML or JSON, as `refund-desk policy publish` reads it) and the future instant it takes effect at. A bad field of the document is refused naming its path (`document.parameters.requestWindowDays`); unknown fields are refused.",
  properties: {
    document: {
      type: "string",
      minLength: 1,
      maxLength: 200_000,
      description: "The policy file's text, YAML or JSON.",
    },
    effectiveAt: {
      type: "string",
      minLength: 1,
      maxLength: 64,
      description:
        "ISO 8601 with an offset, later than now: the version is scheduled and may be withdrawn until then.",
    },
  },
  examples: [
    {
      document:
        'version: "2027-01"\nparameters:\n  timezone: Asia/Bangkok\n  requestWindowDays: 14\nclauses:\n  eligible.not-delivered: "..."\n',
      effectiveAt: "2027-01-01T00:00:00+07:00",
    },
  ],
} as const satisfies Component;

const policyValue = {
  description: "The setting's value as the policy file holds it (absent where the side has none).",
} as const;

export const PolicyDiff = {
  $id: "PolicyDiff",
  type: "object",
  additionalProperties: false,
  required: ["a", "b", "settings", "clauses"],
  description:
    "What differs from version a to version b, side by side: each setting by its path in the policy file, and each clause whose text differs. Empty lists: the same policy.",
  properties: {
    a: ref("PolicyVersionSummary"),
    b: ref("PolicyVersionSummary"),
    settings: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["path"],
        properties: { path: { type: "string" }, a: policyValue, b: policyValue },
      },
    },
    clauses: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "a", "b"],
        properties: { id: { type: "string" }, a: { type: "string" }, b: { type: "string" } },
      },
    },
  },
  examples: [
    {
      a: {
        ...SUMMARY_EXAMPLE,
        id: "2026-01",
        status: "in_force",
        inForceUntil: SUMMARY_EXAMPLE.effectiveAt,
      },
      b: SUMMARY_EXAMPLE,
      settings: [{ path: "parameters.requestWindowDays", a: 7, b: 14 }],
      clauses: [
        {
          id: "procedure.window",
          a: "Within 7 calendar days of the service delivery date.",
          b: "Within 14 calendar days of the service delivery date.",
        },
      ],
    },
  ],
} as const satisfies Component;

export const POLICY_COMPONENTS: readonly Component[] = [
  PolicyVersionSummary,
  PolicyVersion,
  PolicyVersionSummaryPage,
  PolicyVersionPublish,
  PolicyDiff,
];
