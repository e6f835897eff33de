import type { AuthInfo } from "./auth-info.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { presentUser } from "./present.js";
import { findSessionCsrf, findUser } from "./repository.js";
import { abilitiesOf, type SessionView } from "./session-view.js";

/** The caller's session (or token) as the UI reads it; 401 for anonymous callers. */
export async function currentSession(
  deps: AppDeps,
  ctx: ActionContext,
  auth: AuthInfo,
): Promise<SessionView> {
  const { actor } = ctx;
  switch (actor.role) {
    case "anonymous":
      throw new AppError("unauthenticated", "not signed in");
    case "api_token":
      return {
        via: "token",
        user: null,
        role: actor.role,
        clientId: null,
        csrfToken: null,
        expiresAt: null,
        abilities: abilitiesOf(actor),
      };
    case "client":
    case "qa":
    case "finance":
    case "admin":
      break;
  }
  const user = await findUser(deps.db, actor.userId);
  if (user === undefined) throw new AppError("unauthenticated", "not signed in");
  const session =
    auth.sessionId === null ? undefined : await findSessionCsrf(deps.db, auth.sessionId);
  return {
    via: auth.via === "session" ? "session" : "token",
    user: presentUser(user),
    // The role the authenticator resolved for this request, which the abilities follow.
    role: actor.role,
    clientId: actor.role === "client" ? actor.clientId : null,
    csrfToken: session?.csrf_token ?? null,
    expiresAt: session?.expires_at ?? null,
    abilities: abilitiesOf(actor),
  };
}
