// Lists of requests for queues and the client's portal: keyset-paginated with an opaque cursor,
// sorted newest first (default), by age (oldest first), by the request window's end or by the
// client's last reply; filtered by several statuses, reason, recommended outcome, whose move it is
// (`waitingOn`: client, qa, finance), assignee (me, unassigned, a person), payout due date, client,
// order and submission time; with counts per status for the same filters. Each row carries the
// client's and the order's names, the order's price, the recommendation and the assignee, so it
// reads without opening it. A client sees only its own; a foreign clientId or orderId filter
// simply matches nothing, exactly like an unknown one.

import { parseInstant } from "../../core/calendar/instant.js";
import { can, userIdOf, type Actor } from "../../core/access/index.js";
import { moneyToJson, type MoneyJson } from "../../core/money/money.js";
import type { Outcome, Policy, Reason } from "../../core/policy/index.js";
import {
  atRiskWaitingBefore,
  REQUEST_STATUSES,
  requestFlags,
  parseShortRef,
  shortRef,
  waitingOn,
  type RequestFlags,
  type RequestStatus,
} from "../../core/requests/index.js";
import { fromDbInstantOrNull } from "../../db/time.js";
import { fromDbMoneyOrNull } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField, notFound } from "../errors.js";
import {
  requestCountsByStatus,
  requestIdsByReference,
  requestListPage,
  type RequestListFilter,
} from "./queries.js";

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

export interface ListRequestsQuery {
  readonly limit?: string;
  readonly cursor?: string;
  /** One status, or several separated by commas. */
  readonly status?: string;
  /** Whose move it is: client, qa (submitted, in review) or finance (approved, money not out). */
  readonly waitingOn?: "client" | "qa" | "finance";
  /** `me`, `unassigned`, or a user id. */
  readonly assignee?: string;
  /** newest (default), age (oldest first), window_end (soonest first), last_client_reply. */
  readonly sort?: "newest" | "age" | "window_end" | "last_client_reply";
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
  /** Only the flagged: the client's answer is overdue, or the request has waited on QA too long. */
  readonly flag?: "reply_overdue" | "at_risk";
}

export interface RequestListItem {
  id: string;
  reference: string;
  orderId: string;
  /** The order's service name. */
  orderName: string;
  /** The order's price. */
  orderAmount: MoneyJson | null;
  clientId: string;
  clientName: string;
  assignee: { id: string; name: string } | null;
  lastClientReplyAt: string | null;
  flags: RequestFlags;
  /** null while the request waits in triage for QA to classify its reason. */
  reason: string | null;
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

function encodeCursor(sortKey: string, id: string): string {
  return Buffer.from(JSON.stringify([sortKey, id]), "utf8").toString("base64url");
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
  throw new AppError("forbidden", "Your role may not list every client's requests.");
}

function parseStatuses(value: string | undefined): RequestStatus[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(",").map((v) => v.trim());
  for (const v of list) {
    if (!(REQUEST_STATUSES as readonly string[]).includes(v)) {
      throw invalidField(
        "querystring.status",
        `"${v}" is not a status; use one or more of ${REQUEST_STATUSES.join(", ")}, separated by commas`,
      );
    }
  }
  return list as RequestStatus[];
}

/**
 * The queue's flags as bounds the database can check (deadlines.ts gives the same answers as
 * `flags`): a reply overdue is a question whose reply-by has passed; at risk, a request waiting on
 * QA since before the policy's limit.
 */
function flagFilter(
  deps: { readonly policy: Policy; readonly clock: () => number },
  flag: ListRequestsQuery["flag"],
): Pick<RequestListFilter, "flag"> {
  if (flag === "reply_overdue") {
    return { flag: { kind: "reply_overdue", now: toDbInstant(deps.clock()) } };
  }
  if (flag === "at_risk") {
    const before = atRiskWaitingBefore(deps.policy, deps.clock());
    return { flag: { kind: "at_risk", waitingBefore: toDbInstant(before) } };
  }
  return {};
}

/**
 * The filters of a list or count query (everything but the status, which counts group by), read
 * from the query string; 400 for a malformed instant or date, 403 for a role that may not list.
 */
function filterOf(
  deps: { readonly policy: Policy; readonly clock: () => number },
  ctx: ActionContext,
  query: ListRequestsQuery,
): RequestListFilter {
  const from = instantParam(query.submittedFrom, "submittedFrom");
  const to = instantParam(query.submittedTo, "submittedTo");
  const dueFrom = parseDay(query.dueFrom, "dueFrom");
  const dueTo = parseDay(query.dueTo, "dueTo");
  const scope = scopeOf(ctx.actor);
  let assignee: RequestListFilter["assignee"];
  if (query.assignee !== undefined) {
    if (query.assignee === "unassigned") assignee = "unassigned";
    else if (query.assignee === "me") {
      const me = userIdOf(ctx.actor);
      assignee = me === null ? "nobody" : { reviewerId: me };
    } else assignee = { reviewerId: query.assignee };
  }
  return {
    scopeClientId: scope === "all" ? null : scope.clientId,
    ...(query.clientId === undefined ? {} : { clientId: query.clientId }),
    ...(query.orderId === undefined ? {} : { orderId: query.orderId }),
    ...(query.reason === undefined ? {} : { reason: query.reason }),
    ...(query.recommendedOutcome === undefined
      ? {}
      : { recommendedOutcome: query.recommendedOutcome }),
    ...(from === undefined ? {} : { submittedFrom: from }),
    ...(to === undefined ? {} : { submittedTo: to }),
    ...(dueFrom === undefined ? {} : { dueFrom }),
    ...(dueTo === undefined ? {} : { dueTo }),
    ...(assignee === undefined ? {} : { assignee }),
    ...(query.waitingOn === undefined ? {} : { waitingOn: query.waitingOn }),
    ...flagFilter(deps, query.flag),
  };
}

/** One page of requests the caller may see. */
export async function listRequests(
  deps: AppDeps,
  ctx: ActionContext,
  query: ListRequestsQuery,
): Promise<RequestPage> {
  const limit = parseLimit(query.limit);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const statuses = parseStatuses(query.status);
  const policy = await deps.policies.current();
  const rows = await requestListPage(
    deps.db,
    filterOf({ policy, clock: deps.clock }, ctx, query),
    statuses,
    query.sort ?? "newest",
    after === undefined ? undefined : { sortKey: after.submittedAt, id: after.id },
    limit,
  );

  const now = deps.clock();
  const page = rows.slice(0, limit);
  const items = page.map((r): RequestListItem => {
    const amount = fromDbMoneyOrNull(r.rec_amount_minor, r.rec_amount_currency);
    const price = fromDbMoneyOrNull(r.order_price_minor, r.order_price_currency);
    const status = r.status as RequestStatus;
    return {
      id: r.id,
      reference: shortRef(r.id),
      orderId: r.order_id,
      orderName: r.order_name,
      orderAmount: price === null ? null : moneyToJson(price),
      clientId: r.client_id,
      clientName: r.client_name,
      reason: r.reason,
      status,
      version: r.version,
      submittedAt: r.submitted_at,
      updatedAt: r.updated_at,
      closedAt: r.closed_at,
      waitingOn: waitingOn(status),
      assignee:
        r.reviewer_id === null
          ? null
          : { id: r.reviewer_id, name: r.reviewer_name ?? r.reviewer_id },
      lastClientReplyAt: r.last_client_reply_at,
      flags: requestFlags(
        policy,
        {
          status,
          replyBy: fromDbInstantOrNull(r.reply_by),
          waitingSince: fromDbInstantOrNull(r.waiting_since),
        },
        now,
      ),
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
      rows.length > limit && last !== undefined ? encodeCursor(last.sort_key, last.id) : null,
  };
}

/** How many requests there are per status for the same filters (the status filter aside). */
export async function countRequests(
  deps: AppDeps,
  ctx: ActionContext,
  query: Omit<ListRequestsQuery, "limit" | "cursor" | "sort" | "status">,
): Promise<{ counts: Record<RequestStatus, number>; total: number }> {
  const policy = await deps.policies.current();
  const rows = await requestCountsByStatus(
    deps.db,
    filterOf({ policy, clock: deps.clock }, ctx, query),
  );
  const counts = Object.fromEntries(REQUEST_STATUSES.map((s) => [s, 0])) as Record<
    RequestStatus,
    number
  >;
  let total = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if ((REQUEST_STATUSES as readonly string[]).includes(r.status)) {
      counts[r.status as RequestStatus] = n;
    }
    total += n;
  }
  return { counts, total };
}

/** The request a short reference (`REQ-1A2B3C4D`) names, among those the caller may see. */
export async function findRequestIdByReference(
  deps: AppDeps,
  ctx: ActionContext,
  reference: string,
): Promise<string> {
  const hex = parseShortRef(reference);
  if (hex === null) {
    throw invalidField("params.reference", "is not a reference like REQ-1A2B3C4D");
  }
  const scope = scopeOf(ctx.actor);
  const rows = await requestIdsByReference(deps.db, hex, scope === "all" ? null : scope.clientId);
  const first = rows[0];
  if (first === undefined) throw notFound("request");
  if (rows.length > 1) {
    throw new AppError(
      "conflict",
      `Two requests share the reference ${reference.toUpperCase()}; open it by its id instead.`,
    );
  }
  return first;
}
