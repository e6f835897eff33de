// /disputes (issue 20): finance's card disputes, most urgent due-by first; one with its evidence
// draft; finance's edit of the draft; the submission to the provider. Thin: schema, one use case.

import {
  editDisputeEvidence,
  type EditEvidenceInput,
} from "../../app/disputes/edit-dispute-evidence.js";
import { getDispute } from "../../app/disputes/get-dispute.js";
import { listDisputes } from "../../app/disputes/list-disputes.js";
import { submitDisputeEvidence } from "../../app/disputes/submit-dispute-evidence.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["disputes"];

const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    status: {
      type: "string",
      maxLength: 40,
      description: "The provider's status, e.g. `needs_response`.",
    },
    open: {
      type: "string",
      enum: ["true", "false"],
      description: "`true`: not closed; `false`: closed.",
    },
    limit: { type: "string", maxLength: 5, description: "1-200, default 50." },
    cursor: { type: "string", maxLength: 1000, description: "nextCursor of the previous page." },
  },
} as const;

interface ListQuery {
  status?: string;
  open?: "true" | "false";
  limit?: string;
  cursor?: string;
}

export const disputeRoutes: RoutePlugin = (app, deps) => {
  app.get<{ Querystring: ListQuery }>(
    "/disputes",
    {
      config: { permission: "dispute.read" },
      schema: {
        tags: TAGS,
        operationId: "listDisputes",
        summary: "List card disputes, the most urgent due-by first",
        description:
          "A Page of the disputes the card provider reported against our payments, ordered by their evidence due-by (none last), with their status and what it means for the money (`standing`). Filter by the provider's status or open/closed.",
        querystring: listQuery,
        response: { 200: ref("DisputePage") },
      },
    },
    async (request) => {
      const { open, ...rest } = request.query;
      return listDisputes(deps, ctxOf(request), {
        ...rest,
        ...(open === undefined ? {} : { open: open === "true" }),
      });
    },
  );

  app.get<{ Params: IdParams }>(
    "/disputes/:id",
    {
      config: { permission: "dispute.read" },
      schema: {
        tags: TAGS,
        operationId: "getDispute",
        summary: "Read a dispute with its evidence draft",
        description:
          "The dispute and its evidence draft in Stripe's evidence fields, assembled from what the desk holds now (order dates, service events with the client's blockers, requests, decisions and the clauses they rest on, messages, documents, refunds, the policy the client bought under), with finance's edits over the text fields.",
        params: idParams,
        response: { 200: ref("DisputeDetail") },
      },
    },
    async (request) => getDispute(deps, ctxOf(request), request.params.id),
  );

  app.patch<{ Params: IdParams; Body: EditEvidenceInput }>(
    "/disputes/:id/evidence",
    {
      config: {
        permission: "dispute.write",
        problems: {
          409: "The dispute changed since it was read (`version_conflict`), or it awaits no evidence any more: submitted, closed or past its due-by (`invalid_transition`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "editDisputeEvidence",
        summary: "Edit the evidence draft's text fields",
        description:
          "Finance reviews the draft and changes its text fields before submitting; audited with the fields changed.",
        params: idParams,
        body: ref("DisputeEvidenceEdit"),
        response: { 200: ref("DisputeDetail") },
      },
    },
    async (request) => editDisputeEvidence(deps, ctxOf(request), request.params.id, request.body),
  );

  app.post<{ Params: IdParams; Body: { expectedVersion: number } }>(
    "/disputes/:id/submit",
    {
      config: {
        permission: "dispute.write",
        problems: {
          409: "The dispute changed since it was read (`version_conflict`), or it awaits no evidence: already submitted, closed or past its due-by (`invalid_transition`).",
          503: "No card provider is configured, or it did not take the files or the evidence (`unavailable`, with its reason); nothing was recorded as submitted.",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "submitDisputeEvidence",
        summary: "Submit the evidence to the card provider",
        description:
          "Renders the draft's documents as PDFs, uploads them through the provider's files API (purpose `dispute_evidence`), and updates the dispute with the text fields and the files by id, `submit: true`. Audited.",
        params: idParams,
        body: ref("DisputeVersion"),
        response: { 200: ref("DisputeDetail") },
      },
    },
    async (request) => submitDisputeEvidence(deps, ctxOf(request), request.params.id, request.body),
  );
};
