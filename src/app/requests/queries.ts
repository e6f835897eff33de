// Reads of requests for the API: the hot read of one request with its current recommendation,
// the lists and counts of the queues and the client's portal (filtered, sorted, keyset-paged), a
// request found by its short reference, and what a request's timeline is made of (its audit trail,
// messages and e-mails). The state machine's loading and saving are repository.ts's.

import { sql, type Kysely, type SelectQueryBuilder } from "kysely";
import type { Outcome, Reason } from "../../core/policy/index.js";
import { REQUEST_STATUSES, waitingOn, type RequestStatus } from "../../core/requests/index.js";
import { IN_FLIGHT } from "../../core/payouts/index.js";
import { precompile } from "../../db/precompiled.js";
import type { Database } from "../../db/schema.js";
import { REQUEST_ENTITY, type Db } from "./repository.js";

/** The hot read: a request row with its current recommendation's JSON. */
export async function findRequestWithRecommendation(db: Db, id: string) {
  return REQUEST_WITH_RECOMMENDATION.executeTakeFirst(db, { id });
}

const REQUEST_WITH_RECOMMENDATION = precompile<{ id: string }>()((db, p) =>
  db
    .selectFrom("refund_requests as r")
    .leftJoin("recommendations as rec", "rec.id", "r.recommendation_id")
    .selectAll("r")
    .select(["rec.decision_json as rec_json", "rec.created_at as rec_created_at"])
    .where("r.id", "=", p("id")),
);

/** The currency of an order's price, if the order exists. */
export async function orderPriceCurrency(db: Db, orderId: string): Promise<string | undefined> {
  const order = await db
    .selectFrom("orders")
    .select("price_currency")
    .where("id", "=", orderId)
    .executeTakeFirst();
  return order?.price_currency;
}

/** What a list or a count of requests is narrowed to (the status aside: counts group by it). */
export interface RequestListFilter {
  /** Only this client's requests (a client's own scope); null: every client's. */
  readonly scopeClientId: string | null;
  readonly clientId?: string;
  readonly orderId?: string;
  readonly reason?: Reason;
  readonly recommendedOutcome?: Outcome;
  /** Database instants, inclusive from, exclusive to. */
  readonly submittedFrom?: string;
  readonly submittedTo?: string;
  /** `YYYY-MM-DD`, inclusive: the recommendation's latest payout date. */
  readonly dueFrom?: string;
  readonly dueTo?: string;
  /** Unassigned ones, those of one reviewer, or none (`me` for a caller who is no user). */
  readonly assignee?: "unassigned" | "nobody" | { readonly reviewerId: string };
  readonly waitingOn?: "client" | "qa" | "finance";
  /** Database instants: a question's reply-by at or before `now`; waiting on QA since before. */
  readonly flag?:
    | { readonly kind: "reply_overdue"; readonly now: string }
    | { readonly kind: "at_risk"; readonly waitingBefore: string };
}

/** The orders a list can be sorted in: the sort key's column, direction and stand-in for null. */
export const REQUEST_SORTS = {
  newest: { column: "r.submitted_at", dir: "desc", nulls: "" },
  age: { column: "r.submitted_at", dir: "asc", nulls: "" },
  window_end: { column: "rec.window_ends_at", dir: "asc", nulls: "9999" },
  last_client_reply: { column: "r.last_client_reply_at", dir: "desc", nulls: "" },
} as const;

export type RequestSort = keyof typeof REQUEST_SORTS;

type Filtered = SelectQueryBuilder<
  Database & { r: Database["refund_requests"]; rec: Database["recommendations"] },
  "r" | "rec",
  object
>;

/** The statuses whose move is QA's (triage, submitted, in review) and the client's. */
const ON_QA = REQUEST_STATUSES.filter((s) => waitingOn(s) === "staff");
const ON_CLIENT = REQUEST_STATUSES.filter((s) => waitingOn(s) === "client");

function applyFilters<Q extends Filtered>(q: Q, f: RequestListFilter): Q {
  let out = q as Filtered;
  if (f.scopeClientId !== null) out = out.where("r.client_id", "=", f.scopeClientId);
  if (f.clientId !== undefined) out = out.where("r.client_id", "=", f.clientId);
  if (f.orderId !== undefined) out = out.where("r.order_id", "=", f.orderId);
  if (f.reason !== undefined) out = out.where("r.reason", "=", f.reason);
  if (f.recommendedOutcome !== undefined) {
    out = out.where("rec.outcome", "=", f.recommendedOutcome);
  }
  if (f.submittedFrom !== undefined) out = out.where("r.submitted_at", ">=", f.submittedFrom);
  if (f.submittedTo !== undefined) out = out.where("r.submitted_at", "<", f.submittedTo);
  if (f.dueFrom !== undefined) out = out.where("rec.payout_latest", ">=", f.dueFrom);
  if (f.dueTo !== undefined) out = out.where("rec.payout_latest", "<=", f.dueTo);
  if (f.assignee !== undefined) {
    if (f.assignee === "unassigned") out = out.where("r.reviewer_id", "is", null);
    else if (f.assignee === "nobody") out = out.where("r.id", "is", null);
    else out = out.where("r.reviewer_id", "=", f.assignee.reviewerId);
  }
  if (f.flag?.kind === "reply_overdue") {
    out = out.where("r.status", "=", "info_requested").where("r.reply_by", "<=", f.flag.now);
  } else if (f.flag?.kind === "at_risk") {
    out = out.where("r.status", "in", ON_QA).where("r.waiting_since", "<", f.flag.waitingBefore);
  }
  if (f.waitingOn === "client") {
    out = out.where("r.status", "in", ON_CLIENT);
  } else if (f.waitingOn === "qa") {
    out = out.where("r.status", "in", ON_QA);
  } else if (f.waitingOn === "finance") {
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

/**
 * Up to `limit + 1` requests (the extra one says there is a next page) matching the filter and
 * one of `statuses` (any when undefined), in the sort's order after the cursor's (sort key, id);
 * each with its order's name and price, its client's name, its reviewer's name and its current
 * recommendation, and its sort key (for the next cursor).
 */
export async function requestListPage(
  db: Kysely<Database>,
  filter: RequestListFilter,
  statuses: readonly RequestStatus[] | undefined,
  sortName: RequestSort,
  after: { readonly sortKey: string; readonly id: string } | undefined,
  limit: number,
) {
  const sort = REQUEST_SORTS[sortName];
  const key = sql<string>`coalesce(${sql.ref(sort.column)}, ${sort.nulls})`;
  let q = applyFilters(baseQuery(db), filter)
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
      sql<boolean>`(${key} ${sql.raw(cmp)} ${after.sortKey} or (${key} = ${after.sortKey} and r.id ${sql.raw(cmp)} ${after.id}))`,
    );
  }
  return q
    .orderBy(key, sort.dir)
    .orderBy("r.id", sort.dir)
    .limit(limit + 1)
    .execute();
}

/** How many requests match the filter, per stored status. */
export async function requestCountsByStatus(
  db: Kysely<Database>,
  filter: RequestListFilter,
): Promise<{ status: string; n: number | string }[]> {
  const rows = await applyFilters(baseQuery(db), filter)
    .select(["r.status", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("r.status")
    .execute();
  return rows as unknown as { status: string; n: number | string }[];
}

/**
 * The ids (at most two) of the requests whose id starts with `req_<hex>`, of one client or of all
 * (`scopeClientId` null).
 */
export async function requestIdsByReference(
  db: Kysely<Database>,
  hex: string,
  scopeClientId: string | null,
): Promise<string[]> {
  let q = db
    .selectFrom("refund_requests")
    .select("id")
    .where("id", ">=", `req_${hex}`)
    .where("id", "<", `req_${hex}~`);
  if (scopeClientId !== null) q = q.where("client_id", "=", scopeClientId);
  return (await q.limit(2).execute()).map((r) => r.id);
}

/** The ids of a request's payouts. */
export async function payoutIdsOfRequest(db: Db, requestId: string): Promise<string[]> {
  return (
    await db.selectFrom("payouts").select("id").where("request_id", "=", requestId).execute()
  ).map((p) => p.id);
}

/** The ids of a request's attachments. */
export async function attachmentIdsOfRequest(db: Db, requestId: string): Promise<string[]> {
  return (
    await db.selectFrom("attachments").select("id").where("request_id", "=", requestId).execute()
  ).map((a) => a.id);
}

/** The audit events of a request, of its payouts and of its attachments, in the trail's order. */
export async function auditOfRequest(
  db: Db,
  requestId: string,
  payoutIds: readonly string[],
  attachmentIds: readonly string[],
) {
  return db
    .selectFrom("audit_events")
    .select(["seq", "at", "actor", "action", "entity_type", "entity_id", "summary"])
    .where((eb) =>
      eb.or([
        eb.and([eb("entity_type", "=", REQUEST_ENTITY), eb("entity_id", "=", requestId)]),
        ...(payoutIds.length === 0
          ? []
          : [eb.and([eb("entity_type", "=", "payout"), eb("entity_id", "in", payoutIds)])]),
        ...(attachmentIds.length === 0
          ? []
          : [eb.and([eb("entity_type", "=", "attachment"), eb("entity_id", "in", attachmentIds)])]),
      ]),
    )
    .orderBy("seq")
    .execute();
}

/** A request's messages (every kind, internal notes too), in no particular order. */
export async function messagesOfRequest(db: Db, requestId: string) {
  return db
    .selectFrom("messages")
    .select(["id", "kind", "body", "internal", "created_at", "author_user_id"])
    .where("request_id", "=", requestId)
    .execute();
}

/** The ids and e-mail addresses of a client's users. */
export async function usersOfClient(
  db: Db,
  clientId: string,
): Promise<{ id: string; email: string }[]> {
  return db.selectFrom("users").select(["id", "email"]).where("client_id", "=", clientId).execute();
}

/** The e-mails sent about a request: outbox row, recipient, topic and when. */
export async function emailsAboutRequest(db: Db, requestId: string) {
  return db
    .selectFrom("notification_deliveries as d")
    .innerJoin("outbox as o", "o.id", "d.outbox_id")
    .select(["d.outbox_id", "d.recipient", "d.topic", "d.sent_at", "o.payload"])
    .where("o.payload", "like", `%"requestId":"${requestId}"%`)
    .execute();
}
