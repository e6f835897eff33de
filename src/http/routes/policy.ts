// The refund policy: GET /policy (the version in force, for anyone signed in), and its published
// versions (ADR 0025): list, read, differences between two (staff), publish and withdraw a
// scheduled one (admins, audited). Thin: schema, one use case, present.

import { parsePageQuery } from "../../app/auth/index.js";
import { publishPolicyVersion } from "../../app/policy/publish-policy-version.js";
import {
  diffPolicyVersions,
  getPolicyInForce,
  getPolicyVersion,
  listPolicyVersions,
} from "../../app/policy/read-policy-versions.js";
import { withdrawPolicyVersion } from "../../app/policy/withdraw-policy-version.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["policy"];

interface PageQueryString {
  limit?: string;
  cursor?: string;
}

const versionParam = idParams.properties.id;

/** The policy resource and its versions. */
export const policyRoutes: RoutePlugin = (app, deps) => {
  app.get(
    "/policy",
    {
      config: { permission: "policy.read" },
      schema: {
        tags: TAGS,
        operationId: "getPolicy",
        summary: "The refund policy in force",
        description:
          "The version in force now (its id, cited by every recommendation; since when and until when it is in force), its parameters, the amounts per currency above which a payout needs a second approver, the people's deadlines, and its clauses in order.",
        response: { 200: ref("Policy") },
      },
    },
    async (request) => {
      const v = await getPolicyInForce(deps, ctxOf(request));
      return {
        id: v.id,
        ...v.document,
        effectiveAt: v.effectiveAt,
        inForceSince: v.inForceFrom ?? v.effectiveAt,
        inForceUntil: v.inForceUntil,
      };
    },
  );

  app.get<{ Querystring: PageQueryString }>(
    "/policy/versions",
    {
      config: { permission: "policy.history" },
      schema: {
        tags: TAGS,
        operationId: "listPolicyVersions",
        summary: "List the published policy versions (staff), in effective order",
        description:
          "A Page of versions without their documents: scheduled, in force, superseded and withdrawn ones, ordered by effective instant.",
        querystring: pageQuery,
        response: { 200: ref("PolicyVersionSummaryPage") },
      },
    },
    async (request) => listPolicyVersions(deps, ctxOf(request), parsePageQuery(request.query)),
  );

  app.post<{ Body: { document: string; effectiveAt: string } }>(
    "/policy/versions",
    {
      config: {
        permission: "policy.publish",
        problems: {
          409: "The document's version id is published already, or another live version takes effect at the same instant (`conflict`).",
          422: "The document is not a valid policy (the field's path is named, e.g. `document.parameters.requestWindowDays`; unknown fields are refused), or the effective instant is not in the future (`unprocessable`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "publishPolicyVersion",
        summary: "Publish a policy version effective from a future instant (admins, audited)",
        description:
          "The document is checked as a policy file is. The version is scheduled: requests submitted from its effective instant on (the instant included) are judged under it, earlier ones keep theirs, even when re-evaluated later. It may be withdrawn until it takes effect. Audited as `policy.publish`.",
        body: ref("PolicyVersionPublish"),
        response: { 201: ref("PolicyVersion") },
      },
    },
    async (request, reply) => {
      const published = await publishPolicyVersion(deps, ctxOf(request), request.body);
      return reply
        .code(201)
        .header("location", `/api/v1/policy/versions/${encodeURIComponent(published.id)}`)
        .send(published);
    },
  );

  app.get<{ Params: IdParams }>(
    "/policy/versions/:id",
    {
      config: { permission: "policy.history" },
      schema: {
        tags: TAGS,
        operationId: "getPolicyVersion",
        summary: "One policy version with its whole document (staff)",
        description:
          "Its state (scheduled, in force, superseded, withdrawn), when it is in force, who published it, and the document: parameters, payout thresholds, the people's deadlines and clause texts.",
        params: idParams,
        response: { 200: ref("PolicyVersion") },
      },
    },
    async (request) => getPolicyVersion(deps, ctxOf(request), request.params.id),
  );

  app.delete<{ Params: IdParams }>(
    "/policy/versions/:id",
    {
      config: {
        permission: "policy.publish",
        problems: {
          409: "The version took effect already (a version in force or past is never withdrawn), or was withdrawn before (`conflict`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "withdrawPolicyVersion",
        summary: "Withdraw a scheduled policy version before it takes effect (admins, audited)",
        description:
          "The version stays on record, marked withdrawn, and is never in force. Only before its effective instant. Audited as `policy.withdraw`.",
        params: idParams,
        response: { 200: ref("PolicyVersion") },
      },
    },
    async (request) => withdrawPolicyVersion(deps, ctxOf(request), request.params.id),
  );

  app.get<{ Params: { a: string; b: string } }>(
    "/policy/versions/:a/diff/:b",
    {
      config: { permission: "policy.history" },
      schema: {
        tags: TAGS,
        operationId: "diffPolicyVersions",
        summary: "What differs between two policy versions, side by side (staff)",
        description:
          "Each setting that differs by its path in the policy file (`parameters.requestWindowDays`, `payouts.secondApprovalAbove.THB`, `workflow.appealWindowDays`) with both values, and each clause whose text differs with both texts.",
        params: {
          type: "object",
          additionalProperties: false,
          required: ["a", "b"],
          properties: { a: versionParam, b: versionParam },
        },
        response: { 200: ref("PolicyDiff") },
      },
    },
    async (request) => diffPolicyVersions(deps, ctxOf(request), request.params.a, request.params.b),
  );
};
