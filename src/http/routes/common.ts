// Pieces every route group uses: the use cases' view of the caller and the `:id` path parameter.

import type { FastifyRequest } from "fastify";
import type { ActionContext } from "../../app/context.js";

/** The use cases' view of the caller: who, and from which address (for the audit trail). */
export function ctxOf(request: FastifyRequest): ActionContext {
  return { actor: request.actor, ip: request.ip };
}

/** The `:id` path parameter of every resource route. */
export const idParams = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 200 } },
} as const;

/** Its TypeScript shape. */
export interface IdParams {
  id: string;
}
