import { ACTIONS, roleAllows, type Action, type Actor } from "../../core/access/index.js";
import type { UserRow } from "../../db/schema.js";
import { presentUser, type UserView } from "./present.js";

/** The caller as the UI needs it: who, which client, the CSRF token and what they may do. */
export interface SessionView {
  readonly via: "session" | "token";
  /** The signed-in user; null for an API token. */
  readonly user: UserView | null;
  readonly role: Actor["role"];
  readonly clientId: string | null;
  /** Send back as X-CSRF-Token on every cookie-authenticated write. Null for API tokens. */
  readonly csrfToken: string | null;
  readonly expiresAt: string | null;
  /** Every action the caller's role may perform (on its own resources, for clients). */
  readonly abilities: readonly Action[];
}

/** The actions an actor's role allows, in ACTIONS order. */
export function abilitiesOf(actor: Actor): Action[] {
  return ACTIONS.filter((a) => roleAllows(actor, a));
}

/** The actor a user row stands for; null when the row cannot act (disabled, or inconsistent). */
export function actorOfUser(
  user: Pick<UserRow, "id" | "role" | "client_id" | "disabled">,
): Actor | null {
  if (Number(user.disabled) !== 0) return null;
  switch (user.role) {
    case "client":
      return user.client_id === null
        ? null
        : { role: "client", clientId: user.client_id, userId: user.id };
    case "qa":
    case "finance":
    case "admin":
      return { role: user.role, userId: user.id };
    default:
      return null;
  }
}

/** The session view of a signed-in user. */
export function userSessionView(user: UserRow, csrfToken: string, expiresAt: string): SessionView {
  const actor = actorOfUser(user);
  return {
    via: "session",
    user: presentUser(user),
    role: user.role,
    clientId: user.client_id,
    csrfToken,
    expiresAt,
    abilities: actor === null ? [] : abilitiesOf(actor),
  };
}
