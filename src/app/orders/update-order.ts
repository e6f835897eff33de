// PATCH /orders/:id: changes an order's facts (started, delivered, promised dates, the current
// subscription period) under optimistic concurrency, then re-evaluates the order's open refund
// requests in the same transaction, so a recommendation never rests on facts that changed.

import type { Updateable } from "kysely";
import type { Billing } from "../../core/policy/types.js";
import { appendAudit, type JsonValue } from "../../db/audit.js";
import type { OrderRow, OrdersTable } from "../../db/schema.js";
import { fromDbInstantOrNull, toDbInstant, toDbInstantOrNull } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { checkSubscription, parseOrderChanges, type Subscription } from "./input.js";
import { instantJson, presentOrder, type OrderJson } from "./present.js";
import { updateOrderAtVersion } from "./repository.js";
import { findOrder, lockOrderFor, orThrow, reevaluate, writerOf } from "./shared.js";

function versionConflict(id: string, current: number, expected: number): AppError {
  return new AppError(
    "version_conflict",
    `order ${id} is at version ${current}, not ${expected}; reload it and try again`,
    [{ path: "body.expectedVersion", message: `the current version is ${current}` }],
    { currentVersion: current },
  );
}

function currentSubscription(row: OrderRow): Subscription | null {
  const start = fromDbInstantOrNull(row.subscription_period_start);
  const end = fromDbInstantOrNull(row.subscription_period_end);
  if (start === null || end === null || row.subscription_charge_ref === null) return null;
  return { periodStart: start, periodEnd: end, chargeRef: row.subscription_charge_ref };
}

const INSTANT_COLUMNS = {
  promisedStartBy: "promised_start_by",
  promisedDeliveryBy: "promised_delivery_by",
  startedAt: "started_at",
  deliveredAt: "delivered_at",
} as const;

function subscriptionJson(s: Subscription | null): JsonValue {
  if (s === null) return null;
  return {
    periodStart: instantJson(toDbInstant(s.periodStart)),
    periodEnd: instantJson(toDbInstant(s.periodEnd)),
    chargeRef: s.chargeRef,
  };
}

/** Changes an order's facts; `expectedVersion` must be the version the caller saw. */
export async function updateOrder(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  raw: unknown,
): Promise<OrderJson> {
  const changes = orThrow(parseOrderChanges(raw, "body"));
  const w = writerOf(deps, ctx);
  return deps.db.transaction().execute(async (trx) => {
    const row = await lockOrderFor(trx, ctx.actor, "order.write", id);
    const current = Number(row.version);
    if (current !== changes.expectedVersion) {
      throw versionConflict(id, current, changes.expectedVersion);
    }
    const set: Updateable<OrdersTable> = {};
    const diff: Record<string, JsonValue> = {};
    for (const key of Object.keys(INSTANT_COLUMNS) as (keyof typeof INSTANT_COLUMNS)[]) {
      const next = changes[key];
      if (next === undefined) continue;
      const column = INSTANT_COLUMNS[key];
      const before = row[column];
      const after = toDbInstantOrNull(next);
      if (before === after) continue;
      set[column] = after;
      diff[key] = {
        from: before === null ? null : instantJson(before),
        to: after === null ? null : instantJson(after),
      };
    }
    if (changes.subscription !== undefined) {
      const before = currentSubscription(row);
      const after = changes.subscription;
      const checked = checkSubscription(row.service_billing as Billing, after, "body");
      if (!checked.ok) orThrow(checked);
      const beforeJson = subscriptionJson(before);
      const afterJson = subscriptionJson(after);
      if (JSON.stringify(beforeJson) !== JSON.stringify(afterJson)) {
        set.subscription_period_start = toDbInstantOrNull(after?.periodStart ?? null);
        set.subscription_period_end = toDbInstantOrNull(after?.periodEnd ?? null);
        set.subscription_charge_ref = after?.chargeRef ?? null;
        diff["subscription"] = { from: beforeJson, to: afterJson };
      }
    }
    // Nothing differs: the order stays as it is (no new version, no audit entry, no re-evaluation).
    if (Object.keys(diff).length === 0) return presentOrder(row);

    // A concurrent change between our read and this write (PostgreSQL read committed).
    if (!(await updateOrderAtVersion(trx, id, current, set, toDbInstant(w.now)))) {
      const now = await findOrder(trx, id);
      throw versionConflict(id, Number(now?.version ?? current), changes.expectedVersion);
    }
    await appendAudit(trx, {
      actor: w.actorRef,
      action: "order.changed",
      entityType: "order",
      entityId: id,
      summary: { orderId: id, version: current + 1, changes: diff },
      ip: w.ip,
      at: w.now,
    });
    await reevaluate(deps, trx, id, w);
    const after = await findOrder(trx, id);
    if (after === undefined) throw new Error(`order ${id} vanished inside its transaction`);
    return presentOrder(after);
  });
}
