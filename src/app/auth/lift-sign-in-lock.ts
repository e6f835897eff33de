// An admin lifts the sign-in locks of an account (after checking with its owner): the account's
// own backoff and every (account, address) lock; an address's own ceiling stays.

import { appendAudit } from "../../db/audit.js";
import type { AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { callerIp, callerRef, requireAccountAdmin, type Caller } from "./common.js";
import { findUserEmail } from "./repository.js";
import { liftAccountLocks } from "./throttle.js";

/** Lifts the locks of user `userId`; answers how many throttle entries were removed. */
export async function liftSignInLock(
  deps: AppDeps,
  ctx: Caller,
  userId: string,
): Promise<{ lifted: number }> {
  requireAccountAdmin(ctx);
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const user = await findUserEmail(trx, userId);
    if (user === undefined) throw notFound("user");
    const lifted = await liftAccountLocks(trx, user.email);
    await appendAudit(trx, {
      actor: callerRef(ctx),
      action: "user.sign_in_lock_lifted",
      entityType: "user",
      entityId: user.id,
      summary: { lifted },
      ip: callerIp(ctx),
      at: now,
    });
    return { lifted };
  });
}
