// What a candidate policy would have recommended (issue 16, ADR 0026): the stored requests
// submitted in a period, read a keyset page at a time, each evaluated under the candidate with the
// facts as they stood when its stored recommendation was made, and compared with that
// recommendation. Nothing is written.
//
// "As they stood" is the stored recommendation's instant T (its `created_at`, which is also the
// `asOf` it was evaluated at; a request without one: its submission):
// - the engine's `asOf` is T;
// - payments recorded (`created_at`) and service events recorded (`recorded_at`) up to T, and the
//   attachments stored up to T;
// - the cap of what the payments could still give back, rebuilt at T (`ledgerAt`);
// - the order's own fields as they are now: orders keep no history. An edit re-evaluates the
//   open requests, so an open request's recommendation already reflects it; a request whose order
//   was edited after T is counted in `orderEditedAfter`.
// With the candidate equal to the policy that made the stored recommendations, every request
// compares equal: the same facts, instant and cap give the same decision (tested).

import { capRecommendation } from "../../core/ledger/cap-recommendation.js";
import { refundable } from "../../core/ledger/refundable.js";
import { money } from "../../core/money/money.js";
import {
  evaluateFacts,
  type ClauseId,
  type Outcome,
  type Policy,
} from "../../core/policy/index.js";
import { ledgerAt, type PaymentAt, type PayoutAt } from "../../core/simulation/ledger-at.js";
import {
  judgementOf,
  NO_JUDGEMENT,
  SimulationTally,
  type Judgement,
  type SimulationPeriod,
  type SimulationReport,
} from "../../core/simulation/simulation.js";
import { fromDbMinor } from "../../db/money.js";
import { fromDbInstant, toDbInstantOrNull } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { caseFromFacts } from "../requests/evaluate-order.js";
import {
  countSimulationRequests,
  simulationFacts,
  simulationRequestPage,
  type SimulationCursor,
  type SimulationFacts,
  type SimulationRequestRow,
} from "./queries.js";

/** Requests read per page: large enough that round trips do not dominate, small in memory. */
export const SIMULATION_PAGE_SIZE = 500;

export interface SimulateInput {
  /** The candidate policy (parsed and validated). */
  readonly policy: Policy;
  readonly period: SimulationPeriod;
  readonly pageSize?: number;
  readonly sampleSize?: number;
  /**
   * Called before the first page with the number of requests in the period, and after each page
   * with the number done; awaited (the worker records its progress).
   */
  readonly onProgress?: (done: number, total: number) => void | Promise<void>;
}

const OUTCOMES: ReadonlySet<string> = new Set<Outcome>(["refund", "review", "deny", "incomplete"]);

/** The stored recommendation of a row as a judgement. */
function storedJudgement(row: SimulationRequestRow): Judgement {
  if (row.outcome === null || !OUTCOMES.has(row.outcome)) return NO_JUDGEMENT;
  return {
    outcome: row.outcome as Outcome,
    amount:
      row.amount_minor === null || row.amount_currency === null
        ? null
        : money(fromDbMinor(row.amount_minor), row.amount_currency),
    clause: row.clause as ClauseId | null,
  };
}

/** The candidate's judgement of one request on the facts recorded up to its instant. */
function candidateJudgement(
  policy: Policy,
  row: SimulationRequestRow,
  facts: SimulationFacts,
  at: string,
  atMs: number,
): Judgement {
  const order = facts.orders.get(row.order_id);
  if (order === undefined) return NO_JUDGEMENT;
  const payments = (facts.payments.get(row.order_id) ?? []).filter((p) => p.created_at <= at);
  const events = (facts.events.get(row.order_id) ?? []).filter((e) => e.recorded_at <= at);
  let attachments = 0;
  for (const a of facts.attachments.get(row.id) ?? []) if (a <= at) attachments++;
  const typed = caseFromFacts(
    { order, payments, events },
    {
      reason: row.reason,
      submittedAt: fromDbInstant(row.submitted_at),
      description: row.description,
      attachments,
    },
    atMs,
  );
  const result = typed.ok ? evaluateFacts(typed.value, policy) : typed;
  if (!result.ok) return NO_JUDGEMENT;
  // The payments are those recorded by `at` already; their instants are not read again.
  const paymentsAt: PaymentAt[] = payments.map((p) => ({
    id: p.id,
    captured: money(fromDbMinor(p.amount_minor), p.currency),
    recordedAt: atMs,
  }));
  const payoutsOf = (paymentId: string): PayoutAt[] =>
    (facts.payouts.get(paymentId) ?? []).map((y) => ({
      requestId: y.request_id,
      amount: money(fromDbMinor(y.amount_minor), y.currency),
      status: y.status,
      createdAt: fromDbInstant(y.created_at),
      updatedAt: fromDbInstant(y.updated_at),
      succeededAt: y.succeeded_at === null ? null : fromDbInstant(y.succeeded_at),
    }));
  const price = money(fromDbMinor(order.price_minor), order.price_currency);
  const left = refundable(ledgerAt(price, paymentsAt, payoutsOf, atMs, row.id)).payments;
  return judgementOf(capRecommendation(result.value, left, order.price_currency));
}

/**
 * Simulates `input.policy` over the requests submitted in the period (see the header) and
 * answers the report. Reads only; memory is one page and the tally.
 */
export async function simulatePolicy(
  deps: Pick<AppDeps, "db">,
  input: SimulateInput,
): Promise<SimulationReport> {
  const pageSize = input.pageSize ?? SIMULATION_PAGE_SIZE;
  const range = {
    startsAt: toDbInstantOrNull(input.period.startsAt),
    endsAt: toDbInstantOrNull(input.period.endsAt),
  };
  const tally = new SimulationTally(
    input.policy.version,
    { from: input.period.from, to: input.period.to },
    input.sampleSize,
  );
  const total = input.onProgress === undefined ? 0 : await countSimulationRequests(deps.db, range);
  await input.onProgress?.(0, total);
  let after: SimulationCursor | null = null;
  for (;;) {
    const rows = await simulationRequestPage(deps.db, range, after, pageSize);
    if (rows.length === 0) break;
    const facts = await simulationFacts(
      deps.db,
      rows.map((r) => r.order_id),
      rows.map((r) => r.id),
    );
    for (const row of rows) {
      const at = row.evaluated_at ?? row.submitted_at;
      const atMs = fromDbInstant(at);
      const order = facts.orders.get(row.order_id);
      tally.add(
        {
          requestId: row.id,
          orderId: row.order_id,
          reason: row.reason,
          submittedAt: fromDbInstant(row.submitted_at),
          evaluatedAt: atMs,
          orderEditedAfter: order !== undefined && order.updated_at > at,
        },
        storedJudgement(row),
        candidateJudgement(input.policy, row, facts, at, atMs),
      );
    }
    const last = rows[rows.length - 1]!;
    after = { submittedAt: last.submitted_at, id: last.id };
    await input.onProgress?.(tally.count, Math.max(total, tally.count));
    if (rows.length < pageSize) break;
  }
  return tally.report();
}
