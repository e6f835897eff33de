// What differs between two policies, side by side: every parameter, payout and workflow setting
// by its path in the policy file (`parameters.requestWindowDays`, `payouts.secondApprovalAbove.THB`)
// and every clause by its id. Pure: `refund-desk policy diff` and
// `GET /policy/versions/{a}/diff/{b}` print and answer it.

import { policyDocument } from "./document.js";
import { CLAUSE_IDS, type ClauseId, type Policy } from "./types.js";

/** A JSON value as a policy file holds it. */
export type PolicyValue = string | number | boolean | null | readonly PolicyValue[];

/** One setting that differs: its path and each side's value (absent where a side has none). */
export interface SettingChange {
  readonly path: string;
  readonly a?: PolicyValue;
  readonly b?: PolicyValue;
}

/** One clause whose wording differs. */
export interface ClauseChange {
  readonly id: ClauseId;
  readonly a: string;
  readonly b: string;
}

/** The differences of `b` from `a`, settings in the file's order, clauses in the policy's order. */
export interface PolicyDiff {
  readonly settings: readonly SettingChange[];
  readonly clauses: readonly ClauseChange[];
}

/** The settings of a policy as (path, value) pairs, in the order of the policy file. */
function settingsOf(policy: Policy): Map<string, PolicyValue> {
  const doc = policyDocument(policy);
  const out = new Map<string, PolicyValue>();
  for (const [k, v] of Object.entries(doc.parameters)) out.set(`parameters.${k}`, v as PolicyValue);
  // Currencies sorted, so a reordered table is no difference.
  for (const k of Object.keys(doc.payouts.secondApprovalAbove).sort()) {
    out.set(`payouts.secondApprovalAbove.${k}`, doc.payouts.secondApprovalAbove[k] ?? null);
  }
  for (const [k, v] of Object.entries(doc.workflow)) out.set(`workflow.${k}`, v);
  return out;
}

function same(x: PolicyValue | undefined, y: PolicyValue | undefined): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}

/** The settings and clause texts of `b` that differ from `a`'s (an empty diff: same policy). */
export function diffPolicies(a: Policy, b: Policy): PolicyDiff {
  const sa = settingsOf(a);
  const sb = settingsOf(b);
  const settings: SettingChange[] = [];
  const paths = [...sa.keys(), ...[...sb.keys()].filter((k) => !sa.has(k))];
  for (const path of paths) {
    const va = sa.get(path);
    const vb = sb.get(path);
    if (same(va, vb)) continue;
    settings.push({
      path,
      ...(va === undefined ? {} : { a: va }),
      ...(vb === undefined ? {} : { b: vb }),
    });
  }
  const clauses: ClauseChange[] = [];
  for (const id of CLAUSE_IDS) {
    if (a.clauses[id] !== b.clauses[id]) clauses.push({ id, a: a.clauses[id], b: b.clauses[id] });
  }
  return { settings, clauses };
}
