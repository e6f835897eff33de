import { formatInstant } from "../calendar/instant.js";
import { moneyToJson, type MoneyJson } from "../money/money.js";
import type { Alternative, ClauseId, Decision, Outcome, PaymentMethod } from "./types.js";

/** A decision as JSON (policy-decisions.md, "The decision"). */
export interface DecisionJson {
  outcome: Outcome;
  amount: MoneyJson | null;
  refunds: { paymentId: string; method: PaymentMethod; amount: MoneyJson }[];
  clauses: ClauseId[];
  alternatives: Alternative[];
  deadlines: {
    requestWindowEndsAt: string | null;
    payoutEarliest: string | null;
    payoutLatest: string | null;
  };
  policyVersion: string;
  explanation: string;
  autoApprove: boolean;
}

/** The decision as plain JSON values, fields in the spec's order (so output is byte-stable). */
export function decisionToJson(d: Decision): DecisionJson {
  return {
    outcome: d.outcome,
    amount: d.amount === null ? null : moneyToJson(d.amount),
    refunds: d.refunds.map((r) => ({
      paymentId: r.paymentId,
      method: r.method,
      amount: moneyToJson(r.amount),
    })),
    clauses: [...d.clauses],
    alternatives: [...d.alternatives],
    deadlines: {
      requestWindowEndsAt:
        d.deadlines.requestWindowEndsAt === null
          ? null
          : formatInstant(d.deadlines.requestWindowEndsAt),
      payoutEarliest: d.deadlines.payoutEarliest,
      payoutLatest: d.deadlines.payoutLatest,
    },
    policyVersion: d.policyVersion,
    explanation: d.explanation,
    autoApprove: d.autoApprove,
  };
}

/** The decision as one line of JSON. */
export function serializeDecision(d: Decision): string {
  return JSON.stringify(decisionToJson(d));
}
