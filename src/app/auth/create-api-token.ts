import { TOKEN_SCOPES, userIdOf, type TokenScope } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { ApiTokenRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { invalidField } from "../errors.js";
import { callerIp, callerRef, checkName, requireAccountAdmin, type Caller } from "./common.js";
import { presentApiToken, type ApiTokenView } from "./present.js";
import { insertApiToken } from "./repository.js";
import { newApiTokenSecret, secretHash } from "./secrets.js";

export interface CreateApiTokenInput {
  /** What the token is for, e.g. "billing system". */
  readonly name: string;
  readonly scopes: readonly string[];
}

export interface CreatedApiToken {
  /** The token itself: shown this once, stored only as its SHA-256. */
  readonly token: string;
  readonly apiToken: ApiTokenView;
}

/** Issues an API token with the given scopes (a subset of TOKEN_SCOPES). */
export async function createApiToken(
  deps: AppDeps,
  ctx: Caller,
  input: CreateApiTokenInput,
): Promise<CreatedApiToken> {
  requireAccountAdmin(ctx);
  const name = checkName(input.name, "body.name");
  const scopes = checkScopes(input.scopes, "body.scopes");
  const token = newApiTokenSecret();
  const now = deps.clock();
  const row: ApiTokenRow = {
    id: newId("tok"),
    name,
    token_hash: secretHash(token),
    scopes: JSON.stringify(scopes),
    created_by: ctx === "system" ? null : userIdOf(ctx.actor),
    created_at: toDbInstant(now),
    last_used_at: null,
    revoked_at: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await insertApiToken(trx, row);
    await appendAudit(trx, {
      actor: callerRef(ctx),
      action: "token.created",
      entityType: "api_token",
      entityId: row.id,
      summary: { name, scopes },
      ip: callerIp(ctx),
      at: now,
    });
  });
  return { token, apiToken: presentApiToken(row) };
}

/** The scopes deduplicated in TOKEN_SCOPES order; at least one, all known. */
function checkScopes(scopes: readonly string[], path: string): TokenScope[] {
  const known: readonly string[] = TOKEN_SCOPES;
  scopes.forEach((s, i) => {
    if (!known.includes(s))
      throw invalidField(`${path}[${i}]`, `must be one of ${TOKEN_SCOPES.join(", ")}`);
  });
  const chosen = TOKEN_SCOPES.filter((s) => scopes.includes(s));
  if (chosen.length === 0) throw invalidField(path, "must name at least one scope");
  return chosen;
}
