// The worker's side of card payouts, exactly once:
//
// 1. claim   (one transaction): take due payouts under a lease (PostgreSQL: FOR UPDATE SKIP LOCKED,
//            so several workers share the work without waiting on each other), check the payment
//            can still give the amount back, mark each `submitting`, commit.
// 2. call    the provider with the idempotency key derived from the payout id. A payout whose
//            previous attempt ended without a clear answer (`unknown`, or `submitting` with an
//            expired lease: its worker died) is first looked up at the provider (reconciliation)
//            and only sent again when the provider has no refund for it; the same idempotency key
//            makes even that second send harmless.
// 3. record  (one transaction): the outcome, the payment's refunded total, the client's
//            notification and the audit event, unless the payout already settled (a webhook won).
//
// A crash between any two steps leaves a payout in `submitting` or `unknown` with a lease that runs
// out; the next claim reconciles it. Nothing is ever sent twice blindly, nothing is lost.

import type { Transaction } from "kysely";
import type { Database } from "../../db/schema.js";
import { applyOutcome, idempotencyKeyOf, type Outcome } from "../../core/payouts/index.js";
import { appendAudit } from "../../db/audit.js";
import { fromDbMinor } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import type { CardProvider } from "./ports.js";
import type { AppDeps } from "../context.js";
import { enqueueOutbox } from "../../db/outbox.js";
import { readLedger } from "../../db/ledger.js";
import { capOf, refundable } from "../../core/ledger/refundable.js";
import { isDisputeRefusal } from "../../core/disputes/index.js";
import { CHARGE_DISPUTED } from "../disputes/record-dispute.js";
import { findDisputesOfPayment, holdPayoutRow } from "../disputes/repository.js";
import {
  lockPaymentTotals,
  paymentProviderRef,
  setPaymentRefunded,
  lockPayout,
  alertFinanceNeedsAction,
  notifyPayoutClient,
  claimablePayouts,
  claimPayout,
  releasePayoutLease,
  updatePayout,
  overduePayouts,
  payoutCountsByStatus,
  type PayoutRow,
} from "./repository.js";

export interface PayoutRunnerOptions {
  /** Who holds the lease (worker id); recorded on the row. */
  readonly workerId: string;
  /** How long a claim holds a payout: longer than the provider's timeout. */
  readonly leaseMs: number;
  /** Attempts without a clear answer before a payout is parked for finance. */
  readonly maxAttempts: number;
  /** First retry delay; doubles per attempt, capped at an hour. */
  readonly baseBackoffMs: number;
  /** How often a pending refund is looked up if no webhook settles it. */
  readonly pendingPollMs: number;
  /**
   * Test hook: called at the four points a crash matters (`claimed`: inside the claim transaction;
   * `committed`: claim committed, before the provider call; `answered`: provider answered, before
   * the record; `recorded`: after the record commit). Production passes nothing.
   */
  readonly faultPoint?: (point: "claimed" | "committed" | "answered" | "recorded") => void;
}

export const DEFAULT_RUNNER: Omit<PayoutRunnerOptions, "workerId"> = {
  leaseMs: 60_000,
  maxAttempts: 8,
  baseBackoffMs: 5_000,
  pendingPollMs: 15 * 60_000,
};

/** A claimed payout: what to do with it. */
export interface Claimed {
  readonly row: PayoutRow;
  readonly chargeRef: string | null;
  /** Submit directly (first attempt), or look up first (the last attempt's end is not known). */
  readonly mode: "submit" | "reconcile";
  /** Claimed but cannot go: payment lacks the money or has no provider reference. */
  readonly refuse?: string;
}

export function backoffMs(
  attempts: number,
  opts: Pick<PayoutRunnerOptions, "baseBackoffMs">,
): number {
  return Math.min(opts.baseBackoffMs * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * Claims up to `limit` card payouts that are due: released and scheduled, or unknown / pending
 * whose retry time has come, or submitting with an expired lease. Returns them with the lease held.
 */
export async function claimCardPayouts(
  deps: AppDeps,
  opts: PayoutRunnerOptions,
  limit: number,
): Promise<Claimed[]> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock();
    const at = toDbInstant(now);
    const rows = await claimablePayouts(trx, at, limit);
    if (rows.length > 0) opts.faultPoint?.("claimed");
    const out: Claimed[] = [];
    const until = toDbInstant(now + opts.leaseMs);
    for (const row of rows) {
      if (row.status === "scheduled") {
        const facts = await readLedger(trx, { paymentIds: [row.payment_id] }, { lock: true });
        if (facts.payments[0]?.disputes?.open === true) {
          // The charge is disputed (issue 20): the payout is held, not refused and not sent.
          await holdForDispute(trx, row, "the charge is disputed", now);
          continue;
        }
      }
      let refuse: string | undefined;
      let mode: Claimed["mode"] = row.status === "scheduled" ? "submit" : "reconcile";
      let chargeRef: string | null;
      if (row.status === "scheduled") {
        // The last line of defence against over-refunding: under the payment's lock, this payout
        // must still fit beside every other refund of the payment that went or is going back
        // (the ledger's one rule, the payout itself left out of the count).
        const facts = await readLedger(trx, { paymentIds: [row.payment_id] }, { lock: true });
        const p = refundable(facts, { excludingPayout: row.id }).payments.get(row.payment_id);
        if (
          p === undefined ||
          fromDbMinor(row.amount_minor) > capOf(p, row.currency, facts.price.currency)
        ) {
          refuse = "the payment cannot give this amount back any more";
        }
        chargeRef = facts.payments[0]?.providerRef ?? null;
      } else {
        chargeRef = await paymentProviderRef(trx, row.payment_id);
      }
      if (chargeRef === null && refuse === undefined)
        refuse = "the card payment has no provider charge reference";
      if (refuse !== undefined) mode = "submit";
      await claimPayout(trx, row, {
        status:
          refuse !== undefined
            ? row.status
            : row.status === "scheduled"
              ? "submitting"
              : row.status,
        workerId: opts.workerId,
        until,
        at,
      });
      out.push({
        row: { ...row, attempts: row.attempts + 1, version: row.version + 1 },
        chargeRef,
        mode,
        ...(refuse === undefined ? {} : { refuse }),
      });
    }
    return out;
  });
}

/** Calls the provider for one claimed payout and records what it answered. */
export async function runClaimedPayout(
  deps: AppDeps,
  provider: CardProvider,
  opts: PayoutRunnerOptions,
  claimed: Claimed,
): Promise<Outcome | null> {
  const { row } = claimed;
  if (claimed.refuse !== undefined || claimed.chargeRef === null) {
    return recordOutcome(
      deps,
      opts,
      row.id,
      {
        kind: "failed",
        providerRef: null,
        reason: claimed.refuse ?? "no charge reference",
      },
      { force: true },
    );
  }
  opts.faultPoint?.("committed");
  if (row.reconcile_attempt !== null) {
    // A retried payout: the failed attempt is looked up first. If the provider in fact holds a
    // live refund for it (pending, succeeded) or cannot say, that attempt is the payout again and
    // nothing new is sent (issue 11: a refund never goes out twice).
    const previous = await provider.lookupRefund(claimed.chargeRef, row.id, row.reconcile_attempt);
    if (previous !== null && previous.kind !== "failed") {
      opts.faultPoint?.("answered");
      const recorded = await recordOutcome(deps, opts, row.id, previous, {
        adoptAttempt: row.reconcile_attempt,
      });
      opts.faultPoint?.("recorded");
      return recorded;
    }
  }
  const instruction = {
    payoutId: row.id,
    attempt: row.attempt,
    idempotencyKey: row.idempotency_key,
    chargeRef: claimed.chargeRef,
    amountMinor: fromDbMinor(row.amount_minor),
    currency: row.currency,
  };
  let outcome: Outcome;
  if (claimed.mode === "reconcile") {
    const found = await provider.lookupRefund(claimed.chargeRef, row.id, row.attempt);
    outcome = found !== null ? found : await provider.submitRefund(instruction);
  } else {
    outcome = await provider.submitRefund(instruction);
  }
  opts.faultPoint?.("answered");
  const recorded = await recordOutcome(deps, opts, row.id, outcome);
  opts.faultPoint?.("recorded");
  return recorded;
}

/**
 * A stopping worker whose provider call has not answered within its grace: the payout's end is
 * not known, so it is recorded `unknown` (lease returned, looked up at the provider before
 * anything is sent again), exactly as a call that timed out. Does nothing if the answer came.
 */
export async function abandonClaimedPayout(
  deps: AppDeps,
  opts: PayoutRunnerOptions,
  claimed: Claimed,
): Promise<Outcome | null> {
  return recordOutcome(
    deps,
    opts,
    claimed.row.id,
    { kind: "unknown", reason: "the worker stopped before the provider answered" },
    { attempt: claimed.row.attempt },
  );
}

/**
 * Applies a provider's answer (from the worker, a lookup or a webhook) to a payout in one
 * transaction. A settled payout does not move; returns the outcome applied, or null.
 */
export async function recordOutcome(
  deps: AppDeps,
  opts: Pick<PayoutRunnerOptions, "maxAttempts" | "baseBackoffMs" | "pendingPollMs"> & {
    readonly workerId?: string;
  },
  payoutId: string,
  outcome: Outcome,
  how: RecordHow = {},
): Promise<Outcome | null> {
  return deps.db
    .transaction()
    .execute(async (trx) => recordOutcomeIn(trx, deps, opts, payoutId, outcome, how));
}

export interface RecordHow {
  /** Record a failure without asking the provider (the worker refused to send). */
  readonly force?: boolean;
  readonly actor?: string;
  /** The attempt the answer is about: an answer about another attempt changes nothing. */
  readonly attempt?: number;
  /**
   * A retried payout whose earlier attempt turned out live at the provider: the payout goes back
   * to that attempt (its key, its refund) and the retry is void.
   */
  readonly adoptAttempt?: number;
}

/** `recordOutcome` inside the caller's transaction (the webhook records its event id with it). */
export async function recordOutcomeIn(
  trx: Transaction<Database>,
  deps: AppDeps,
  opts: Pick<PayoutRunnerOptions, "maxAttempts" | "baseBackoffMs" | "pendingPollMs"> & {
    readonly workerId?: string;
  },
  payoutId: string,
  outcome: Outcome,
  how: RecordHow = {},
): Promise<Outcome | null> {
  {
    const row = await lockPayout(trx, payoutId);
    if (row === undefined) return null;
    if (how.attempt !== undefined && how.attempt !== row.attempt) return null;
    const amount = { minor: fromDbMinor(row.amount_minor), currency: row.currency };
    if (
      how.force !== true &&
      outcome.kind === "failed" &&
      isDisputeRefusal(outcome.reason) &&
      (row.status === "scheduled" ||
        row.status === "submitting" ||
        row.status === "pending" ||
        row.status === "unknown")
    ) {
      // The provider refused because the charge is disputed (issue 20): no money went back
      // through us, and none may while the dispute is open. Held like a payout the dispute found
      // scheduled; the dispute's end releases it (won) or closes it (lost).
      await holdForDispute(trx, row, outcome.reason, deps.clock(), how.actor);
      return outcome;
    }
    const change = how.force
      ? {
          status: "failed" as const,
          providerRef: row.provider_ref,
          failureReason: outcome.kind === "failed" ? outcome.reason : "refused",
          refunded: 0n,
          notify: "refund_failed" as const,
        }
      : applyOutcome({ status: row.status, amount }, row.provider_ref, outcome);
    const now = deps.clock();
    const at = toDbInstant(now);
    if (change === null) {
      // Nothing to change, but let go of the lease so the payout is not held for nothing; a refund
      // still pending at the provider is looked at again after the poll interval, not every tick.
      if (opts.workerId !== undefined && row.claimed_by === opts.workerId) {
        await releasePayoutLease(
          trx,
          row.id,
          row.status === "pending" ? toDbInstant(deps.clock() + opts.pendingPollMs) : undefined,
        );
      }
      return null;
    }
    let nextAttempt: string | null = null;
    let parked: string | null = row.parked_at;
    if (change.status === "unknown") {
      if (row.attempts >= opts.maxAttempts) parked = at;
      else nextAttempt = toDbInstant(now + backoffMs(row.attempts, opts));
    } else if (change.status === "pending") {
      nextAttempt = toDbInstant(now + opts.pendingPollMs);
    }
    if (change.refunded > 0n) {
      const p = await lockPaymentTotals(trx, row.payment_id);
      if (p.currency === row.currency) {
        await setPaymentRefunded(trx, row.payment_id, p.refunded + change.refunded, at);
      }
    }
    await updatePayout(trx, row.id, {
      status: change.status,
      provider_ref: change.providerRef,
      failure_reason: change.failureReason,
      next_attempt_at: nextAttempt,
      parked_at: parked,
      claimed_by: null,
      claimed_until: null,
      succeeded_at: change.status === "succeeded" ? at : row.succeeded_at,
      ...(how.adoptAttempt === undefined
        ? {}
        : {
            attempt: how.adoptAttempt,
            idempotency_key: idempotencyKeyOf(row.id, how.adoptAttempt),
            reconcile_attempt: null,
          }),
      updated_at: at,
      version: row.version + 1,
    });
    if (change.notify !== null) await notifyPayoutClient(trx, row, change.notify, now);
    // Failed, or parked after too many unclear answers: finance is alerted at once (e-mail and
    // webhook `payout_needs_action`), once per failure.
    if ((change.status === "failed" || parked !== null) && row.action_alerted_at === null) {
      await alertFinanceNeedsAction(trx, row, now);
    }
    await appendAudit(trx, {
      actor: how.actor ?? `worker:${opts.workerId ?? "webhook"}`,
      action: `payout.${change.status}`,
      entityType: "payout",
      entityId: row.id,
      summary: {
        from: row.status,
        to: change.status,
        providerRef: change.providerRef,
        reason: change.failureReason,
        attempts: row.attempts,
        attempt: how.adoptAttempt ?? row.attempt,
        parked: parked !== null,
      },
      ip: null,
      at: now,
    });
    return outcome;
  }
}

/** Holds a payout for a dispute of its charge (the open one, or the provider's refusal). */
async function holdForDispute(
  trx: Transaction<Database>,
  row: PayoutRow,
  why: string,
  now: number,
  actor?: string,
): Promise<void> {
  const disputes = await findDisputesOfPayment(trx, row.payment_id);
  const open = disputes.find((d) => d.closed_at === null);
  const by = open?.id ?? CHARGE_DISPUTED;
  const at = toDbInstant(now);
  await holdPayoutRow(trx, row, {
    by,
    reason: `${CHARGE_DISPUTED}: ${why}; held until the dispute closes`,
    at,
  });
  if (row.action_alerted_at === null) await alertFinanceNeedsAction(trx, row, now);
  await appendAudit(trx, {
    actor: actor ?? "worker",
    action: "payout.held",
    entityType: "payout",
    entityId: row.id,
    summary: { dispute: by, paymentId: row.payment_id, from: row.status, reason: why },
    ip: null,
    at: now,
  });
}

/**
 * Raises the overdue alert once per payout whose latest due date has passed without success: an
 * audit event and an email to finance (outbox `notify.payout_overdue`).
 */
export async function alertOverduePayouts(deps: AppDeps, today: string): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock();
    const rows = await overduePayouts(trx, today);
    for (const r of rows) {
      await updatePayout(trx, r.id, { overdue_alerted_at: toDbInstant(now) });
      await enqueueOutbox(
        trx,
        "notify.payout_overdue",
        {
          payoutId: r.id,
          requestId: r.request_id,
          audience: "finance",
          template: "payout_overdue",
        },
        now,
      );
      await appendAudit(trx, {
        actor: "system",
        action: "payout.overdue",
        entityType: "payout",
        entityId: r.id,
        summary: { dueLatest: r.due_latest, status: r.status, today },
        ip: null,
        at: now,
      });
    }
    return rows.length;
  });
}

/** Test and operations helper: payouts by status. */
export async function countPayoutsByStatus(deps: AppDeps): Promise<Record<string, number>> {
  return payoutCountsByStatus(deps.db);
}
