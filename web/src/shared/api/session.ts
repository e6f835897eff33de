// The caller's session (GET /api/v1/session): who is signed in, their role and abilities, and the
// CSRF token for writes. Shared because every layout shows who is signed in.

import { queryOptions } from "@tanstack/react-query";
import { api, setCsrfToken, unwrap } from "./client";
import { isUnauthenticated } from "./problem";
import type { paths } from "./schema";

export type Session =
  paths["/api/v1/session"]["get"]["responses"][200]["content"]["application/json"];

/** The session, or null when signed out (401). */
export async function fetchSession(): Promise<Session | null> {
  try {
    const session = unwrap(await api.GET("/api/v1/session"));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (e) {
    if (isUnauthenticated(e)) {
      setCsrfToken(null);
      return null;
    }
    throw e;
  }
}

export const sessionQuery = queryOptions({
  queryKey: ["session"],
  queryFn: fetchSession,
  staleTime: 60_000,
});

/** Where a signed-in person lands first, by role. */
export function landingPath(session: Session): string {
  switch (session.role) {
    case "client":
      return "/requests";
    case "qa":
      return "/staff/queue";
    case "finance":
      return "/staff/payouts";
    case "admin":
      return "/staff/people";
    case "api_token":
      return "/sign-in";
  }
}
