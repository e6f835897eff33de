// What every payout verb shares: loading a payout the caller may see (locked for writes), the
// version check, the core's payout errors as API errors, and the end of every write (its audit
// event, then the payout as it now stands).

import type { Transaction } from "kysely";
import {
  actorRef,
  payoutDutyRefusal,
  refusal,
  visibleOrNotFound,
  type Action,
} from "../../core/access/index.js";
import type { FailedPayout, PayoutError, WayForwardError } from "../../core/payouts/index.js";
import type { PaymentMethod, Policy } from "../../core/policy/index.js";
import { appendAudit, type JsonValue } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import { assertVisible } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { findDisputesOfPayment } from "../disputes/repository.js";
import { presentPayout, type PayoutJson } from "./present.js";
import { findListedPayout } from "./queries.js";
import {
  decisionFacts,
  findPayout,
  lockPayout,
  parseApprovals,
  type PayoutRow,
} from "./repository.js";

export const PAYOUT = "payout";

/**
 * The policy a payout was approved under (ADR 0025): the version in force at the approval, which
 * fixed its due window and how a crypto refund is valued. A payout approved before versions were
 * stored: the version in force at its creation (its approval).
 */
export async function payoutPolicy(
  deps: Pick<AppDeps, "policies">,
  row: Pick<PayoutRow, "policy_version_id" | "created_at">,
  db: Transaction<Database>,
): Promise<Policy> {
  const version =
    row.policy_version_id === null
      ? await deps.policies.inForceIn(db, Date.parse(row.created_at))
      : await deps.policies.byId(row.policy_version_id, db);
  if (version === undefined) {
    throw new AppError("unavailable", `policy version ${row.policy_version_id} is missing`);
  }
  return version.policy;
}

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
        "you already approved this payout; a different finance person must give the second approval",
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

/** The core's way-forward refusals (retry, reissue, paid outside) as API errors. */
/** A payout row as the core's way-forward rules (reissue, record outside) read it. */
export function failedPayoutOf(row: PayoutRow, decidedBy: string): FailedPayout {
  return {
    status: row.status,
    method: row.method as PaymentMethod,
    parked: row.parked_at !== null,
    failureReason: row.failure_reason,
    attempt: row.attempt,
    decidedBy,
  };
}

export function wayForwardError(e: WayForwardError, row: PayoutRow): AppError {
  switch (e.code) {
    case "not_failed":
      return new AppError(
        "invalid_transition",
        e.parked && e.status !== "failed"
          ? `the payout is parked while ${e.status}: send it back to the worker first (retry), which asks the provider whether it went out`
          : `only a failed payout can take this way; this one is ${e.status}`,
        [],
        { state: e.status, currentVersion: row.version },
      );
    case "not_card":
      return new AppError(
        "conflict",
        `a ${e.method} payout is not sent by a provider; record it, or reissue it another way`,
        [],
        { currentVersion: row.version },
      );
    case "card_unusable":
      return new AppError(
        "conflict",
        `the card cannot take refunds any more (${e.reason}); reissue the payout by another method`,
        [],
        { currentVersion: row.version },
      );
    case "same_method":
      return new AppError(
        "unprocessable",
        `the payout already is ${e.method}; pick another method`,
        [{ path: "method", message: "must differ from the payout's method" }],
      );
    case "own_decision":
      return new AppError(
        "forbidden",
        "you made the decision this payout carries out; a different finance person must act on it",
      );
    case "field":
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
  const resource = {
    clientId: facts.clientId,
    decidedBy: facts.decidedBy,
    firstApprovedBy: approvals[0]?.userId ?? null,
  };
  const visibility = visibleOrNotFound(ctx.actor, action, resource);
  const duty = visibility === "forbidden" ? payoutDutyRefusal(ctx.actor, action, resource) : null;
  // Four-eyes says why it refuses, so the person knows what to do (issue 11).
  if (duty !== null) throw new AppError("forbidden", duty, [], { currentVersion: row.version });
  assertVisible(visibility, PAYOUT, () => refusal(ctx.actor, action));
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
  const next = await findListedPayout(trx, row.id);
  if (next === undefined) throw notFound(PAYOUT);
  return presentPayout(next, await deps.policies.current(trx), now, ctx.actor);
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

/**
 * Refuses a way forward (retry, reissue, paid outside) for a payout whose charge is under an open
 * dispute, or that a lost dispute closed (issue 20): the bank may return, or returned, the money,
 * and the desk never pays twice.
 */
export async function refuseWhileDisputed(
  trx: Transaction<Database>,
  row: PayoutRow,
): Promise<void> {
  const disputes = await findDisputesOfPayment(trx, row.payment_id);
  const open = disputes.find((d) => d.closed_at === null);
  const lost =
    row.held_by_dispute !== null && (row.failure_reason ?? "").startsWith("dispute_lost");
  if (open === undefined && !lost) return;
  throw new AppError(
    "invalid_transition",
    open !== undefined
      ? `The card charge of this payout is disputed (${open.id}): nothing may be refunded from it until the dispute closes.`
      : "The card charge of this payout was disputed and the dispute was lost: the bank returned the money, so this payout must not be sent.",
    [],
    { state: row.status, currentVersion: row.version },
  );
}
