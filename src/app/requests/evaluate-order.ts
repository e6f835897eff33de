// The engine's view of an order: the case JSON built from the stored order, its payments and
// service events, exactly in the format `parseCase` accepts (money as decimal strings, instants
// as ISO UTC). Also the re-evaluation of an order's open requests when its facts change.

import type { Kysely, Transaction } from "kysely";
import { formatMinor } from "../../core/money/money.js";
import {
  decisionToJson,
  evaluateRefund,
  type Decision,
  type DecisionJson,
  type Policy,
} from "../../core/policy/index.js";
import { reevaluate } from "../../core/requests/index.js";
import { fromDbMinor } from "../../db/money.js";
import { precompile } from "../../db/precompiled.js";
import type { Database, OrderRow, PaymentRow, ServiceEventRow } from "../../db/schema.js";
import { fromDbInstant } from "../../db/time.js";
import type { AppDeps, ActionContext } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { applyEffects } from "./apply-effects.js";
import { insertRecommendation, loadSnapshot, OPEN_STATUSES, saveSnapshot } from "./repository.js";

/** The request's own facts as the engine reads them. */
export interface CaseRequest {
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly submittedAt: number;
  readonly description: string;
  readonly attachments: number;
}

/** An order with its payments and service events, as stored. */
export interface OrderFacts {
  readonly order: OrderRow;
  readonly payments: readonly PaymentRow[];
  readonly events: readonly ServiceEventRow[];
}

const iso = (text: string): string => new Date(fromDbInstant(text)).toISOString();
const isoOrNull = (text: string | null): string | null => (text === null ? null : iso(text));
const moneyJson = (minor: string, currency: string) => ({
  amount: formatMinor(fromDbMinor(minor), currency),
  currency,
});

/** Loads the order, its payments and its service events; undefined when the order is missing. */
export async function loadOrderFacts(
  db: Kysely<Database>,
  orderId: string,
  order?: OrderRow,
): Promise<OrderFacts | undefined> {
  const o =
    order ??
    (await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst());
  if (o === undefined) return undefined;
  const [payments, events] = await Promise.all([
    ORDER_PAYMENTS.execute(db, { orderId }),
    ORDER_EVENTS.execute(db, { orderId }),
  ]);
  return { order: o, payments, events };
}

const ORDER_PAYMENTS = precompile<{ orderId: string }>()((db, p) =>
  db
    .selectFrom("payments")
    .selectAll()
    .where("order_id", "=", p("orderId"))
    .orderBy("captured_at")
    .orderBy("id"),
);

const ORDER_EVENTS = precompile<{ orderId: string }>()((db, p) =>
  db
    .selectFrom("service_events")
    .selectAll()
    .where("order_id", "=", p("orderId"))
    .orderBy("from_at")
    .orderBy("id"),
);

/** The case JSON for the engine from loaded facts (see `buildCase`). */
export function caseFromFacts(facts: OrderFacts, request: CaseRequest, asOf: number): unknown {
  const o = facts.order;
  const subscription =
    o.subscription_period_start === null ||
    o.subscription_period_end === null ||
    o.subscription_charge_ref === null
      ? null
      : {
          periodStart: iso(o.subscription_period_start),
          periodEnd: iso(o.subscription_period_end),
          chargeRef: o.subscription_charge_ref,
        };
  return {
    asOf: new Date(asOf).toISOString(),
    order: {
      id: o.id,
      clientId: o.client_id,
      service: {
        name: o.service_name,
        category: o.service_category,
        billing: o.service_billing,
      },
      price: moneyJson(o.price_minor, o.price_currency),
      placedAt: iso(o.placed_at),
      promisedStartBy: isoOrNull(o.promised_start_by),
      promisedDeliveryBy: isoOrNull(o.promised_delivery_by),
      startedAt: isoOrNull(o.started_at),
      deliveredAt: isoOrNull(o.delivered_at),
      subscription,
    },
    payments: facts.payments.map((p) => ({
      id: p.id,
      chargeRef: p.charge_ref,
      amount: moneyJson(p.amount_minor, p.currency),
      method: p.method,
      capturedAt: iso(p.captured_at),
    })),
    events: facts.events.map((e) => ({
      kind: e.kind,
      from: iso(e.from_at),
      to: isoOrNull(e.to_at),
      note: e.note,
    })),
    request: {
      reason: request.reason,
      submittedAt: new Date(request.submittedAt).toISOString(),
      description: request.description,
      attachments: request.attachments,
    },
  };
}

/**
 * The engine's case JSON for a request on a stored order, exactly as `parseCase` accepts it.
 * Throws AppError not_found when the order does not exist.
 */
export async function buildCase(
  trx: Kysely<Database>,
  orderId: string,
  request: CaseRequest,
  asOf: number,
): Promise<unknown> {
  const facts = await loadOrderFacts(trx, orderId);
  if (facts === undefined) throw notFound("order");
  return caseFromFacts(facts, request, asOf);
}

/**
 * The engine's decision on a case, or null when the stored facts do not make a valid case (the
 * request then waits for a person without a recommendation).
 */
export function recommend(raw: unknown, policy: Policy): Decision | null {
  const result = evaluateRefund(raw, policy);
  return result.ok ? result.value : null;
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

/** How many attachments a request has (the engine's `request.attachments`). */
async function attachmentCount(db: Kysely<Database>, requestId: string): Promise<number> {
  const row = await db
    .selectFrom("attachments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Re-runs the engine (as of now) for every open request of the order, in the caller's
 * transaction. Where the recommendation changed, stores a new recommendations row and applies the
 * core's `reevaluate`: the request's version goes up (a reviewer who saw the old recommendation
 * gets a version conflict) and an audit event is appended. Call it after every change of an
 * order's facts (order fields, payments, service events).
 */
export async function reevaluateOrderRequests(
  deps: Pick<AppDeps, "policy" | "clock">,
  trx: Transaction<Database>,
  orderId: string,
  ctx: ActionContext,
  only?: { readonly requestId: string },
): Promise<void> {
  let q = trx
    .selectFrom("refund_requests")
    .selectAll()
    .where("order_id", "=", orderId)
    .where("status", "in", OPEN_STATUSES);
  if (only !== undefined) q = q.where("id", "=", only.requestId);
  const rows = await q.orderBy("submitted_at").orderBy("id").execute();
  if (rows.length === 0) return;
  const facts = await loadOrderFacts(trx, orderId);
  if (facts === undefined) return;
  const now = deps.clock();
  for (const row of rows) {
    const raw = caseFromFacts(
      facts,
      {
        reason: row.reason,
        submittedAt: fromDbInstant(row.submitted_at),
        description: row.description,
        attachments: await attachmentCount(trx, row.id),
      },
      now,
    );
    const decision = recommend(raw, deps.policy);
    // Facts that no longer make a valid case keep the last recommendation rather than erase it.
    if (decision === null) continue;
    const loaded = await loadSnapshot(trx, row, facts.order.price_currency);
    // A request is re-evaluated under the policy version it was judged by: only the policy in
    // force is loaded, so a request judged by another version keeps its recommendation.
    if (
      loaded.recommendation !== null &&
      loaded.recommendation.json.policyVersion !== deps.policy.version
    ) {
      continue;
    }
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
