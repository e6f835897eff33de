// Duplicate payments open their own refund cases (issue 4). After a payment is recorded (API,
// import, provider webhook) and by `refund-desk ledger scan`, in the caller's transaction and under
// the order's row lock: the core plans what the order's extras need (`planDuplicateCases`), and
// this stores it: a duplicate_payment request opened by the system user with the engine's
// recommendation, each extra tied to it in `duplicate_payments` (primary key: one request per extra,
// ever), and, when the core allows it (`autoApproval`), the system's approval with its decision
// row, so payouts follow. Running it again on the same order changes nothing.

import { actorRef, SYSTEM_ACTOR, SYSTEM_USER_ID } from "../../core/access/index.js";
import {
  autoApproval,
  planDuplicateCases,
  type DuplicatePlan,
} from "../../core/ledger/duplicate-cases.js";
import { refundable } from "../../core/ledger/refundable.js";
import { readLedger } from "../../db/ledger.js";
import { money } from "../../core/money/money.js";
import type { Policy } from "../../core/policy/index.js";
import { createRequest, transition, type TransitionOk } from "../../core/requests/index.js";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import { fromDbMinor, toDbMinor } from "../../db/money.js";
import type { OrderRow, RefundRequestRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import type { Writer } from "../orders/shared.js";
import { caseFromFacts, recommend, reevaluateOrderRequests } from "../requests/evaluate-order.js";
import { applyEffects } from "../requests/apply-effects.js";
import {
  insertDecision,
  insertRecommendation,
  insertRequestRow,
  loadOrderFacts,
  loadSnapshot,
  lockOrder,
  saveSnapshot,
  type Trx,
} from "../requests/repository.js";
import { candidateOf, coveredPaymentIds, duplicateRequests, tieDuplicates } from "./repository.js";

const SYSTEM_CTX: ActionContext = Object.freeze({ actor: SYSTEM_ACTOR, ip: null });

/** What became of one order's extras. */
export interface DuplicateCasesResult {
  readonly orderId: string;
  /** Every extra payment of the order (rule 2). */
  readonly extras: readonly string[];
  /** Extras already tied to a request before this call. */
  readonly alreadyCovered: readonly string[];
  /** The case opened now, if any. */
  readonly opened: {
    readonly requestId: string;
    readonly paymentIds: readonly string[];
    readonly autoApproved: boolean;
    /** Why it waits for a person (null when approved automatically). */
    readonly waitsBecause: string | null;
  } | null;
  /** Extras tied now to a duplicate-payment request that was already open. */
  readonly covered: { readonly requestId: string; readonly paymentIds: readonly string[] } | null;
}

/** What each payment of the order may still give back in its own currency (the ledger's rule). */
async function refundableByPayment(trx: Trx, orderId: string): Promise<Map<string, bigint>> {
  const left = refundable(await readLedger(trx, { orderId })).payments;
  return new Map([...left.values()].map((p) => [p.id, p.left]));
}

/**
 * Opens the duplicate-payment case the order's uncovered extras need, or ties them to the open
 * duplicate-payment request that covers them, in the caller's transaction; approves the new case
 * as the system user when the policy's `autoApprove` allows it. Locks the order row first
 * (PostgreSQL; SQLite write transactions are serial), so concurrent calls take turns and the second
 * finds the extras covered. Idempotent: a second call opens nothing.
 */
export async function openDuplicateCases(
  deps: Pick<AppDeps, "policies" | "clock" | "logger">,
  trx: Trx,
  orderId: string,
): Promise<DuplicateCasesResult> {
  const empty = (extras: readonly string[] = [], alreadyCovered: readonly string[] = []) => ({
    orderId,
    extras,
    alreadyCovered,
    opened: null,
    covered: null,
  });
  const order = await lockOrder(trx, orderId);
  if (order === undefined) return empty();
  const facts = await loadOrderFacts(trx, orderId, order);
  if (facts === undefined || facts.payments.length === 0) return empty();
  const plan: DuplicatePlan = planDuplicateCases({
    due: money(fromDbMinor(order.price_minor), order.price_currency),
    payments: facts.payments.map(candidateOf),
    covered: await coveredPaymentIds(trx, orderId),
    requests: await duplicateRequests(trx, orderId),
  });
  const now = deps.clock();

  if (plan.kind === "none") return empty(plan.extras, plan.alreadyCovered);

  if (plan.kind === "cover") {
    await tieDuplicates(trx, orderId, plan.requestId, plan.paymentIds, "covered", now);
    await appendAudit(trx, {
      actor: actorRef(SYSTEM_ACTOR),
      action: "request.duplicates_covered",
      entityType: "refund_request",
      entityId: plan.requestId,
      summary: { orderId, paymentIds: [...plan.paymentIds] },
      ip: null,
      at: now,
    });
    return {
      ...empty(plan.extras, plan.alreadyCovered),
      covered: { requestId: plan.requestId, paymentIds: plan.paymentIds },
    };
  }

  // Open a case, exactly as intake does, with the system as the author, judged under the policy
  // version in force now (read in this transaction: ADR 0025).
  const id = newId("req");
  const judgedBy = await deps.policies.inForceIn(trx, now);
  const decision = recommend(
    deps,
    judgedBy.policy,
    id,
    caseFromFacts(
      facts,
      {
        reason: "duplicate_payment",
        submittedAt: now,
        description: plan.description,
        attachments: 0,
      },
      now,
    ),
  );
  const created = createRequest(
    {
      id,
      clientId: order.client_id,
      orderId,
      reason: "duplicate_payment",
      description: plan.description,
      currency: order.price_currency,
      recommendation: decision,
      refundableTotal: money(0n, order.price_currency),
    },
    [],
    { actor: SYSTEM_ACTOR, now },
  );
  // The plan found no open duplicate-payment request, and the system may create any request.
  if (!created.ok) throw new Error(`opening a duplicate-payment case: ${created.error.code}`);

  const approval = autoApproval({
    autoApprove: judgedBy.policy.params.autoApprove,
    recommendation: decision,
    casePaymentIds: plan.paymentIds,
    refundable: await refundableByPayment(trx, orderId),
  });

  const at = toDbInstant(now);
  const row: RefundRequestRow = {
    id,
    order_id: orderId,
    client_id: order.client_id,
    reason: "duplicate_payment",
    description: plan.description,
    status: created.value.next.status,
    version: created.value.next.version,
    submitted_at: at,
    updated_at: at,
    reviewer_id: null,
    open_question: null,
    closed_at: null,
    alternative_json: null,
    recommendation_id: null,
    reply_by: null,
    reply_reminded_at: null,
    waiting_since: at,
    last_client_reply_at: null,
    appealed_at: null,
    appeal_denied_by: null,
    purged_at: null,
    policy_version_id: judgedBy.id,
  };
  const recommendationId = decision === null ? null : newId("rec");
  await insertRequestRow(trx, { ...row, recommendation_id: recommendationId });
  const stored =
    decision === null || recommendationId === null
      ? null
      : await insertRecommendation(trx, id, decision, now, recommendationId);
  await tieDuplicates(trx, orderId, id, plan.paymentIds, "opened", now);
  await applyEffects(trx, SYSTEM_CTX, created.value.next, created.value.effects, now, {
    auditDetails: {
      reason: "duplicate_payment",
      openedAutomatically: true,
      paymentIds: [...plan.paymentIds],
      recommendationId,
      recommendation:
        stored === null
          ? null
          : {
              outcome: stored.json.outcome,
              amount: stored.json.amount === null ? null : { ...stored.json.amount },
              policyVersion: stored.json.policyVersion,
            },
      autoApproval: approval.approve ? "approved" : approval.why,
    },
  });

  let autoApproved = false;
  let waitsBecause: string | null = approval.approve ? null : approval.why;
  if (approval.approve) {
    // The approval is now too: its payouts' due window comes from the version in force now.
    const refusal = await approveAsSystem(
      judgedBy.policy,
      trx,
      { ...row, recommendation_id: recommendationId },
      order,
      approval,
      now,
    );
    autoApproved = refusal === null;
    waitsBecause = refusal;
  }
  return {
    ...empty(plan.extras, plan.alreadyCovered),
    opened: { requestId: id, paymentIds: plan.paymentIds, autoApproved, waitsBecause },
  };
}

/**
 * Takes the new case into review and approves it as the system user, both transitions checked by
 * the core before either is stored; a refusal (the ledger cannot give the amount back) leaves the
 * case submitted for a person and is returned as text.
 */
async function approveAsSystem(
  policy: Policy,
  trx: Trx,
  row: RefundRequestRow,
  order: OrderRow,
  approval: Extract<ReturnType<typeof autoApproval>, { approve: true }>,
  now: number,
): Promise<string | null> {
  const loaded = await loadSnapshot(trx, row, order.price_currency);
  const ctx = { actor: SYSTEM_ACTOR, now };
  const review = transition(
    loaded.snapshot,
    { type: "start_review", expectedVersion: loaded.snapshot.version },
    ctx,
  );
  if (!review.ok) return `automatic approval refused: ${review.error.code}`;
  const approve = transition(
    review.value.next,
    {
      type: "approve",
      expectedVersion: review.value.next.version,
      amount: approval.amount,
      justification: approval.justification,
    },
    ctx,
  );
  if (!approve.ok) return `automatic approval refused: ${approve.error.code}`;

  await store(policy, trx, loaded.snapshot, review.value, now);
  await store(policy, trx, review.value.next, approve.value, now, async (next) => {
    const decisionId = newId("dec");
    await insertDecision(trx, {
      id: decisionId,
      request_id: next.id,
      recommendation_id: loaded.recommendation?.id ?? null,
      decided_by: SYSTEM_USER_ID,
      kind: "approve",
      amount_minor: toDbMinor(approval.amount.minor),
      amount_currency: approval.amount.currency,
      justification: next.decision?.justification ?? approval.justification,
      alternative: null,
      created_at: toDbInstant(now),
    });
    return decisionId;
  });
  return null;
}

async function store(
  policy: Policy,
  trx: Trx,
  prev: TransitionOk["next"],
  ok: TransitionOk,
  now: number,
  decide?: (next: TransitionOk["next"]) => Promise<string>,
): Promise<void> {
  if (!(await saveSnapshot(trx, prev, ok.next))) {
    // Under the order lock, inside the transaction that created the row: nobody else can change it.
    throw new Error(`request ${prev.id} changed during its automatic approval`);
  }
  const decisionId = decide === undefined ? undefined : await decide(ok.next);
  await applyEffects(trx, SYSTEM_CTX, ok.next, ok.effects, now, {
    policy,
    ...(decisionId === undefined ? {} : { decisionId }),
    auditDetails: decisionId === undefined ? {} : { decisionId },
  });
}

/**
 * What every path that records payments runs once per changed order, in the same transaction:
 * re-evaluates the order's open requests, then opens (or ties) the duplicate-payment cases its
 * extras need. The provider webhook calls this after `recordPaymentIn`.
 */
export async function afterPaymentsRecorded(
  deps: Pick<AppDeps, "policies" | "clock" | "logger">,
  trx: Trx,
  orderId: string,
  w: Writer,
): Promise<DuplicateCasesResult> {
  await reevaluateOrderRequests(deps, trx, orderId, w.ctx);
  return openDuplicateCases(deps, trx, orderId);
}
