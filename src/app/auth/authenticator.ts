// The real authenticator: who is calling, from the session cookie or an `Authorization: Bearer
// rdt_...` token. Secrets are looked up by their SHA-256; anything expired, revoked, disabled,
// malformed or unknown is simply anonymous, and the route's permission check answers 401.

import { TOKEN_SCOPES, type Actor } from "../../core/access/index.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import type { Authenticator, AuthInfo } from "./auth-info.js";
import type { AppDeps } from "../context.js";
import { prepareDummyHash } from "./passwords.js";
import { parseScopes } from "./present.js";
import { API_TOKEN_PREFIX, secretHash } from "./secrets.js";
import type { CachedSession, SessionCache } from "./session-cache.js";
import { actorOfUser } from "./session-view.js";
import { findLiveApiToken, findSessionActor, setApiTokenLastUsed } from "./repository.js";

const ANONYMOUS_RESULT: { actor: Actor; auth: AuthInfo } = Object.freeze({
  actor: Object.freeze({ role: "anonymous" }) as Actor,
  auth: Object.freeze({ via: "none", csrfToken: null, sessionId: null }) as AuthInfo,
});

// What newSecret() makes: 32 bytes in base64url.
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per token, not on every request. */
export const TOKEN_LAST_USED_RESOLUTION_MS = 60 * 1000;

type Resolved = { readonly actor: Actor; readonly auth: AuthInfo };

/** A looked-up session as the cache keeps it: what every request of it resolves to. */
interface SessionHit {
  readonly expiresAtMs: number;
  readonly resolved: Resolved;
}

function sessionHit(row: CachedSession): SessionHit {
  const actor = actorOfUser(row);
  const auth: AuthInfo = { via: "session", csrfToken: row.csrf_token, sessionId: row.session_id };
  return {
    expiresAtMs: fromDbInstant(row.expires_at),
    // Shared by every request of the session while cached: frozen, so nobody can change it.
    resolved:
      actor === null
        ? ANONYMOUS_RESULT
        : Object.freeze({ actor: Object.freeze(actor), auth: Object.freeze(auth) }),
  };
}

/** Builds the authenticator buildServer calls on every request. */
export function createAuthenticator(
  deps: Pick<AppDeps, "db" | "sessions" | "logger">,
): Authenticator {
  const { db, logger } = deps;
  // The authenticator alone stores values in the session cache, so it knows their type.
  const sessions = deps.sessions as SessionCache<SessionHit>;
  const known = new Set<string>(TOKEN_SCOPES);
  // Sign-in verifies unknown addresses against this hash; making it now keeps the first one quick.
  // Failing here costs only that: sign-in makes it again when first needed.
  prepareDummyHash().catch((err: unknown) => {
    logger.warn({ err }, "could not prepare the dummy password hash ahead of sign-in");
  });

  async function fromToken(token: string, now: number) {
    const secret = token.startsWith(API_TOKEN_PREFIX) ? token.slice(API_TOKEN_PREFIX.length) : "";
    if (!SECRET.test(secret)) return ANONYMOUS_RESULT;
    const row = await findLiveApiToken(db, secretHash(token));
    if (row === undefined) return ANONYMOUS_RESULT;
    const stale = toDbInstant(now - TOKEN_LAST_USED_RESOLUTION_MS);
    if (row.last_used_at === null || row.last_used_at < stale) {
      // Bookkeeping only: a failure here must not turn a valid call away.
      try {
        await setApiTokenLastUsed(db, row.id, toDbInstant(now));
      } catch (err) {
        logger.warn({ err, tokenId: row.id }, "could not record an API token's last use");
      }
    }
    const actor: Actor = {
      role: "api_token",
      tokenId: row.id,
      scopes: Object.freeze(
        parseScopes(row.scopes, (err) =>
          logger.error(
            { err, tokenId: row.id },
            "an API token's stored scopes are not a JSON array; it has none",
          ),
        ).filter((s) => known.has(s)),
      ),
    };
    return { actor, auth: { via: "token", csrfToken: null, sessionId: null } as AuthInfo };
  }

  async function fromSession(token: string, now: number): Promise<Resolved> {
    let hit = sessions.get(token);
    if (hit === undefined) {
      if (!SECRET.test(token)) return ANONYMOUS_RESULT;
      const generation = sessions.generation();
      const row = await findSessionActor(db, secretHash(token), toDbInstant(now));
      if (row === undefined) return ANONYMOUS_RESULT;
      hit = sessionHit(row);
      sessions.set(token, hit, generation);
    }
    // The session's own expiry still counts on every hit.
    return hit.expiresAtMs > now ? hit.resolved : ANONYMOUS_RESULT;
  }

  return async ({ sessionToken, bearerToken, now }) => {
    // An Authorization header decides alone: a bad token is not rescued by a cookie.
    if (bearerToken !== undefined) return fromToken(bearerToken, now);
    if (sessionToken !== undefined) return fromSession(sessionToken, now);
    return ANONYMOUS_RESULT;
  };
}
