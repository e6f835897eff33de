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
import type { Outcome, Reason } from "../../core/policy/index.js";
import {
  REQUEST_STATUSES,
  requestFlags,
  parseShortRef,
  shortRef,
  waitingOn,
  type RequestFlags,
  type RequestStatus,
} from "../../core/requests/index.js";
import { IN_FLIGHT } from "../../core/payouts/index.js";
import { fromDbInstantOrNull } from "../../db/time.js";
import type { Kysely, SelectQueryBuilder } from "kysely";
import type { Database } from "../../db/schema.js";
import { fromDbMoneyOrNull } from "../../db/money.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField, notFound } from "../errors.js";
import { sql } from "kysely";

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

const SORTS = {
  newest: { column: "r.submitted_at", dir: "desc", nulls: "" },
  age: { column: "r.submitted_at", dir: "asc", nulls: "" },
  window_end: { column: "rec.window_ends_at", dir: "asc", nulls: "9999" },
  last_client_reply: { column: "r.last_client_reply_at", dir: "desc", nulls: "" },
} as const;

type Filtered = SelectQueryBuilder<
  Database & { r: Database["refund_requests"]; rec: Database["recommendations"] },
  "r" | "rec",
  object
>;

/** The filters of a list or count query (everything but the status, which counts group by). */
function applyFilters<Q extends Filtered>(q: Q, ctx: ActionContext, query: ListRequestsQuery): Q {
  const from = instantParam(query.submittedFrom, "submittedFrom");
  const to = instantParam(query.submittedTo, "submittedTo");
  const dueFrom = parseDay(query.dueFrom, "dueFrom");
  const dueTo = parseDay(query.dueTo, "dueTo");
  const scope = scopeOf(ctx.actor);
  let out = q as Filtered;
  if (scope !== "all") out = out.where("r.client_id", "=", scope.clientId);
  if (query.clientId !== undefined) out = out.where("r.client_id", "=", query.clientId);
  if (query.orderId !== undefined) out = out.where("r.order_id", "=", query.orderId);
  if (query.reason !== undefined) out = out.where("r.reason", "=", query.reason);
  if (query.recommendedOutcome !== undefined) {
    out = out.where("rec.outcome", "=", query.recommendedOutcome);
  }
  if (from !== undefined) out = out.where("r.submitted_at", ">=", from);
  if (to !== undefined) out = out.where("r.submitted_at", "<", to);
  if (dueFrom !== undefined) out = out.where("rec.payout_latest", ">=", dueFrom);
  if (dueTo !== undefined) out = out.where("rec.payout_latest", "<=", dueTo);
  if (query.assignee !== undefined) {
    if (query.assignee === "unassigned") out = out.where("r.reviewer_id", "is", null);
    else if (query.assignee === "me") {
      const me = userIdOf(ctx.actor);
      out = me === null ? out.where("r.id", "is", null) : out.where("r.reviewer_id", "=", me);
    } else out = out.where("r.reviewer_id", "=", query.assignee);
  }
  if (query.waitingOn === "client") {
    out = out.where("r.status", "in", ["info_requested", "alternative_offered"]);
  } else if (query.waitingOn === "qa") {
    out = out.where("r.status", "in", ["submitted", "in_review"]);
  } else if (query.waitingOn === "finance") {
    out = out.where("r.status", "=", "approved").where(({ exists, selectFrom }) =>
      exists(
        selectFrom("payouts as p")
          .select("p.id")
          .whereRef("p.request_id", "=", "r.id")
          .where("p.status", "in", [...IN_FLIGHT, "failed"]),
      ),
    );
  }
  return out as Q;
}

function baseQuery(db: Kysely<Database>) {
  return db
    .selectFrom("refund_requests as r")
    .leftJoin("recommendations as rec", "rec.id", "r.recommendation_id") as unknown as Filtered;
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
  const sort = SORTS[query.sort ?? "newest"];
  const key = sql<string>`coalesce(${sql.ref(sort.column)}, ${sort.nulls})`;

  let q = applyFilters(baseQuery(deps.db), ctx, query)
    .innerJoin("orders as o", "o.id", "r.order_id")
    .innerJoin("clients as c", "c.id", "r.client_id")
    .leftJoin("users as u", "u.id", "r.reviewer_id")
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
      "r.reviewer_id",
      "r.reply_by",
      "r.waiting_since",
      "r.last_client_reply_at",
      "rec.id as rec_id",
      "rec.outcome as rec_outcome",
      "rec.amount_minor as rec_amount_minor",
      "rec.amount_currency as rec_amount_currency",
      "rec.policy_version as rec_policy_version",
      "rec.payout_latest as rec_payout_latest",
      "o.service_name as order_name",
      "o.price_minor as order_price_minor",
      "o.price_currency as order_price_currency",
      "c.name as client_name",
      "u.name as reviewer_name",
    ])
    .select(key.as("sort_key"));
  if (statuses !== undefined) q = q.where("r.status", "in", statuses);
  if (after !== undefined) {
    const cmp = sort.dir === "desc" ? "<" : ">";
    q = q.where(
      sql<boolean>`(${key} ${sql.raw(cmp)} ${after.submittedAt} or (${key} = ${after.submittedAt} and r.id ${sql.raw(cmp)} ${after.id}))`,
    );
  }
  const rows = await q
    .orderBy(key, sort.dir)
    .orderBy("r.id", sort.dir)
    .limit(limit + 1)
    .execute();

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
        deps.policy,
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
  const rows = await applyFilters(baseQuery(deps.db), ctx, query)
    .select(["r.status", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("r.status")
    .execute();
  const counts = Object.fromEntries(REQUEST_STATUSES.map((s) => [s, 0])) as Record<
    RequestStatus,
    number
  >;
  let total = 0;
  for (const r of rows as unknown as { status: string; n: number | string }[]) {
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
  let q = deps.db
    .selectFrom("refund_requests")
    .select("id")
    .where("id", ">=", `req_${hex}`)
    .where("id", "<", `req_${hex}~`);
  if (scope !== "all") q = q.where("client_id", "=", scope.clientId);
  const rows = await q.limit(2).execute();
  const first = rows[0];
  if (first === undefined) throw notFound("request");
  if (rows.length > 1) {
    throw new AppError(
      "conflict",
      `Two requests share the reference ${reference.toUpperCase()}; open it by its id instead.`,
    );
  }
  return first.id;
}
