// Policy versions as the API answers them: when each is in force (from its effective instant, or
// from its publication for the first version, effective from the epoch), its state against the
// timeline, and the document with its clauses in order.

import { CLAUSE_IDS, policyDocument, type PolicyDocument } from "../../core/policy/index.js";
import type { PolicyVersion } from "./repository.js";

/** Where a version stands now. */
export type PolicyVersionStatus = "in_force" | "scheduled" | "superseded" | "withdrawn";

export interface PolicyVersionSummary {
  id: string;
  effectiveAt: string;
  /**
   * When it is (or was, or will be) first in force: the later of the effective instant and the
   * publication (the first version is effective from the epoch but known from its publication).
   * Null for a withdrawn version.
   */
  inForceFrom: string | null;
  /** When the next live version takes over; null while none is scheduled after it. */
  inForceUntil: string | null;
  status: PolicyVersionStatus;
  publishedBy: string;
  publishedAt: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
}

export interface PolicyVersionView extends PolicyVersionSummary {
  document: {
    version: string;
    parameters: PolicyDocument["parameters"];
    payouts: PolicyDocument["payouts"];
    workflow: PolicyDocument["workflow"];
    clauses: { id: string; text: string }[];
  };
}

/** The live versions in effective order, and the instant "now" they are judged at. */
export interface TimelineNow {
  readonly entries: readonly { readonly id: string; readonly at: number }[];
  readonly now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A version's place in the timeline, as presented. */
export function summarizeVersion(v: PolicyVersion, t: TimelineNow): PolicyVersionSummary {
  const i = t.entries.findIndex((e) => e.id === v.id);
  const next = i < 0 ? undefined : t.entries[i + 1];
  let inForceId: string | undefined;
  for (const e of t.entries) if (e.at <= t.now) inForceId = e.id;
  const status: PolicyVersionStatus =
    v.withdrawnAt !== null || i < 0
      ? "withdrawn"
      : v.id === inForceId
        ? "in_force"
        : v.effectiveAt > t.now
          ? "scheduled"
          : "superseded";
  return {
    id: v.id,
    effectiveAt: iso(v.effectiveAt),
    inForceFrom: status === "withdrawn" ? null : iso(Math.max(v.effectiveAt, v.publishedAt)),
    inForceUntil: status === "withdrawn" || next === undefined ? null : iso(next.at),
    status,
    publishedBy: v.publishedBy,
    publishedAt: iso(v.publishedAt),
    withdrawnAt: v.withdrawnAt === null ? null : iso(v.withdrawnAt),
    withdrawnBy: v.withdrawnBy,
  };
}

/** A version with its whole document. */
export function presentVersion(v: PolicyVersion, t: TimelineNow): PolicyVersionView {
  const doc = policyDocument(v.policy);
  return {
    ...summarizeVersion(v, t),
    document: {
      version: doc.version,
      parameters: doc.parameters,
      payouts: doc.payouts,
      workflow: doc.workflow,
      clauses: CLAUSE_IDS.map((id) => ({ id, text: v.policy.clauses[id] })),
    },
  };
}
