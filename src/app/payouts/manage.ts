// What people do with payouts: read and list them (finance's due / at-risk / overdue views), approve
// them (four-eyes above the policy's threshold, never one's own decision), record a manual payout
// as sent (bank reference, crypto transaction hash and rate), give the crypto refund address
// (clients), and send a parked payout back to the worker. Each write is one transaction with its
// audit event, on a locked payout row, and checks the version the caller saw.

import type { Transaction } from "kysely";
import { visibleOrNotFound, userIdOf, actorRef, type Action } from "../../core/access/index.js";
import { dialectOf } from "../../db/connection.js";
import { parseMoney } from "../../core/money/money.js";
import {
  approve,
  checkDestination,
  PAYOUT_STATUSES,
  recordManual,
  thresholdsOf,
  type Awaiting,
  type DeadlineFilter,
  type PayoutError,
  type PayoutStatus,
} from "../../core/payouts/index.js";
import { PAYMENT_METHODS } from "../../core/policy/index.js";
import { appendAudit, type JsonValue } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import { fromDbMinor, toDbMinor } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import { assertVisible } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField, notFound } from "../errors.js";
import { parseLimit, type Page } from "../orders/page.js";
import { countOpenPayouts, findListedPayout, findPayoutsPage, type PayoutFilter } from "./query.js";
import { presentPayout, todayIn, type PayoutJson } from "./present.js";
import {
  decisionFacts,
  findPayout,
  lockPayout,
  notifyPayoutClient,
  parseApprovals,
  stateOf,
  type PayoutRow,
} from "./repository.js";

const PAYOUT = "payout";

function payoutError(e: PayoutError, row: PayoutRow): AppError {
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

async function loadVisible(
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
async function finish(
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
  return presentPayout(next, deps.policy, now, ctx.actor);
}

function checkVersion(row: PayoutRow, expected: number): void {
  if (row.version !== expected) {
    throw new AppError(
      "version_conflict",
      "the payout changed since you read it; reload and try again",
      [],
      { state: row.status, currentVersion: row.version },
    );
  }
}

export async function getPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PayoutJson> {
  const { row } = await loadVisible(deps, ctx, id, "payout.read", false);
  const listed = await findListedPayout(deps.db, row.id);
  if (listed === undefined) throw notFound(PAYOUT);
  return presentPayout(listed, deps.policy, deps.clock(), ctx.actor);
}

export interface ListPayoutsQuery {
  readonly status?: PayoutStatus;
  readonly deadline?: DeadlineFilter;
  readonly method?: string;
  readonly requestId?: string;
  readonly parked?: boolean;
  readonly awaiting?: Awaiting;
  readonly limit?: string;
  readonly cursor?: string;
}

/**
 * Payouts by latest due date (most urgent first). A client lists only its own. `deadline` and
 * `awaiting` are decided by the core, exactly as each payout's own fields (see query.ts).
 */
export async function listPayouts(
  deps: AppDeps,
  ctx: ActionContext,
  query: ListPayoutsQuery,
): Promise<Page<PayoutJson>> {
  // Clients list their own payouts only (the query below filters by client).
  assertVisible(
    visibleOrNotFound(
      ctx.actor,
      "payout.read",
      ctx.actor.role === "client" ? { clientId: ctx.actor.clientId } : {},
    ),
    PAYOUT,
  );
  const limit = parseLimit(query.limit, "limit");
  const now = deps.clock();
  const filter: PayoutFilter = {
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.deadline === undefined ? {} : { deadline: query.deadline }),
    ...(query.method === undefined ? {} : { method: query.method }),
    ...(query.requestId === undefined ? {} : { requestId: query.requestId }),
    ...(query.parked === undefined ? {} : { parked: query.parked }),
    ...(query.awaiting === undefined ? {} : { awaiting: query.awaiting }),
    ...(ctx.actor.role === "client" ? { clientId: ctx.actor.clientId } : {}),
  };
  const page = await findPayoutsPage(deps.db, deps.policy, now, filter, limit, query.cursor);
  return {
    items: page.rows.map((r) => presentPayout(r, deps.policy, now, ctx.actor)),
    nextCursor: page.nextCursor,
  };
}

export interface PayoutSummary {
  today: string;
  dueToday: number;
  overdue: number;
  atRisk: number;
  onTrack: number;
  needsAction: number;
  awaitingApproval: number;
  awaitingSecondApproval: number;
  awaitingDestination: number;
  awaitingRecord: number;
  awaitingProvider: number;
  awaitingAction: number;
  inFlight: number;
  unknown: number;
  parked: number;
  failed: number;
}

/** Finance's dashboard counts, by the same core rules as the list filters. */
export async function payoutSummary(deps: AppDeps, ctx: ActionContext): Promise<PayoutSummary> {
  assertVisible(visibleOrNotFound(ctx.actor, "payout.read", {}), PAYOUT);
  if (ctx.actor.role === "client") throw new AppError("forbidden", "finance's view");
  const now = deps.clock();
  const c = await countOpenPayouts(deps.db, deps.policy, now);
  return {
    today: todayIn(deps.policy, now),
    dueToday: c.deadline.due_today,
    overdue: c.deadline.overdue,
    atRisk: c.deadline.at_risk,
    onTrack: c.deadline.on_track,
    needsAction: c.deadline.needs_action,
    awaitingApproval: c.awaiting.approval,
    awaitingSecondApproval: c.awaiting.second_approval,
    awaitingDestination: c.awaiting.destination,
    awaitingRecord: c.awaiting.record,
    awaitingProvider: c.awaiting.provider,
    awaitingAction: c.awaiting.action,
    inFlight: (c.byStatus.submitting ?? 0) + (c.byStatus.pending ?? 0),
    unknown: c.byStatus.unknown ?? 0,
    parked: c.parked,
    failed: c.byStatus.failed ?? 0,
  };
}

/**
 * A finance approval. The first releases the payout (or, above the policy's threshold, waits for a
 * second person); a released card payout goes to the worker at once.
 */
export async function approvePayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  expectedVersion: number,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const peek = id.length > 200 ? undefined : await findPayout(trx, id);
    const action: Action =
      peek !== undefined && parseApprovals(peek.approvals).length > 0
        ? "payout.approve_second"
        : "payout.execute";
    const { row, decidedBy } = await loadVisible(deps, ctx, id, action, true, trx);
    checkVersion(row, expectedVersion);
    const userId = userIdOf(ctx.actor);
    if (userId === null) throw new AppError("forbidden", "an approval needs a signed-in person");
    const now = deps.clock();
    const result = approve(stateOf(row, decidedBy), userId, now, thresholdsOf(deps.policy.payouts));
    if (!result.ok) throw payoutError(result.error, row);
    const at = toDbInstant(now);
    const ready = result.value.released && row.method === "card";
    await trx
      .updateTable("payouts")
      .set({
        approvals: JSON.stringify(result.value.approvals),
        executed_by: row.executed_by ?? userId,
        next_attempt_at: ready ? at : row.next_attempt_at,
        updated_at: at,
        version: row.version + 1,
      })
      .where("id", "=", row.id)
      .execute();
    return finish(
      trx,
      deps,
      ctx,
      row,
      now,
      result.value.released ? "payout.released" : "payout.approved",
      {
        approvals: result.value.approvals.length,
        released: result.value.released,
        amount: { amount: row.amount_minor, currency: row.currency },
      },
    );
  });
}

export interface RecordPayoutInput {
  readonly expectedVersion: number;
  readonly reference: string;
  readonly crypto?: { readonly rate: string; readonly coins: { amount: string; currency: string } };
}

/**
 * Finance records a manual payout (bank transfer, other, crypto) as sent. The payment's refunded
 * total grows by what went back in its own currency (the coins, for crypto), under its row lock.
 */
export async function recordPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: RecordPayoutInput,
): Promise<PayoutJson> {
  let crypto: { rate: string; coins: ReturnType<typeof parseMoney> } | undefined;
  if (input.crypto !== undefined) {
    // A plain decimal (no sign, exponent or spaces) with at least one non-zero digit.
    const rate = input.crypto.rate;
    if (!/^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$/.test(rate) || !/[1-9]/.test(rate)) {
      throw invalidField("crypto.rate", "must be a positive decimal string, fiat per coin");
    }
    const coins = parseMoney(input.crypto.coins.amount, input.crypto.coins.currency);
    if (!coins.ok) throw invalidField(`crypto.coins.${coins.field}`, coins.message);
    crypto = { rate, coins };
  }
  return deps.db.transaction().execute(async (trx) => {
    const { row, decidedBy } = await loadVisible(deps, ctx, id, "payout.execute", true, trx);
    checkVersion(row, input.expectedVersion);
    const coins = crypto?.coins.ok === true ? crypto.coins.value : undefined;
    const result = recordManual(
      stateOf(row, decidedBy),
      {
        reference: input.reference,
        ...(crypto !== undefined && coins !== undefined
          ? { crypto: { rate: crypto.rate, coins } }
          : {}),
      },
      deps.policy.params.cryptoRefundValuation,
      thresholdsOf(deps.policy.payouts),
    );
    if (!result.ok) throw payoutError(result.error, row);
    const now = deps.clock();
    const at = toDbInstant(now);
    const pq = trx
      .selectFrom("payments")
      .select(["currency", "refunded_minor", "amount_minor"])
      .where("id", "=", row.payment_id);
    const payment = await (
      dialectOf(trx) === "postgres" ? pq.forUpdate() : pq
    ).executeTakeFirstOrThrow();
    const back =
      coins !== undefined && coins.currency === payment.currency
        ? coins.minor
        : row.currency === payment.currency
          ? fromDbMinor(row.amount_minor)
          : 0n;
    const refunded = fromDbMinor(payment.refunded_minor) + back;
    if (refunded > fromDbMinor(payment.amount_minor)) {
      throw new AppError("conflict", "that would give back more than the payment captured", [
        { path: "crypto.coins.amount", message: "more than the payment captured" },
      ]);
    }
    await trx
      .updateTable("payments")
      .set({ refunded_minor: toDbMinor(refunded), updated_at: at })
      .where("id", "=", row.payment_id)
      .execute();
    await trx
      .updateTable("payouts")
      .set({
        status: "succeeded",
        manual_reference: input.reference.trim(),
        crypto_rate: crypto?.rate ?? null,
        crypto_amount_minor: coins === undefined ? null : toDbMinor(coins.minor),
        crypto_currency: coins?.currency ?? null,
        succeeded_at: at,
        next_attempt_at: null,
        updated_at: at,
        version: row.version + 1,
      })
      .where("id", "=", row.id)
      .execute();
    await notifyPayoutClient(trx, row, "refund_sent", now);
    return finish(trx, deps, ctx, row, now, "payout.recorded", {
      method: row.method,
      reference: input.reference.trim(),
      amount: { amount: row.amount_minor, currency: row.currency },
      ...(coins === undefined || crypto === undefined
        ? {}
        : {
            rate: crypto.rate,
            coins: { amount: toDbMinor(coins.minor), currency: coins.currency },
          }),
    });
  });
}

export interface DestinationInput {
  readonly expectedVersion: number;
  readonly network: string;
  readonly address: string;
}

/** The client gives (or corrects, until the payout is sent) the address a crypto refund goes to. */
export async function setPayoutDestination(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: DestinationInput,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await loadVisible(deps, ctx, id, "payout.set_destination", true, trx);
    checkVersion(row, input.expectedVersion);
    if (row.method !== "crypto") {
      throw new AppError("conflict", "only crypto payouts go to an address");
    }
    if (row.status !== "scheduled") {
      throw new AppError("invalid_transition", `the payout is ${row.status}`, [], {
        state: row.status,
        currentVersion: row.version,
      });
    }
    const payment = await trx
      .selectFrom("payments")
      .select("currency")
      .where("id", "=", row.payment_id)
      .executeTakeFirstOrThrow();
    const destination = {
      asset: payment.currency,
      network: input.network,
      address: input.address.trim(),
    };
    const problem = checkDestination(destination);
    if (problem !== null) throw invalidField(problem.field, problem.message);
    const now = deps.clock();
    const at = toDbInstant(now);
    await trx
      .updateTable("payouts")
      .set({ destination: JSON.stringify(destination), updated_at: at, version: row.version + 1 })
      .where("id", "=", row.id)
      .execute();
    return finish(trx, deps, ctx, row, now, "payout.destination", {
      asset: destination.asset,
      network: destination.network,
      address: destination.address,
    });
  });
}

/** Sends a parked payout back to the worker, which reconciles it before anything else. */
export async function retryPayout(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  expectedVersion: number,
): Promise<PayoutJson> {
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await loadVisible(deps, ctx, id, "payout.execute", true, trx);
    checkVersion(row, expectedVersion);
    if (row.parked_at === null) {
      throw new AppError("conflict", "only a parked payout can be sent back to the worker", [], {
        state: row.status,
        currentVersion: row.version,
      });
    }
    const now = deps.clock();
    const at = toDbInstant(now);
    await trx
      .updateTable("payouts")
      .set({
        parked_at: null,
        attempts: 0,
        next_attempt_at: at,
        updated_at: at,
        version: row.version + 1,
      })
      .where("id", "=", row.id)
      .execute();
    return finish(trx, deps, ctx, row, now, "payout.unparked", {
      status: row.status,
      attempts: row.attempts,
    });
  });
}

export { PAYOUT_STATUSES, PAYMENT_METHODS };
