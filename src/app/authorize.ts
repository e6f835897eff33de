// The one place a use case turns the core's access answer into an error: a client gets the same
// 404 as for a missing id when the resource is not its own; staff and tokens lacking the right get
// 403; nobody signed in gets 401.

import {
  listScope,
  refusal,
  visibleOrNotFound,
  type ListScope,
  type Action,
  type Actor,
  type Visibility,
} from "../core/access/index.js";
import { AppError, notFound } from "./errors.js";

/**
 * Throws unless the visibility is "ok"; `what` names the resource in the 404 ("order"); `why`
 * (refusal of core/access) says in words what a 403 refused. Give `why` as a function: the words
 * are made only for a refusal, not on every allowed request.
 */
export function assertVisible(visibility: Visibility, what: string, why?: () => string): void {
  switch (visibility) {
    case "ok":
      return;
    case "not_found":
      throw notFound(what);
    case "forbidden":
      throw new AppError("forbidden", why?.() ?? `Your role may not do this with a ${what}.`);
    case "unauthenticated":
      throw new AppError("unauthenticated", "sign in or send an API token");
  }
}

/**
 * Throws unless `actor` may do `action`, on a resource of client `clientId` when the action is
 * about one (see assertVisible; `what` names the resource).
 */
export function authorize(
  actor: Actor,
  action: Action,
  clientId: string | undefined,
  what: string,
): void {
  const visibility = visibleOrNotFound(
    actor,
    action,
    clientId === undefined ? undefined : { clientId },
  );
  assertVisible(visibility, what, () => refusal(actor, action));
}

/**
 * Whose resources the actor may list under `action` (core `listScope`): throws 401 for nobody
 * signed in, 403 for a role that may not; a client gets only its own client's.
 */
export function scopeFor(actor: Actor, action: Action, what: string): ListScope {
  const scope = listScope(actor, action);
  if (scope !== null) return scope;
  assertVisible(actor.role === "anonymous" ? "unauthenticated" : "forbidden", what, () =>
    refusal(actor, action),
  );
  throw new Error("unreachable: a refused scope throws above");
}
