// Reading the audit trail (admins, `audit.read`): the entries of one request (its own, its
// payouts' and its files') or of one person (what they did, and what was done to their account),
// in chain order a page at a time; and the chain's verification, naming the entry it breaks at.

import { can } from "../../core/access/index.js";
import {
  auditEntryAt,
  listAuditTrail,
  verifyAudit,
  type AuditEntry,
  type AuditTrailFilter,
} from "../../db/audit.js";
import type { Caller } from "../auth/common.js";
import { encodeCursor, type Page, type PageQuery } from "../auth/pagination.js";
import type { AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";

function requireAuditReader(ctx: Caller): void {
  if (ctx !== "system" && !can(ctx.actor, "audit.read")) {
    throw new AppError("forbidden", "Your role may not read the audit trail.");
  }
}

export type AuditTrailInput =
  | { readonly requestId: string; readonly page: PageQuery }
  | { readonly userId: string; readonly page: PageQuery };

/** One page of a request's or a person's trail, oldest first. */
export async function readAuditTrail(
  deps: AppDeps,
  ctx: Caller,
  input: AuditTrailInput,
): Promise<Page<AuditEntry>> {
  requireAuditReader(ctx);
  const filter: AuditTrailFilter =
    "requestId" in input
      ? { requestId: input.requestId }
      : // A person's own actions carry the actor reference of core/access actorRef.
        { userId: input.userId, actorRef: `user:${input.userId}` };
  let afterSeq = 0;
  if (input.page.after !== null) {
    // The cursor holds the last entry's (at, seq).
    if (!/^\d{1,15}$/.test(input.page.after.id)) {
      throw invalidField("querystring.cursor", "is not a cursor this API gave out");
    }
    afterSeq = Number(input.page.after.id);
  }
  const rows = await listAuditTrail(deps.db, filter, afterSeq, input.page.limit);
  const items = rows.slice(0, input.page.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > input.page.limit && last !== undefined
        ? encodeCursor({ created_at: last.at, id: String(last.seq) })
        : null,
  };
}

export interface AuditVerificationView {
  /** True when every entry fits the chain. */
  readonly ok: boolean;
  readonly checkedAt: string;
  /** Entries checked (the whole chain) when ok; null when broken. */
  readonly count: number | null;
  /** The last entry's hash (compare with a copy kept elsewhere) when ok; null when broken. */
  readonly headHash: string | null;
  /** Where the chain breaks; null when ok. */
  readonly brokenAt: {
    readonly seq: number;
    readonly problem: "missing" | "link" | "hash" | "malformed";
    readonly reason: string;
    /** The entry the chain breaks at, as stored; null when it is missing. */
    readonly entry: AuditEntry | null;
  } | null;
}

/** Recomputes the whole chain (ADR 0007) and, if it breaks, reads the entry it breaks at. */
export async function verifyAuditTrail(deps: AppDeps, ctx: Caller): Promise<AuditVerificationView> {
  requireAuditReader(ctx);
  const checkedAt = new Date(deps.clock()).toISOString();
  const result = await verifyAudit(deps.db);
  if (result.ok) {
    return { ok: true, checkedAt, count: result.count, headHash: result.headHash, brokenAt: null };
  }
  const entry = result.problem === "missing" ? undefined : await auditEntryAt(deps.db, result.seq);
  return {
    ok: false,
    checkedAt,
    count: null,
    headHash: null,
    brokenAt: {
      seq: result.seq,
      problem: result.problem,
      reason: result.reason,
      entry: entry ?? null,
    },
  };
}
