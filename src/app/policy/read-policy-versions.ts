// Reading the policy versions: the one in force now, a list in effective order, one by id with its
// document, and the differences between two (staff: `policy.history`).

import { diffPolicies, type PolicyDiff } from "../../core/policy/index.js";
import type { Page, PageQuery } from "../auth/pagination.js";
import type { ActionContext, AppDeps } from "../context.js";
import { keysetOf, pageOfRows } from "../paging.js";
import {
  presentVersion,
  summarizeVersion,
  type PolicyVersionSummary,
  type PolicyVersionView,
} from "./present.js";
import { policyVersionPage, versionOfRow } from "./repository.js";
import { allow, timelineNow, versionOrNotFound } from "./shared.js";

/** The version in force now, with its document (GET /policy: anyone signed in). */
export async function getPolicyInForce(
  deps: AppDeps,
  ctx: ActionContext,
): Promise<PolicyVersionView> {
  allow(ctx, "policy.read");
  const t = await timelineNow(deps);
  return presentVersion(await deps.policies.inForce(t.now), t);
}

/** Every version, withdrawn ones included, in effective order (then id). */
export async function listPolicyVersions(
  deps: AppDeps,
  ctx: ActionContext,
  page: PageQuery,
): Promise<Page<PolicyVersionSummary>> {
  allow(ctx, "policy.history");
  const rows = await policyVersionPage(deps.db, keysetOf(page), page.limit);
  const t = await timelineNow(deps);
  return pageOfRows(
    rows,
    page.limit,
    (r) => ({ key: r.effective_at, id: r.id }),
    (r) => summarizeVersion(versionOfRow(r), t),
  );
}

/** One version with its whole document. */
export async function getPolicyVersion(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PolicyVersionView> {
  allow(ctx, "policy.history");
  return presentVersion(await versionOrNotFound(deps, id), await timelineNow(deps));
}

export interface PolicyVersionDiff extends PolicyDiff {
  readonly a: PolicyVersionSummary;
  readonly b: PolicyVersionSummary;
}

/** What differs from version `a` to version `b`: settings by path and clause texts, side by side. */
export async function diffPolicyVersions(
  deps: AppDeps,
  ctx: ActionContext,
  a: string,
  b: string,
): Promise<PolicyVersionDiff> {
  allow(ctx, "policy.history");
  const va = await versionOrNotFound(deps, a);
  const vb = await versionOrNotFound(deps, b);
  const t = await timelineNow(deps);
  return {
    a: summarizeVersion(va, t),
    b: summarizeVersion(vb, t),
    ...diffPolicies(va.policy, vb.policy),
  };
}
