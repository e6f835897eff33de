// What authentication answers, owned by the app (ADR 0018): the HTTP shell calls an Authenticator
// with what the request carried and puts the answer on the request; use cases (current session,
// sign-out) read the AuthInfo. Neither type knows Fastify.

import type { Actor } from "../../core/access/index.js";

/** How the caller was authenticated. */
export interface AuthInfo {
  readonly via: "none" | "session" | "token";
  /** The session's CSRF token, checked on cookie-authenticated writes. */
  readonly csrfToken: string | null;
  readonly sessionId: string | null;
}

/** Resolves the caller of a request (session cookie or bearer token). */
export type Authenticator = (input: {
  sessionToken: string | undefined;
  bearerToken: string | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  now: number;
}) => Promise<{ actor: Actor; auth: AuthInfo }>;
