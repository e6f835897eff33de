// The review workflow: one event (start review, ask, answer, approve, deny, offer an alternative,
// accept/decline it, withdraw) applied to one request in one transaction. The core decides; this
// stores the next snapshot only if the row still has the version it was read at, records the
// decision, and carries out the effects (audit, messages, outbox).

import { userIdOf } from "../../core/access/index.js";
import { money } from "../../core/money/money.js";
import {
  checkIntake,
  EVENT_ACTIONS,
  transition,
  workflowDeadlines,
  type RequestEvent,
} from "../../core/requests/index.js";
import type { DecisionKind } from "../../db/schema.js";
import { dialectOf } from "../../db/connection.js";
import { newId } from "../../db/ids.js";
import { toDbMinor } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { intakeError, transitionError } from "./errors.js";
import { presentRequest, sourceOf, type RequestView } from "./present.js";
import { applyEffects } from "./apply-effects.js";
import {
  findRequestRow,
  insertDecision,
  loadSnapshot,
  lockOrder,
  openRequestsFor,
  saveSnapshot,
  type Trx,
} from "./repository.js";
import { authorize } from "../authorize.js";
import { reevaluateOrderRequests } from "./evaluate-order.js";

export interface ApplyRequestEventInput {
  readonly requestId: string;
  readonly event: RequestEvent;
  /**
   * Runs in the event's transaction once it is applied, so whatever it records commits or rolls
   * back with the event (inbound e-mail marks the message that carried a client's answer).
   */
  readonly alsoInTransaction?: (trx: Trx) => Promise<void>;
}

/** Events by which the client speaks (the queue sorts by the last of them). */
const CLIENT_REPLIES: ReadonlySet<RequestEvent["type"]> = new Set<RequestEvent["type"]>([
  "answer",
  "appeal",
  "reopen",
  "accept_alternative",
  "decline_alternative",
]);

const DECISION_KINDS: Partial<Record<RequestEvent["type"], DecisionKind>> = {
  approve: "approve",
  deny: "deny",
  offer_alternative: "offer_alternative",
};

/**
 * Applies `event` to the request. 404 for a missing request or one the caller may not see; 409
 * with the current state and version when the machine refuses or someone else changed it first.
 */
export async function applyRequestEvent(
  deps: AppDeps,
  ctx: ActionContext,
  input: ApplyRequestEventInput,
): Promise<RequestView> {
  const { event } = input;
  return deps.db.transaction().execute(async (trx: Trx) => {
    const first = await findRequestRow(trx, input.requestId);
    if (first === undefined) throw notFound("request");
    authorize(ctx.actor, EVENT_ACTIONS[event.type], first.client_id, "request");
    // Decisions and re-evaluations of one order take turns on its row (PostgreSQL; SQLite
    // serializes write transactions). Read the request again once the lock is held.
    const order = await lockOrder(trx, first.order_id);
    if (order === undefined) throw notFound("request");
    const row = dialectOf(trx) === "postgres" ? await findRequestRow(trx, input.requestId) : first;
    if (row === undefined) throw notFound("request");

    const loaded = await loadSnapshot(trx, row, order.price_currency);
    // Classifying a request out of triage meets intake's rule: one open request per order and
    // reason (the other one is named, as at intake).
    if (event.type === "classify_reason" && loaded.snapshot.status === "triage") {
      const created = checkIntake(await openRequestsFor(trx, row.order_id, event.reason), {
        orderId: row.order_id,
        reason: event.reason,
        description: row.description,
      });
      if (!created.ok) throw intakeError(created.error, ctx.actor);
    }
    const now = deps.clock();
    // The version in force now (read in this transaction) sets the people's deadlines and, for an
    // approval, the payouts' due window; the request stays judged under its own version.
    const inForce = await deps.policies.inForceIn(trx, now);
    const result = transition(loaded.snapshot, event, {
      actor: ctx.actor,
      now,
      deadlines: workflowDeadlines(inForce.policy, now),
    });
    if (!result.ok) throw transitionError(result.error, loaded.snapshot, ctx.actor);
    const { next, effects } = result.value;
    const clientReplied = CLIENT_REPLIES.has(event.type);

    if (!(await saveSnapshot(trx, loaded.snapshot, next, undefined, { clientReplied }))) {
      const current = await findRequestRow(trx, input.requestId);
      throw new AppError(
        "version_conflict",
        "the request changed while this change was being made; reload and try again",
        [],
        { state: current?.status ?? row.status, currentVersion: current?.version ?? row.version },
      );
    }

    let decisionId: string | null = null;
    const kind = DECISION_KINDS[event.type];
    if (kind !== undefined) {
      const decidedBy = userIdOf(ctx.actor);
      if (decidedBy === null) throw new AppError("forbidden", "a decision needs a signed-in user");
      decisionId = newId("dec");
      const amount = next.decision?.amount ?? null;
      await insertDecision(trx, {
        id: decisionId,
        request_id: next.id,
        recommendation_id: loaded.recommendation?.id ?? null,
        decided_by: decidedBy,
        kind,
        amount_minor: kind === "approve" && amount !== null ? toDbMinor(amount.minor) : null,
        amount_currency: kind === "approve" && amount !== null ? amount.currency : null,
        justification:
          kind === "offer_alternative"
            ? (next.alternative?.note ?? null)
            : (next.decision?.justification ?? null),
        alternative: kind === "offer_alternative" ? (next.alternative?.kind ?? null) : null,
        created_at: toDbInstant(now),
        clauses_json:
          kind === "deny" && next.decision !== null ? JSON.stringify(next.decision.clauses) : null,
      });
    }

    await applyEffects(trx, ctx, next, effects, now, {
      policy: inForce.policy,
      ...(decisionId === null ? {} : { decisionId }),
      auditDetails: {
        ...(decisionId === null ? {} : { decisionId }),
        ...(event.type === "deny" && next.decision !== null
          ? { justification: next.decision.justification, clauses: [...next.decision.clauses] }
          : {}),
        ...(event.type === "classify_reason" ? { reason: event.reason } : {}),
        ...(event.type === "approve" && next.decision !== null
          ? { justification: next.decision.justification }
          : {}),
        ...(event.type === "request_info" && next.replyBy != null
          ? { replyBy: toDbInstant(next.replyBy) }
          : {}),
        ...(next.alternative?.followUp != null && event.type === "accept_alternative"
          ? {
              followUpDueAt: toDbInstant(next.alternative.followUp.dueAt),
              followUpOwner: next.alternative.followUp.ownerId,
            }
          : {}),
      },
    });
    await input.alsoInTransaction?.(trx);
    // New facts from the client: the recommendation is looked at again (same policy version). A
    // request QA just classified gets its first one (under the version in force at its e-mail).
    let shown = next;
    let shownRecommendation = loaded.recommendation;
    if (event.type === "answer" || event.type === "classify_reason") {
      await reevaluateOrderRequests(deps, trx, row.order_id, ctx, { requestId: row.id });
      const again = await findRequestRow(trx, row.id);
      if (again !== undefined && again.version !== next.version) {
        const reloaded = await loadSnapshot(trx, again, order.price_currency);
        shown = reloaded.snapshot;
        shownRecommendation = reloaded.recommendation;
      }
    }

    return presentRequest(
      {
        row: {
          ...row,
          reason: shown.reason,
          status: shown.status,
          version: shown.version,
          updated_at: toDbInstant(shown.updatedAt),
          closed_at: shown.closedAt === null ? null : toDbInstant(shown.closedAt),
          reviewer_id: shown.reviewerId,
          open_question: shown.openQuestion,
          reply_by: shown.replyBy == null ? null : toDbInstant(shown.replyBy),
          waiting_since:
            shown.status !== row.status ? toDbInstant(now) : (row.waiting_since ?? null),
          appealed_at: shown.appeal == null ? null : toDbInstant(shown.appeal.appealedAt),
          appeal_denied_by: shown.appeal?.deniedBy ?? null,
        },
        recommendation: sourceOf(shownRecommendation),
        decision: shown.decision,
        decisionId: shown.decision === null ? null : (decisionId ?? loaded.decisionRow?.id ?? null),
        alternative: shown.alternative,
        refundable:
          shown.decision?.amount == null
            ? shown.refundableTotal
            : money(shown.refundableTotal.minor - shown.decision.amount.minor, shown.currency),
      },
      ctx.actor,
      {
        now,
        policy: inForce.policy,
        judgedBy: (await deps.policies.forRequest(row, trx)).policy,
      },
    );
  });
}
