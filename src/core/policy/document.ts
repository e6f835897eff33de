// The policy as a policy-file document (version, parameters, payouts, clauses): what
// `GET /api/v1/policy` answers and `refund-desk policy show` prints, loadable as it stands. Pure.

import { DEFAULT_PAYOUTS, DEFAULT_RETENTION, DEFAULT_WORKFLOW } from "./policy-file.js";
import { CLAUSE_IDS, type Policy } from "./types.js";

/** The policy-file shape of a policy. */
export interface PolicyDocument {
  version: string;
  parameters: Record<string, unknown>;
  payouts: { secondApprovalAbove: Record<string, string> };
  /** The people's deadlines (reply-by, QA at-risk, appeal window, follow-ups). */
  workflow: Record<string, number>;
  /** How long closed requests' messages and attachments are kept. */
  retention: { closedRequestDataYears: number };
  clauses: Record<string, string>;
}

/** The policy as a policy-file document (version, parameters, clauses), loadable as it stands. */
export function policyDocument(policy: Policy): PolicyDocument {
  const p = policy.params;
  const clauses: Record<string, string> = {};
  for (const id of CLAUSE_IDS) clauses[id] = policy.clauses[id];
  return {
    version: policy.version,
    parameters: {
      timezone: p.timezone,
      requestWindowDays: p.requestWindowDays,
      payoutBusinessDays: [...p.payoutBusinessDays],
      holidays: [...p.holidays],
      holidayCountry: p.holidayCountry,
      cryptoRefundValuation: p.cryptoRefundValuation,
      autoApprove: [...p.autoApprove],
    },
    payouts: {
      secondApprovalAbove: { ...(policy.payouts ?? DEFAULT_PAYOUTS).secondApprovalAbove },
    },
    workflow: { ...(policy.workflow ?? DEFAULT_WORKFLOW) },
    retention: { ...(policy.retention ?? DEFAULT_RETENTION) },
    clauses,
  };
}
