// What the webhook-endpoint verbs share: the audit trail's entity type and the access check (admins).

import { type Action } from "../../core/access/index.js";
import { authorize } from "../authorize.js";
import type { ActionContext } from "../context.js";

/** The audit trail's entity type. */
export const WEBHOOK_ENTITY = "webhook_endpoint";

/** Throws unless the caller may `action` on webhook endpoints. */
export function allow(ctx: ActionContext, action: Action): void {
  authorize(ctx.actor, action, undefined, "webhook endpoint");
}
