// The engine's view of an order: typed case facts built from the stored order, its payments and
// service events, handed to the engine as they are (`evaluateFacts`, no JSON text on the way). Also
// the re-evaluation of an order's open requests when its facts change.

import type { Kysely, Transaction } from "kysely";
import { exactInstant } from "../../core/calendar/instant.js";
import {
  decisionToJson,
  evaluateFacts,
  type CaseFacts,
  type Decision,
  type DecisionJson,
  type InputError,
  type Policy,
  type Result,
} from "../../core/policy/index.js";
import {
  BILLING,
  CATEGORY,
  EVENT_KIND,
  PAYMENT_METHOD,
  readAt,
  REASON,
} from "../../core/policy/case-format.js";
import { inputResult } from "../../core/policy/parse-case.js";
import { reevaluate } from "../../core/requests/index.js";
import { fromDbMinor } from "../../db/money.js";
import type { Database } from "../../db/schema.js";
import { fromDbInstant } from "../../db/time.js";
import type { AppDeps, ActionContext } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { applyEffects } from "./apply-effects.js";
import { capRecommendation } from "../../core/ledger/cap-recommendation.js";
import { refundable } from "../../core/ledger/refundable.js";
import { readLedger } from "../../db/ledger.js";
import {
  attachmentCount,
  insertRecommendation,
  loadOrderFacts,
  loadSnapshot,
  openRequestRows,
  saveSnapshot,
  type OrderFacts,
} from "./repository.js";

/** The request's own facts as the engine reads them. */
export interface CaseRequest {
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly submittedAt: number;
  readonly description: string;
  readonly attachments: number;
}

const at = (text: string) => exactInstant(fromDbInstant(text));
const atOrNull = (text: string | null) => (text === null ? null : at(text));
const money = (minor: string, currency: string) => ({ minor: fromDbMinor(minor), currency });

/**
 * The engine's typed facts from loaded rows. The text columns that hold enumerations are read
 * with the case format's own fields, so a stored value the engine does not know is refused with
 * the path it would have in a case.
 */
export function caseFromFacts(
  facts: OrderFacts,
  request: CaseRequest,
  asOf: number,
): Result<CaseFacts, InputError> {
  return inputResult(() => {
    const o = facts.order;
    const subscription =
      o.subscription_period_start === null ||
      o.subscription_period_end === null ||
      o.subscription_charge_ref === null
        ? null
        : {
            periodStart: at(o.subscription_period_start),
            periodEnd: at(o.subscription_period_end),
            chargeRef: o.subscription_charge_ref,
          };
    return {
      asOf: exactInstant(asOf),
      order: {
        id: o.id,
        clientId: o.client_id,
        service: {
          name: o.service_name,
          category: readAt(CATEGORY, o.service_category, "order.service.category"),
          billing: readAt(BILLING, o.service_billing, "order.service.billing"),
        },
        price: money(o.price_minor, o.price_currency),
        placedAt: at(o.placed_at),
        promisedStartBy: atOrNull(o.promised_start_by),
        promisedDeliveryBy: atOrNull(o.promised_delivery_by),
        startedAt: atOrNull(o.started_at),
        deliveredAt: atOrNull(o.delivered_at),
        subscription,
      },
      payments: facts.payments.map((p, i) => ({
        id: p.id,
        chargeRef: p.charge_ref,
        amount: money(p.amount_minor, p.currency),
        method: readAt(PAYMENT_METHOD, p.method, `payments[${i}].method`),
        capturedAt: at(p.captured_at),
      })),
      events: facts.events.map((e, i) => ({
        kind: readAt(EVENT_KIND, e.kind, `events[${i}].kind`),
        from: at(e.from_at),
        to: atOrNull(e.to_at),
        note: e.note,
      })),
      request: {
        reason: readAt(REASON, request.reason, "request.reason"),
        submittedAt: exactInstant(request.submittedAt),
        description: request.description,
        attachments: request.attachments,
      },
    };
  });
}

/**
 * The engine's typed facts for a request on a stored order. Throws AppError not_found when the
 * order does not exist.
 */
export async function buildCase(
  trx: Kysely<Database>,
  orderId: string,
  request: CaseRequest,
  asOf: number,
): Promise<Result<CaseFacts, InputError>> {
  const facts = await loadOrderFacts(trx, orderId);
  if (facts === undefined) throw notFound("order");
  return caseFromFacts(facts, request, asOf);
}

/**
 * The engine's decision on a request's case under `policy` (the version the request is judged
 * under), or null when the stored facts do not make a valid case (it should not happen: stored
 * facts passed the same checks on the way in). A refusal is logged with the request id and the
 * fact's path; the request then waits for a person without a recommendation.
 */
export function recommend(
  deps: Pick<AppDeps, "logger">,
  policy: Policy,
  requestId: string,
  facts: Result<CaseFacts, InputError>,
): Decision | null {
  const result = facts.ok ? evaluateFacts(facts.value, policy) : facts;
  if (result.ok) return result.value;
  deps.logger.error(
    { requestId, path: result.error.path, reason: result.error.message },
    "the engine refused the stored facts of a request; it waits for a person without a recommendation",
  );
  return null;
}

/**
 * What makes two recommendations different for a reviewer. Payout dates are left out: they count
 * from the evaluation day, so they would move on every re-evaluation without anything changing.
 */
function materialKey(json: DecisionJson): string {
  return JSON.stringify({
    ...json,
    deadlines: { requestWindowEndsAt: json.deadlines.requestWindowEndsAt },
  });
}

/**
 * Re-runs the engine (as of now) for every open request of the order, in the caller's
 * transaction, each under the policy version it is judged by (the one in force at its
 * submission: publishing a version never changes how an earlier request is judged). Where the
 * recommendation changed, stores a new recommendations row and applies the core's `reevaluate`:
 * the request's version goes up (a reviewer who saw the old recommendation gets a version
 * conflict) and an audit event is appended (`request.reevaluate`, on the timeline). Call it after
 * every change of an order's facts (order fields, payments, service events), after a client's
 * answer, and after QA classifies a request out of triage (its first recommendation). Requests
 * still in triage are left alone: without a reason there is no case.
 */
export async function reevaluateOrderRequests(
  deps: Pick<AppDeps, "policies" | "clock" | "logger">,
  trx: Transaction<Database>,
  orderId: string,
  ctx: ActionContext,
  only?: { readonly requestId: string },
): Promise<void> {
  const rows = await openRequestRows(trx, orderId, only?.requestId);
  if (rows.length === 0) return;
  const facts = await loadOrderFacts(trx, orderId);
  if (facts === undefined) return;
  const now = deps.clock();
  // What already went back or is on its way caps every recommendation (issue 11).
  const ledger = await readLedger(trx, { orderId }, { priceCurrency: facts.order.price_currency });
  const left = refundable(ledger).payments;
  for (const row of rows) {
    // A request in triage has no reason yet: the engine waits for QA's classification.
    if (row.reason === null) continue;
    const caseFacts = caseFromFacts(
      facts,
      {
        reason: row.reason,
        submittedAt: fromDbInstant(row.submitted_at),
        description: row.description,
        attachments: await attachmentCount(trx, row.id),
      },
      now,
    );
    const judgedBy = await deps.policies.forRequest(row, trx);
    const engine = recommend(deps, judgedBy.policy, row.id, caseFacts);
    // Facts that no longer make a valid case keep the last recommendation rather than erase it.
    if (engine === null) continue;
    const decision = capRecommendation(engine, left, facts.order.price_currency);
    const loaded = await loadSnapshot(trx, row, facts.order.price_currency);
    const fresh = decisionToJson(decision);
    if (
      loaded.recommendation !== null &&
      materialKey(loaded.recommendation.json) === materialKey(fresh)
    ) {
      continue;
    }
    const result = reevaluate(
      loaded.snapshot,
      {
        outcome: decision.outcome,
        amount: decision.amount,
        refunds: decision.refunds,
        clauses: decision.clauses,
        policyVersion: decision.policyVersion,
      },
      now,
    );
    if (!result.ok) continue; // closed meanwhile: it keeps the recommendation it was decided on
    const stored = await insertRecommendation(trx, row.id, decision, now);
    const saved = await saveSnapshot(trx, loaded.snapshot, result.value.next, stored.id);
    if (!saved) {
      throw new AppError("version_conflict", `request ${row.id} changed during re-evaluation`, [], {
        requestId: row.id,
      });
    }
    await applyEffects(trx, ctx, result.value.next, result.value.effects, now, {
      auditDetails: {
        recommendationId: stored.id,
        outcome: decision.outcome,
        amount: fresh.amount === null ? null : { ...fresh.amount },
        policyVersion: decision.policyVersion,
      },
    });
  }
}
