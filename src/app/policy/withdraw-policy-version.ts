// Withdraws a scheduled policy version (admins; `DELETE /policy/versions/{id}`, `refund-desk
// policy withdraw`): only before its effective instant, so nothing was ever judged under it. The
// row stays, marked withdrawn (a version is never deleted). Audited.

import { actorRef, userIdOf } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import { fromDbInstant, toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { presentVersion, type PolicyVersionView } from "./present.js";
import { findPolicyVersionRow, markWithdrawn } from "./repository.js";
import { allow, timelineNow, versionOrNotFound } from "./shared.js";
import { POLICY_VERSION_ENTITY } from "./store.js";

/** Withdraws a version that has not taken effect; 409 once it has, or if withdrawn already. */
export async function withdrawPolicyVersion(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PolicyVersionView> {
  allow(ctx, "policy.publish");
  const by = userIdOf(ctx.actor);
  if (by === null) throw new AppError("forbidden", "withdrawing a policy needs a signed-in admin");
  await deps.db.transaction().execute(async (trx) => {
    const row = id.length > 200 ? undefined : await findPolicyVersionRow(trx, id);
    if (row === undefined) throw notFound("policy version");
    const now = deps.clock();
    if (row.withdrawn_at !== null) {
      throw new AppError("conflict", `policy version "${id}" was withdrawn already`, [], {
        withdrawnAt: row.withdrawn_at,
      });
    }
    if (fromDbInstant(row.effective_at) <= now) {
      throw new AppError(
        "conflict",
        `policy version "${id}" took effect at ${row.effective_at}; a version in force or past is never withdrawn (publish a new one instead)`,
        [],
        { effectiveAt: row.effective_at },
      );
    }
    if (!(await markWithdrawn(trx, id, toDbInstant(now), by))) {
      throw new AppError("conflict", `policy version "${id}" was withdrawn meanwhile`);
    }
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "policy.withdraw",
      entityType: POLICY_VERSION_ENTITY,
      entityId: id,
      summary: { effectiveAt: row.effective_at },
      ip: ctx.ip,
      at: now,
    });
  });
  deps.policies.forget();
  return presentVersion(await versionOrNotFound(deps, id), await timelineNow(deps));
}
