// GET /policy: the refund policy in force, as the engine applies it (version, parameters, and
// every clause by id with its wording), for anyone signed in.

import { CLAUSE_IDS, policyDocument } from "../../core/policy/index.js";
import type { RoutePlugin } from "../server.js";

const policySchema = {
  type: "object",
  additionalProperties: false,
  required: ["version", "parameters", "clauses"],
  properties: {
    version: { type: "string" },
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
  },
} as const;

/** The policy resource. */
export const policyRoutes: RoutePlugin = (app, deps) => {
  app.get(
    "/policy",
    {
      config: { permission: "policy.read" },
      schema: {
        tags: ["policy"],
        summary: "The refund policy in force",
        description:
          "Its version (cited by every recommendation), its parameters and its clauses in order.",
        response: { 200: policySchema },
      },
    },
    async () => {
      const doc = policyDocument(deps.policy);
      return {
        version: doc.version,
        parameters: doc.parameters,
        clauses: CLAUSE_IDS.map((id) => ({ id, text: deps.policy.clauses[id] })),
      };
    },
  );
};
