// The typed API client: openapi-fetch over the types generated from the server's OpenAPI document
// (openapi/api.d.ts from `npm run openapi`, re-exported by ./schema). The session cookie rides along on every
// call (same origin); writes carry the session's CSRF token in X-CSRF-Token.

import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError, isProblem } from "./problem";

let csrfToken: string | null = null;

/** Remembers the CSRF token of the session (from sign-in or GET /session); null when signed out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The CSRF token of the current session, for calls made outside the client (uploads). */
export function getCsrfToken(): string | null {
  return csrfToken;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD" && csrfToken !== null) {
      request.headers.set("X-CSRF-Token", csrfToken);
    }
    return request;
  },
};

/** The client for /api/v1/... (paths as in the OpenAPI document). */
export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(csrf);

/**
 * The data of an openapi-fetch answer, or an ApiError carrying the problem document. Used by the
 * query and mutation functions so that TanStack Query sees refusals as errors.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const body: unknown = result.error;
  throw new ApiError(result.response.status, isProblem(body) ? body : null);
}
