// GET /policy: the refund policy in force, as the engine applies it (version, parameters, and
// every clause by id with its wording), for anyone signed in.

import { CLAUSE_IDS, policyDocument } from "../../core/policy/index.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";

/** The policy resource. */
export const policyRoutes: RoutePlugin = (app, deps) => {
  app.get(
    "/policy",
    {
      config: { permission: "policy.read" },
      schema: {
        tags: ["policy"],
        operationId: "getPolicy",
        summary: "The refund policy in force",
        description:
          "Its version (cited by every recommendation), its parameters and its clauses in order.",
        response: { 200: ref("Policy") },
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
