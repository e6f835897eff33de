// /audit: the audit trail as admins read it (`audit.read`): one request's or one person's entries
// in chain order, and the whole chain's verification with the entry it breaks at (ADR 0007).

import { readAuditTrail, verifyAuditTrail } from "../../app/audit/audit-trail.js";
import { parsePageQuery } from "../../app/auth/index.js";
import { invalidField } from "../../app/errors.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf } from "./common.js";

const TAGS = ["audit"];

interface TrailQuery {
  requestId?: string;
  userId?: string;
  limit?: string;
  cursor?: string;
}

export const auditRoutes: RoutePlugin = (app, deps) => {
  app.get<{ Querystring: TrailQuery }>(
    "/audit",
    {
      config: { permission: "audit.read" },
      schema: {
        tags: TAGS,
        operationId: "listAuditTrail",
        summary: "The audit trail of one request or one person (admins), oldest first",
        description:
          "Exactly one of `requestId` (the request's own entries and those of its payouts and " +
          "files) or `userId` (what the person did, and what was done to their account). " +
          "An id that names nothing answers an empty page. A Page of AuditEntry in chain order.",
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            requestId: { type: "string", minLength: 1, maxLength: 200 },
            userId: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
        response: { 200: ref("AuditEntryPage") },
      },
    },
    async (request) => {
      const { requestId, userId } = request.query;
      const page = parsePageQuery(request.query);
      if ((requestId === undefined) === (userId === undefined)) {
        throw invalidField(
          requestId === undefined ? "querystring.requestId" : "querystring.userId",
          "give exactly one of requestId or userId",
        );
      }
      return readAuditTrail(
        deps,
        ctxOf(request),
        requestId !== undefined ? { requestId, page } : { userId: userId as string, page },
      );
    },
  );

  app.get(
    "/audit/verification",
    {
      config: { permission: "audit.read" },
      schema: {
        tags: TAGS,
        operationId: "verifyAuditTrail",
        summary: "Verify the audit chain (admins): ok, or the entry it breaks at",
        description:
          "Recomputes every entry's hash from the first one. When an entry is missing, does not " +
          "link to the one before, or no longer matches its hash, answers where (`brokenAt`) " +
          "with the entry as stored. Reads the whole log: seconds on a long one.",
        response: { 200: ref("AuditVerification") },
      },
    },
    async (request) => verifyAuditTrail(deps, ctxOf(request)),
  );
};
