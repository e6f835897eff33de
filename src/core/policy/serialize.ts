import { formatInstant } from "../calendar/instant.js";
import { formatMinor, moneyToJson, type Money, type MoneyJson } from "../money/money.js";
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

const moneyText = (m: Money): string =>
  `{"amount":"${formatMinor(m.minor, m.currency)}","currency":${JSON.stringify(m.currency)}}`;
const dateText = (d: string | null): string => (d === null ? "null" : JSON.stringify(d));

/**
 * The decision as one line of JSON, byte for byte `JSON.stringify(decisionToJson(d))`, written
 * directly: this runs once per line of `evaluate --ndjson`, where building the intermediate object
 * cost more than the evaluation itself.
 */
export function serializeDecision(d: Decision): string {
  let refunds = "";
  for (const r of d.refunds) {
    refunds +=
      (refunds === "" ? "" : ",") +
      `{"paymentId":${JSON.stringify(r.paymentId)},"method":"${r.method}","amount":${moneyText(r.amount)}}`;
  }
  const w = d.deadlines.requestWindowEndsAt;
  return (
    `{"outcome":"${d.outcome}","amount":${d.amount === null ? "null" : moneyText(d.amount)},` +
    `"refunds":[${refunds}],"clauses":${JSON.stringify(d.clauses)},` +
    `"alternatives":${JSON.stringify(d.alternatives)},"deadlines":{"requestWindowEndsAt":` +
    `${w === null ? "null" : `"${formatInstant(w)}"`},"payoutEarliest":${dateText(d.deadlines.payoutEarliest)},` +
    `"payoutLatest":${dateText(d.deadlines.payoutLatest)}},"policyVersion":${JSON.stringify(d.policyVersion)},` +
    `"explanation":${JSON.stringify(d.explanation)},"autoApprove":${d.autoApprove}}`
  );
}
