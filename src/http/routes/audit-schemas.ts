// Components of the audit routes (see ../openapi/components.ts): audit entries, a page of them,
// and the chain's verification.
import { nullable, pageOf, type Component } from "../openapi/components.js";

const EXAMPLE_ENTRY = {
  seq: 1042,
  at: "2026-02-03T10:15:00.000Z",
  actor: "user:usr_5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
  action: "request.decided",
  entityType: "refund_request",
  entityId: "req_2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
  summary: { from: "in_review", to: "approved", amount: "120.00", currency: "EUR" },
  ip: "203.0.113.7",
  prevHash: "6f1ed002ab5595859014ebf0951522d9c6d5a7ab2f2c6bbd3f1c7a0c8d9e0f11",
  hash: "9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
};

export const AuditEntry = {
  $id: "AuditEntry",
  type: "object",
  additionalProperties: false,
  required: [
    "seq",
    "at",
    "actor",
    "action",
    "entityType",
    "entityId",
    "summary",
    "ip",
    "prevHash",
    "hash",
  ],
  description:
    "One entry of the hash-chained audit trail (ADR 0007): who did what to which entity, when, " +
    "and the hashes that chain it to the entry before.",
  properties: {
    seq: { type: "integer", minimum: 1, description: "Its place in the chain: 1, 2, 3..." },
    at: { type: "string", format: "date-time" },
    actor: {
      type: "string",
      description: "`user:<id>`, `token:<id>`, `system`, `worker:<name>` or `anonymous`.",
    },
    action: {
      type: "string",
      description: "A dotted verb: `request.decided`, `payout.approved`...",
    },
    entityType: { type: "string" },
    entityId: { type: "string" },
    summary: {
      description: "The change in brief (ids, old and new status, amounts as decimal strings).",
    },
    ip: { type: ["string", "null"] },
    prevHash: { type: "string" },
    hash: { type: "string" },
  },
  examples: [EXAMPLE_ENTRY],
} as const satisfies Component;

export const AuditVerification = {
  $id: "AuditVerification",
  type: "object",
  additionalProperties: false,
  required: ["ok", "checkedAt", "count", "headHash", "brokenAt"],
  description:
    "The audit chain recomputed from its first entry: whether every entry fits, and if not, the " +
    "first entry that is missing, does not link to its predecessor, or no longer matches its hash. " +
    "A chain cannot show entries cut off its end: compare `headHash` with a copy kept elsewhere.",
  properties: {
    ok: { type: "boolean" },
    checkedAt: { type: "string", format: "date-time" },
    count: { type: ["integer", "null"], description: "Entries checked, when ok." },
    headHash: { type: ["string", "null"], description: "The last entry's hash, when ok." },
    brokenAt: {
      type: ["object", "null"],
      additionalProperties: false,
      required: ["seq", "problem", "reason", "entry"],
      properties: {
        seq: { type: "integer" },
        problem: { type: "string", enum: ["missing", "link", "hash", "malformed"] },
        reason: { type: "string" },
        entry: nullable("AuditEntry", "The entry as stored; null when it is missing."),
      },
    },
  },
  examples: [
    {
      ok: true,
      checkedAt: "2026-02-03T12:00:00.000Z",
      count: 1042,
      headHash: EXAMPLE_ENTRY.hash,
      brokenAt: null,
    },
    {
      ok: false,
      checkedAt: "2026-02-03T12:00:00.000Z",
      count: null,
      headHash: null,
      brokenAt: {
        seq: 1042,
        problem: "hash",
        reason: "the content does not match its hash (the entry was changed)",
        entry: EXAMPLE_ENTRY,
      },
    },
  ],
} as const satisfies Component;

export const AUDIT_COMPONENTS: readonly Component[] = [
  AuditEntry,
  pageOf("AuditEntry", EXAMPLE_ENTRY),
  AuditVerification,
];
