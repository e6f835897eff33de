// What the webhook-endpoint verbs share: the audit trail's entity type and the access check (admins).

import { visibleOrNotFound, type Action } from "../../core/access/index.js";
import { assertVisible } from "../authorize.js";
import type { ActionContext } from "../context.js";

/** The audit trail's entity type. */
export const WEBHOOK_ENTITY = "webhook_endpoint";

/** Throws unless the caller may `action` on webhook endpoints. */
export function allow(ctx: ActionContext, action: Action): void {
  assertVisible(visibleOrNotFound(ctx.actor, action), "webhook endpoint");
}
