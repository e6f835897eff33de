// What every payout verb shares: loading a payout the caller may see (locked for writes), the
// version check, the core's payout errors as API errors, and the end of every write (its audit
// event, then the payout as it now stands).

import type { Transaction } from "kysely";
import { visibleOrNotFound, actorRef, type Action } from "../../core/access/index.js";
import type { PayoutError } from "../../core/payouts/index.js";
import { appendAudit, type JsonValue } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import { assertVisible } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { presentPayout, type PayoutJson } from "./present.js";
import {
  decisionFacts,
  findPayout,
  lockPayout,
  parseApprovals,
  type PayoutRow,
} from "./repository.js";

export const PAYOUT = "payout";

export function payoutError(e: PayoutError, row: PayoutRow): AppError {
  switch (e.code) {
    case "invalid_state":
      return new AppError("invalid_transition", `the payout is ${e.status}`, [], {
        state: e.status,
        currentVersion: row.version,
      });
    case "own_decision":
      return new AppError("forbidden", "nobody releases a payout for a decision they made");
    case "already_approved_by_you":
      return new AppError(
        "conflict",
        "you already approved this payout; four-eyes needs someone else",
        [],
        {
          currentVersion: row.version,
        },
      );
    case "already_released":
      return new AppError("conflict", "the payout already has every approval it needs", [], {
        currentVersion: row.version,
      });
    case "wrong_method":
      return new AppError(
        "conflict",
        `a ${e.method} payout is sent by the provider, not recorded by hand`,
      );
    case "not_released":
      return new AppError("conflict", "the payout still needs its approvals", [], {
        currentVersion: row.version,
      });
    case "destination_missing":
      return new AppError("conflict", "the client has not given a refund address yet");
    case "reference_required":
      return new AppError("unprocessable", `${e.field}: ${e.message}`, [
        { path: e.field, message: e.message },
      ]);
  }
}

export async function loadVisible(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  action: Action,
  lock: boolean,
  db = deps.db,
): Promise<{ row: PayoutRow; decidedBy: string; clientId: string }> {
  const row = id.length > 200 ? undefined : await (lock ? lockPayout(db, id) : findPayout(db, id));
  if (row === undefined) throw notFound(PAYOUT);
  const facts = await decisionFacts(db, row);
  const approvals = parseApprovals(row.approvals);
  assertVisible(
    visibleOrNotFound(ctx.actor, action, {
      clientId: facts.clientId,
      decidedBy: facts.decidedBy,
      firstApprovedBy: approvals[0]?.userId ?? null,
    }),
    PAYOUT,
  );
  return { row, ...facts };
}

/** The end of every payout write: its audit event, then the payout as it now stands. */
export async function finish(
  trx: Transaction<Database>,
  deps: AppDeps,
  ctx: ActionContext,
  row: PayoutRow,
  now: number,
  action: string,
  summary: Readonly<Record<string, JsonValue>>,
): Promise<PayoutJson> {
  await appendAudit(trx, {
    actor: actorRef(ctx.actor),
    action,
    entityType: PAYOUT,
    entityId: row.id,
    summary,
    ip: ctx.ip,
    at: now,
  });
  const next = await findPayout(trx, row.id);
  return presentPayout(next ?? row, deps.policy, now, ctx.actor);
}

export function checkVersion(row: PayoutRow, expected: number): void {
  if (row.version !== expected) {
    throw new AppError(
      "version_conflict",
      "the payout changed since you read it; reload and try again",
      [],
      { state: row.status, currentVersion: row.version },
    );
  }
}
