// Named schemas of /imports (bulk import over the API; issue 18).

import { pageOf, type Component } from "../openapi/components.js";

const REJECTED_EXAMPLE = { line: 7, reason: 'price.currency: unknown currency "XYZ"' };

const IMPORT_EXAMPLE = {
  id: "imp_3f1c9a2e-5b7d-4e8a-9c1f-2d6b8e0a4c71",
  kind: "payments",
  format: "csv",
  status: "rejected",
  bytes: 482113,
  rowsRead: 5000,
  rowsWritten: 0,
  problems: 1,
  rejected: [REJECTED_EXAMPLE],
  error: null,
  createdAt: "2026-03-02T09:00:00.000Z",
  startedAt: "2026-03-02T09:00:01.000Z",
  finishedAt: "2026-03-02T09:00:04.000Z",
};

export const ImportJob = {
  $id: "ImportJob",
  type: "object",
  additionalProperties: false,
  description:
    "A bulk import sent over the API: what the file holds, where it stands, and, when rejected, which rows were wrong (all or nothing: a rejected import wrote nothing).",
  required: [
    "id",
    "kind",
    "format",
    "status",
    "bytes",
    "rowsRead",
    "rowsWritten",
    "problems",
    "rejected",
    "error",
    "createdAt",
    "startedAt",
    "finishedAt",
  ],
  properties: {
    id: { type: "string" },
    kind: { type: "string", enum: ["orders", "payments", "events"] },
    format: { type: "string", enum: ["csv", "ndjson"] },
    status: {
      type: "string",
      enum: ["receiving", "pending", "running", "done", "rejected", "failed"],
      description:
        "`pending`: waiting for a worker; `running`: being checked, then written; `done`: every row written; `rejected`: some rows are wrong (`rejected`), nothing was written; `failed`: the import could not run (`error`), nothing was written.",
    },
    bytes: { type: "integer", description: "Size of the body received." },
    rowsRead: {
      type: "integer",
      description: "Rows checked so far (updated about once a second while checking).",
    },
    rowsWritten: { type: "integer", description: "Rows written (only once the import is done)." },
    problems: { type: "integer", description: "How many problems the rejected rows have in all." },
    rejected: {
      type: "array",
      description: "The first 500 problems, each with the line of its row (1 is the first line).",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["line", "reason"],
        properties: { line: { type: "integer" }, reason: { type: "string" } },
      },
    },
    error: { type: ["string", "null"], description: "Why a failed import could not run." },
    createdAt: { type: "string" },
    startedAt: { type: ["string", "null"] },
    finishedAt: { type: ["string", "null"] },
  },
  examples: [IMPORT_EXAMPLE],
} as const satisfies Component;

export const ImportJobPage = pageOf("ImportJob", IMPORT_EXAMPLE);

export const IMPORT_COMPONENTS: readonly Component[] = [ImportJob, ImportJobPage];
