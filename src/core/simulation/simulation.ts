// A what-if simulation of a candidate policy (issue 16): each stored request's recommendation
// (the baseline) beside the decision the candidate policy makes on the same facts, as of the same
// instant, tallied into one report. Pure: the shell reads the requests a page at a time and hands
// each pair to `SimulationTally.add`; the tally keeps counts, exact sums and a bounded sample, so
// its memory does not grow with the number of requests (ADR 0026).

import { parseDay, startOfDay } from "../calendar/calendar.js";
import { formatMinor, type Money } from "../money/money.js";
import type { ClauseId, Decision, InputError, Outcome, Result } from "../policy/types.js";

/** An outcome, or `none`: no recommendation (the engine refused the facts, or none was stored). */
export type SimulatedOutcome = Outcome | "none";

/** Every outcome a matrix row or column names, in the order reports show them. */
export const SIMULATED_OUTCOMES: readonly SimulatedOutcome[] = [
  "refund",
  "review",
  "deny",
  "incomplete",
  "none",
];

/** What a comparison looks at in one recommendation. */
export interface Judgement {
  readonly outcome: SimulatedOutcome;
  /** The recommended amount (null when the recommendation names none). */
  readonly amount: Money | null;
  /** The determining clause: the first the recommendation cites (null: none). */
  readonly clause: ClauseId | null;
}

/** No recommendation. */
export const NO_JUDGEMENT: Judgement = { outcome: "none", amount: null, clause: null };

/** The engine's decision (null: it refused the facts) as a judgement. */
export function judgementOf(decision: Decision | null): Judgement {
  if (decision === null) return NO_JUDGEMENT;
  return {
    outcome: decision.outcome,
    amount: decision.amount,
    clause: decision.clauses[0] ?? null,
  };
}

/** True when two recommendations differ for a reviewer: another outcome or another amount. */
export function judgementChanged(a: Judgement, b: Judgement): boolean {
  if (a.outcome !== b.outcome) return true;
  if (a.amount === null || b.amount === null) return a.amount !== b.amount;
  return a.amount.currency !== b.amount.currency || a.amount.minor !== b.amount.minor;
}

/** One request as the tally reads it. */
export interface SimulatedRequest {
  readonly requestId: string;
  readonly orderId: string;
  readonly reason: string;
  /** Epoch ms. */
  readonly submittedAt: number;
  /** The instant both judgements are made as of (epoch ms): the stored recommendation's. */
  readonly evaluatedAt: number;
  /** The order's fields were edited after `evaluatedAt` (orders keep no history). */
  readonly orderEditedAfter: boolean;
}

export interface JudgementJson {
  readonly outcome: SimulatedOutcome;
  readonly amount: { readonly amount: string; readonly currency: string } | null;
  readonly clause: ClauseId | null;
}

/** A changed request of the sample, with both recommendations. */
export interface SimulationSample {
  readonly requestId: string;
  readonly orderId: string;
  readonly reason: string;
  /** ISO instants. */
  readonly submittedAt: string;
  readonly evaluatedAt: string;
  readonly before: JudgementJson;
  readonly after: JudgementJson;
}

/** The simulation's report (also what the API stores and answers). */
export interface SimulationReport {
  /** The candidate policy's version id. */
  readonly candidateVersion: string;
  /** The period's days (`YYYY-MM-DD`, inclusive), null when open on that side. */
  readonly period: { readonly from: string | null; readonly to: string | null };
  /** Requests read. */
  readonly requests: number;
  /** Requests whose recommendation changes (outcome or amount). */
  readonly changed: number;
  /** Every from -> to pair of outcomes, zeros included, rows in SIMULATED_OUTCOMES order. */
  readonly matrix: readonly {
    readonly from: SimulatedOutcome;
    readonly to: SimulatedOutcome;
    readonly count: number;
  }[];
  /** Per request reason (those seen), in name order. */
  readonly byReason: readonly {
    readonly reason: string;
    readonly requests: number;
    readonly changed: number;
  }[];
  /** Per determining clause (those seen), how many recommendations rest on it before and after. */
  readonly byClause: readonly {
    readonly clause: string;
    readonly before: number;
    readonly after: number;
  }[];
  /**
   * Per currency, the total of the `refund` recommendations' amounts before and after, and the
   * change (after - before), exact decimal strings.
   */
  readonly totals: readonly {
    readonly currency: string;
    readonly before: string;
    readonly after: string;
    readonly change: string;
  }[];
  /** Requests without a stored recommendation, and the candidate's refusals of the facts. */
  readonly withoutRecommendation: number;
  readonly refusedByCandidate: number;
  /** Requests whose order was edited after their evaluation (judged on its current fields). */
  readonly orderEditedAfter: number;
  /** The first changed requests, in submission order (at most the sample size). */
  readonly sample: readonly SimulationSample[];
}

/** The sample's length unless asked otherwise. */
export const DEFAULT_SAMPLE_SIZE = 20;

const NO_CLAUSE = "(none)";

function judgementJson(j: Judgement): JudgementJson {
  return {
    outcome: j.outcome,
    amount:
      j.amount === null
        ? null
        : { amount: formatMinor(j.amount.minor, j.amount.currency), currency: j.amount.currency },
    clause: j.clause,
  };
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Counts, exact sums and a bounded sample over the requests added (see the header). */
export class SimulationTally {
  private requests = 0;
  private changed = 0;
  private withoutRecommendation = 0;
  private refusedByCandidate = 0;
  private orderEditedAfter = 0;
  private readonly cells = new Map<string, number>();
  private readonly reasons = new Map<string, { requests: number; changed: number }>();
  private readonly clauses = new Map<string, { before: number; after: number }>();
  private readonly sums = new Map<string, { before: bigint; after: bigint }>();
  private readonly sample: SimulationSample[] = [];

  constructor(
    private readonly candidateVersion: string,
    private readonly period: { readonly from: string | null; readonly to: string | null },
    private readonly sampleSize: number = DEFAULT_SAMPLE_SIZE,
  ) {}

  /** How many requests were added so far. */
  get count(): number {
    return this.requests;
  }

  /** Adds one request: its stored recommendation and the candidate's on the same facts. */
  add(request: SimulatedRequest, before: Judgement, after: Judgement): void {
    this.requests++;
    if (before.outcome === "none") this.withoutRecommendation++;
    if (after.outcome === "none") this.refusedByCandidate++;
    if (request.orderEditedAfter) this.orderEditedAfter++;
    bump(this.cells, `${before.outcome}>${after.outcome}`);
    const changed = judgementChanged(before, after);
    let r = this.reasons.get(request.reason);
    if (r === undefined) {
      r = { requests: 0, changed: 0 };
      this.reasons.set(request.reason, r);
    }
    r.requests++;
    this.clauseRow(before.clause).before++;
    this.clauseRow(after.clause).after++;
    this.sum(before, "before");
    this.sum(after, "after");
    if (!changed) return;
    this.changed++;
    r.changed++;
    if (this.sample.length < this.sampleSize) {
      this.sample.push({
        requestId: request.requestId,
        orderId: request.orderId,
        reason: request.reason,
        submittedAt: new Date(request.submittedAt).toISOString(),
        evaluatedAt: new Date(request.evaluatedAt).toISOString(),
        before: judgementJson(before),
        after: judgementJson(after),
      });
    }
  }

  private clauseRow(clause: ClauseId | null): { before: number; after: number } {
    const key = clause ?? NO_CLAUSE;
    let row = this.clauses.get(key);
    if (row === undefined) {
      row = { before: 0, after: 0 };
      this.clauses.set(key, row);
    }
    return row;
  }

  private sum(j: Judgement, side: "before" | "after"): void {
    if (j.outcome !== "refund" || j.amount === null) return;
    let s = this.sums.get(j.amount.currency);
    if (s === undefined) {
      s = { before: 0n, after: 0n };
      this.sums.set(j.amount.currency, s);
    }
    s[side] += j.amount.minor;
  }

  /** The report of everything added so far. */
  report(): SimulationReport {
    const byName = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      candidateVersion: this.candidateVersion,
      period: { ...this.period },
      requests: this.requests,
      changed: this.changed,
      matrix: SIMULATED_OUTCOMES.flatMap((from) =>
        SIMULATED_OUTCOMES.map((to) => ({ from, to, count: this.cells.get(`${from}>${to}`) ?? 0 })),
      ),
      byReason: byName(this.reasons).map(([reason, v]) => ({ reason, ...v })),
      byClause: byName(this.clauses).map(([clause, v]) => ({ clause, ...v })),
      totals: byName(this.sums).map(([currency, s]) => ({
        currency,
        before: formatMinor(s.before, currency),
        after: formatMinor(s.after, currency),
        change: formatMinor(s.after - s.before, currency),
      })),
      withoutRecommendation: this.withoutRecommendation,
      refusedByCandidate: this.refusedByCandidate,
      orderEditedAfter: this.orderEditedAfter,
      sample: this.sample.slice(),
    };
  }
}

/** The requests a simulation reads: submitted in [startsAt, endsAt) (either end may be open). */
export interface SimulationPeriod {
  readonly from: string | null;
  readonly to: string | null;
  /** Epoch ms, inclusive; null: from the first request. */
  readonly startsAt: number | null;
  /** Epoch ms, exclusive; null: to the last. */
  readonly endsAt: number | null;
}

/**
 * The period from the days `from`..`to` (`YYYY-MM-DD`, inclusive, either may be left out) in
 * `timeZone`. Refuses a date that is not a calendar date, or `to` before `from`, naming the field
 * as `${prefix}from` / `${prefix}to`.
 */
export function simulationPeriod(
  input: { readonly from?: string | null | undefined; readonly to?: string | null | undefined },
  timeZone: string,
  prefix = "",
): Result<SimulationPeriod, InputError> {
  const day = (text: string | null | undefined, field: string): number | null | InputError => {
    if (text === undefined || text === null) return null;
    const d = parseDay(text);
    return d === undefined
      ? { path: `${prefix}${field}`, message: `must be a calendar date YYYY-MM-DD, not "${text}"` }
      : d;
  };
  const fromDay = day(input.from, "from");
  if (fromDay !== null && typeof fromDay === "object") return { ok: false, error: fromDay };
  const toDay = day(input.to, "to");
  if (toDay !== null && typeof toDay === "object") return { ok: false, error: toDay };
  if (fromDay !== null && toDay !== null && toDay < fromDay) {
    return { ok: false, error: { path: `${prefix}to`, message: "must not be before from" } };
  }
  return {
    ok: true,
    value: {
      from: input.from ?? null,
      to: input.to ?? null,
      startsAt: fromDay === null ? null : startOfDay(fromDay, timeZone),
      endsAt: toDay === null ? null : startOfDay(toDay + 1, timeZone),
    },
  };
}
