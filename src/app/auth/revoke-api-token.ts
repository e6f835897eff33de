import { appendAudit } from "../../db/audit.js";
import { toDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { callerIp, callerRef, requireAccountAdmin, type Caller } from "./common.js";
import { presentApiToken, type ApiTokenView } from "./present.js";
import { findApiToken, revokeApiTokenRow } from "./repository.js";

/** Revokes a token: from now on it authenticates nobody. Revoking it again changes nothing. */
export async function revokeApiToken(
  deps: AppDeps,
  ctx: Caller,
  id: string,
): Promise<ApiTokenView> {
  requireAccountAdmin(ctx);
  const now = deps.clock();
  const row = await deps.db.transaction().execute(async (trx) => {
    const before = await findApiToken(trx, id);
    if (before === undefined) throw notFound("API token");
    if (before.revoked_at !== null) return before;
    const revokedAt = toDbInstant(now);
    await revokeApiTokenRow(trx, id, revokedAt);
    await appendAudit(trx, {
      actor: callerRef(ctx),
      action: "token.revoked",
      entityType: "api_token",
      entityId: id,
      summary: { name: before.name },
      ip: callerIp(ctx),
      at: now,
    });
    return { ...before, revoked_at: revokedAt };
  });
  return presentApiToken(row);
}
