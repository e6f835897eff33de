// Intake: a client opens a refund request on its own order (an admin may on a client's behalf).
// One transaction: lock the order, check access and the intake rules, let the engine recommend
// under the policy version in force at the submission, store request (with that version) +
// recommendation + audit event + the "request received" notification.
//
// A client's e-mail that names the order but not its reason plainly (issue 19, ADR 0033) opens a
// request in `triage` the same way: dated when the e-mail arrived, judged later under the version
// in force then, with no recommendation until QA classifies its reason; acknowledged all the same.

import { money } from "../../core/money/money.js";
import type { Instant, Reason } from "../../core/policy/index.js";
import { createRequest } from "../../core/requests/index.js";
import { newId } from "../../db/ids.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField, notFound } from "../errors.js";
import { intakeError } from "./errors.js";
import { caseFromFacts, recommend } from "./evaluate-order.js";
import { capRecommendation } from "../../core/ledger/cap-recommendation.js";
import { refundable } from "../../core/ledger/refundable.js";
import { readLedger } from "../../db/ledger.js";
import { presentRequest, sourceOf, type RequestView } from "./present.js";
import { applyEffects } from "./apply-effects.js";
import {
  insertRecommendation,
  insertRequestRow,
  loadOrderFacts,
  lockOrder,
  openRequestsFor,
} from "./repository.js";
import { isClientArchived } from "../clients/repository.js";
import { authorize } from "../authorize.js";

export interface SubmitRequestInput {
  readonly orderId: string;
  readonly reason: Reason;
  readonly description: string;
  /** Documents the client says it will attach (uploads come after, on the attachments route). */
  readonly attachmentsCount?: number;
}

/** A request from an e-mail: its reason may be unknown yet (triage); it dates from the e-mail. */
export interface MailRequestInput extends Omit<SubmitRequestInput, "reason"> {
  /** null: the e-mail did not say it plainly; the request waits in triage for QA. */
  readonly reason: Reason | null;
  /** When the e-mail arrived. */
  readonly receivedAt: Instant;
}

/** Opens a refund request; 404 for a missing or foreign order, 409 naming an open duplicate. */
export async function submitRequest(
  deps: AppDeps,
  ctx: ActionContext,
  input: SubmitRequestInput | MailRequestInput,
): Promise<RequestView> {
  // Blank required fields are refused before any lookup, so the answer says nothing about ids.
  if (input.orderId.trim() === "") throw invalidField("body.orderId", "must not be blank");
  if (input.description.trim() === "") throw invalidField("body.description", "must not be blank");
  const description = input.description.trim();

  return deps.db.transaction().execute(async (trx) => {
    const order = await lockOrder(trx, input.orderId);
    if (order === undefined) throw notFound("order");
    authorize(ctx.actor, "request.create", order.client_id, "order");
    if (await isClientArchived(trx, order.client_id)) {
      throw new AppError(
        "conflict",
        "This client company is archived, so it takes no new refund requests; ask us to restore it.",
      );
    }

    const reason = input.reason;
    const existing = reason === null ? [] : await openRequestsFor(trx, order.id, reason);

    const now = deps.clock();
    // A request in triage dates from its e-mail; any other from now.
    const submittedAt = reason === null && "receivedAt" in input ? input.receivedAt : now;
    const facts = await loadOrderFacts(trx, order.id, order);
    if (facts === undefined) throw notFound("order");
    const id = newId("req");
    // The version in force at the submission, read in this transaction (never a cache): the
    // request is judged under it for good (ADR 0025).
    const judgedBy = await deps.policies.inForceIn(trx, submittedAt);
    // Without a reason there is no case: the engine waits for QA's classification.
    const engine =
      reason === null
        ? null
        : recommend(
            deps,
            judgedBy.policy,
            id,
            caseFromFacts(
              facts,
              {
                reason,
                submittedAt: now,
                description,
                attachments: input.attachmentsCount ?? 0,
              },
              now,
            ),
          );

    // What already went back or is on its way counts (one ledger rule, core/ledger/refundable).
    const ledger = await readLedger(
      trx,
      { orderId: order.id },
      { priceCurrency: order.price_currency },
    );
    const decision =
      engine === null
        ? null
        : capRecommendation(engine, refundable(ledger).payments, order.price_currency);

    const created = createRequest(
      {
        id,
        clientId: order.client_id,
        orderId: order.id,
        reason,
        description,
        currency: order.price_currency,
        recommendation: decision,
        submittedAt,
        // Not stored: every transition recomputes it from the ledger when it loads the request.
        refundableTotal: money(0n, order.price_currency),
      },
      existing,
      { actor: ctx.actor, now },
    );
    if (!created.ok) throw intakeError(created.error, ctx.actor);
    const { next, effects } = created.value;

    const recommendationId = decision === null ? null : newId("rec");
    const at = toDbInstant(now);
    const since = toDbInstant(submittedAt);
    const row = {
      id,
      order_id: order.id,
      client_id: order.client_id,
      reason,
      description,
      status: next.status,
      version: next.version,
      submitted_at: since,
      updated_at: at,
      reviewer_id: null,
      open_question: null,
      closed_at: null,
      alternative_json: null,
      recommendation_id: recommendationId,
      reply_by: null,
      reply_reminded_at: null,
      waiting_since: since,
      last_client_reply_at: since,
      appealed_at: null,
      appeal_denied_by: null,
      purged_at: null,
      policy_version_id: judgedBy.id,
    };
    await insertRequestRow(trx, row);
    const stored =
      decision === null || recommendationId === null
        ? null
        : await insertRecommendation(trx, id, decision, now, recommendationId);
    await applyEffects(trx, ctx, next, effects, now, {
      auditDetails: {
        reason,
        recommendationId,
        recommendation:
          stored === null
            ? null
            : {
                outcome: stored.json.outcome,
                amount: stored.json.amount === null ? null : { ...stored.json.amount },
                policyVersion: stored.json.policyVersion,
              },
      },
    });

    return presentRequest(
      {
        row,
        recommendation: sourceOf(stored),
        decision: null,
        decisionId: null,
        alternative: null,
        refundable: null,
      },
      ctx.actor,
      // In force now is the version it was just judged under (read in this transaction).
      { now, policy: judgedBy.policy, judgedBy: judgedBy.policy },
    );
  });
}
