// What the policy-version verbs share: the access check and the timeline as of now.

import { type Action } from "../../core/access/index.js";
import { authorize } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import type { TimelineNow } from "./present.js";
import type { PolicyVersion } from "./repository.js";

/** Throws unless the caller may `action` on policy versions. */
export function allow(ctx: ActionContext, action: Action): void {
  authorize(ctx.actor, action, undefined, "policy version");
}

/** The live versions and the business clock's now. */
export async function timelineNow(deps: Pick<AppDeps, "policies" | "clock">): Promise<TimelineNow> {
  return { entries: await deps.policies.timeline(), now: deps.clock() };
}

/** A stored version by id, read from the database (its withdrawal as it stands); 404 if none. */
export async function versionOrNotFound(
  deps: Pick<AppDeps, "policies" | "db">,
  id: string,
): Promise<PolicyVersion> {
  const v = id.length > 200 ? undefined : await deps.policies.fresh(id);
  if (v === undefined) throw notFound("policy version");
  return v;
}
