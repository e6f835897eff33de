// Who has which request: a reviewer claims one, an admin or reviewer assigns it to a reviewer,
// or takes it back. One transaction: the core's assignReviewer decides, the row is saved under
// optimistic concurrency, the change is audited.

import { userIdOf } from "../../core/access/index.js";
import { assignReviewer } from "../../core/requests/index.js";
import { dialectOf } from "../../db/connection.js";
import { authorize } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField, notFound } from "../errors.js";
import { getRequest } from "./get-request.js";
import type { RequestView } from "./present.js";
import { applyEffects } from "./apply-effects.js";
import {
  findAssignee,
  findRequestRow,
  loadSnapshot,
  lockOrder,
  saveSnapshot,
} from "./repository.js";

export type AssignInput =
  | { readonly mode: "claim"; readonly expectedVersion?: number }
  | { readonly mode: "assign"; readonly userId: string; readonly expectedVersion?: number }
  | { readonly mode: "unassign"; readonly expectedVersion?: number };

/** Claims, assigns or unassigns request `requestId`; answers the request as it is now. */
export async function assignRequest(
  deps: AppDeps,
  ctx: ActionContext,
  requestId: string,
  input: AssignInput,
): Promise<RequestView> {
  await deps.db.transaction().execute(async (trx) => {
    const first = await findRequestRow(trx, requestId);
    if (first === undefined) throw notFound("request");
    authorize(ctx.actor, "request.assign", first.client_id, "request");
    let assignee: string | null = null;
    if (input.mode === "claim") assignee = userIdOf(ctx.actor);
    if (input.mode === "assign") {
      const user = await findAssignee(trx, input.userId);
      if (user === undefined || Number(user.disabled) !== 0) {
        throw invalidField("body.userId", "no active user has this id");
      }
      if (user.role !== "qa" && user.role !== "admin") {
        throw invalidField("body.userId", "is not a reviewer (role qa or admin)");
      }
      assignee = user.id;
    }
    const order = await lockOrder(trx, first.order_id);
    if (order === undefined) throw notFound("request");
    const row = dialectOf(trx) === "postgres" ? await findRequestRow(trx, requestId) : first;
    if (row === undefined) throw notFound("request");
    const loaded = await loadSnapshot(trx, row, order.price_currency);
    const now = deps.clock();
    const result = assignReviewer(loaded.snapshot, assignee, {
      actor: ctx.actor,
      now,
      ...(input.expectedVersion === undefined ? {} : { expectedVersion: input.expectedVersion }),
    });
    if (!result.ok) {
      const e = result.error;
      const where = { state: row.status, currentVersion: row.version };
      switch (e.code) {
        case "forbidden":
          throw new AppError("forbidden", "Only reviewers assign requests.");
        case "version_conflict":
          throw new AppError(
            "version_conflict",
            `Someone changed the request since you loaded it; it is now at version ${e.currentVersion}. Reload it and try again.`,
            [
              {
                path: "body.expectedVersion",
                message: `is stale; current version is ${e.currentVersion}`,
              },
            ],
            where,
          );
        case "request_closed":
          throw new AppError(
            "invalid_transition",
            "The request is closed, so there is nobody to assign it to.",
            [],
            where,
          );
        case "appeal_needs_other_reviewer":
          throw new AppError(
            "forbidden",
            "This reviewer denied the request; its appeal must go to another reviewer.",
          );
      }
    }
    const { next, effects } = result.value;
    if (!(await saveSnapshot(trx, loaded.snapshot, next))) {
      throw new AppError(
        "version_conflict",
        "Someone changed the request while it was being assigned; reload it and try again.",
      );
    }
    await applyEffects(trx, ctx, next, effects, now, {
      auditDetails: { reviewerId: next.reviewerId, previousReviewerId: loaded.snapshot.reviewerId },
    });
  });
  return getRequest(deps, ctx, requestId);
}
