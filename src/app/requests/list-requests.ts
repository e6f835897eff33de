// Lists of requests for queues and the client's portal: newest first, keyset-paginated with an
// opaque cursor, filtered by status, reason, recommended outcome, payout due date, client, order
// and submission time. A client sees only its own; a foreign clientId or orderId filter simply
// matches nothing, exactly like an unknown one.

import { parseInstant } from "../../core/calendar/instant.js";
import { can, type Actor } from "../../core/access/index.js";
import { moneyToJson, type MoneyJson } from "../../core/money/money.js";
import type { Outcome, Reason } from "../../core/policy/index.js";
import { waitingOn, type RequestStatus } from "../../core/requests/index.js";
import { fromDbMoneyOrNull } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

export interface ListRequestsQuery {
  readonly limit?: string;
  readonly cursor?: string;
  readonly status?: RequestStatus;
  readonly reason?: Reason;
  readonly recommendedOutcome?: Outcome;
  readonly clientId?: string;
  readonly orderId?: string;
  /** ISO instants, inclusive from, exclusive to. */
  readonly submittedFrom?: string;
  readonly submittedTo?: string;
  /** `YYYY-MM-DD`, inclusive: the recommendation's latest payout date. */
  readonly dueFrom?: string;
  readonly dueTo?: string;
}

export interface RequestListItem {
  id: string;
  orderId: string;
  clientId: string;
  reason: string;
  status: RequestStatus;
  version: number;
  submittedAt: string;
  updatedAt: string;
  closedAt: string | null;
  waitingOn: "staff" | "client" | null;
  recommendation: {
    outcome: string;
    amount: MoneyJson | null;
    policyVersion: string;
    payoutLatest: string | null;
  } | null;
}

export interface RequestPage {
  items: RequestListItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

function encodeCursor(submittedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([submittedAt, id]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { submittedAt: string; id: string } {
  if (/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) {
    try {
      const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      if (
        Array.isArray(v) &&
        v.length === 2 &&
        typeof v[0] === "string" &&
        typeof v[1] === "string"
      ) {
        return { submittedAt: v[0], id: v[1] };
      }
    } catch {
      // not ours: refused below
    }
  }
  throw invalidField("querystring.cursor", "is not a cursor from this list");
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const n = /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw invalidField("querystring.limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

function instantParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = parseInstant(value);
  if (!Number.isFinite(ms)) {
    throw invalidField(`querystring.${name}`, "must be an ISO 8601 instant with an offset");
  }
  return toDbInstant(ms);
}

function parseDay(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  const ok = Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
  if (!ok) throw invalidField(`querystring.${name}`, "must be a date YYYY-MM-DD");
  return value;
}

/** Whose requests the actor may list: one client's, or (staff) everyone's. */
function scopeOf(actor: Actor): { clientId: string } | "all" {
  if (actor.role === "client") return { clientId: actor.clientId };
  if (can(actor, "request.list_all")) return "all";
  throw new AppError("forbidden", "not allowed: request.list_all");
}

/** One page of requests the caller may see. */
export async function listRequests(
  deps: AppDeps,
  ctx: ActionContext,
  query: ListRequestsQuery,
): Promise<RequestPage> {
  const limit = parseLimit(query.limit);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const from = instantParam(query.submittedFrom, "submittedFrom");
  const to = instantParam(query.submittedTo, "submittedTo");
  const dueFrom = parseDay(query.dueFrom, "dueFrom");
  const dueTo = parseDay(query.dueTo, "dueTo");
  const scope = scopeOf(ctx.actor);

  let q = deps.db
    .selectFrom("refund_requests as r")
    .leftJoin("recommendations as rec", "rec.id", "r.recommendation_id")
    .select([
      "r.id",
      "r.order_id",
      "r.client_id",
      "r.reason",
      "r.status",
      "r.version",
      "r.submitted_at",
      "r.updated_at",
      "r.closed_at",
      "rec.id as rec_id",
      "rec.outcome as rec_outcome",
      "rec.amount_minor as rec_amount_minor",
      "rec.amount_currency as rec_amount_currency",
      "rec.policy_version as rec_policy_version",
      "rec.payout_latest as rec_payout_latest",
    ]);
  if (scope !== "all") q = q.where("r.client_id", "=", scope.clientId);
  if (query.clientId !== undefined) q = q.where("r.client_id", "=", query.clientId);
  if (query.orderId !== undefined) q = q.where("r.order_id", "=", query.orderId);
  if (query.status !== undefined) q = q.where("r.status", "=", query.status);
  if (query.reason !== undefined) q = q.where("r.reason", "=", query.reason);
  if (query.recommendedOutcome !== undefined) {
    q = q.where("rec.outcome", "=", query.recommendedOutcome);
  }
  if (from !== undefined) q = q.where("r.submitted_at", ">=", from);
  if (to !== undefined) q = q.where("r.submitted_at", "<", to);
  if (dueFrom !== undefined) q = q.where("rec.payout_latest", ">=", dueFrom);
  if (dueTo !== undefined) q = q.where("rec.payout_latest", "<=", dueTo);
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb("r.submitted_at", "<", after.submittedAt),
        eb.and([eb("r.submitted_at", "=", after.submittedAt), eb("r.id", "<", after.id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy("r.submitted_at", "desc")
    .orderBy("r.id", "desc")
    .limit(limit + 1)
    .execute();

  const page = rows.slice(0, limit);
  const items = page.map((r): RequestListItem => {
    const amount = fromDbMoneyOrNull(r.rec_amount_minor, r.rec_amount_currency);
    const status = r.status as RequestStatus;
    return {
      id: r.id,
      orderId: r.order_id,
      clientId: r.client_id,
      reason: r.reason,
      status,
      version: r.version,
      submittedAt: r.submitted_at,
      updatedAt: r.updated_at,
      closedAt: r.closed_at,
      waitingOn: waitingOn(status),
      recommendation:
        r.rec_id === null || r.rec_outcome === null || r.rec_policy_version === null
          ? null
          : {
              outcome: r.rec_outcome,
              amount: amount === null ? null : moneyToJson(amount),
              policyVersion: r.rec_policy_version,
              payoutLatest: r.rec_payout_latest,
            },
    };
  });
  const last = page[page.length - 1];
  return {
    items,
    nextCursor:
      rows.length > limit && last !== undefined ? encodeCursor(last.submitted_at, last.id) : null,
  };
}
