// Reading one request: the client its own (anything else answers like a missing id), staff all.
// The hot read path (a client polling its request): one query for the request and its current
// recommendation, a second only once decided, and the ledger only for staff.

import { isStaff, visibleOrNotFound } from "../../core/access/index.js";
import type { Money } from "../../core/money/money.js";
import { precompile } from "../../db/precompiled.js";
import type { RefundRequestRow } from "../../db/schema.js";
import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { presentRequest, type RecommendationSource, type RequestView } from "./present.js";
import { alternativeFromDb } from "../../db/alternative.js";
import {
  finalDecisionRow,
  findRequestRow,
  recommendationFromJson,
  refundableTotal,
  reviewerDecision,
  type Db,
} from "./repository.js";
import { assertVisible } from "../authorize.js";

/** Loads a request the caller may reach with `action`; 404 alike for missing and not visible. */
export async function readableRequest(
  db: Db,
  ctx: ActionContext,
  id: string,
  action: "request.read" | "message.read" | "message.create" = "request.read",
): Promise<RefundRequestRow> {
  const row = await findRequestRow(db, id);
  if (row === undefined) throw notFound("request");
  assertVisible(visibleOrNotFound(ctx.actor, action, { clientId: row.client_id }), "request");
  return row;
}

/** The hot read: a request row with its current recommendation's JSON. */
const REQUEST_WITH_RECOMMENDATION = precompile<{ id: string }>()((db, p) =>
  db
    .selectFrom("refund_requests as r")
    .leftJoin("recommendations as rec", "rec.id", "r.recommendation_id")
    .selectAll("r")
    .select(["rec.decision_json as rec_json", "rec.created_at as rec_created_at"])
    .where("r.id", "=", p("id")),
);

/** One request with its current recommendation, decision and the caller's available actions. */
export async function getRequest(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<RequestView> {
  const db = deps.db;
  const found = await REQUEST_WITH_RECOMMENDATION.executeTakeFirst(db, { id });
  if (found === undefined) throw notFound("request");
  assertVisible(
    visibleOrNotFound(ctx.actor, "request.read", { clientId: found.client_id }),
    "request",
  );
  const { rec_json, rec_created_at, ...row } = found;
  const recommendation: RecommendationSource | null =
    row.recommendation_id === null || rec_json === null || rec_created_at === null
      ? null
      : {
          id: row.recommendation_id,
          createdAt: rec_created_at,
          json: deps.recommendations.parse(row.recommendation_id, rec_json),
        };

  const decisionRow =
    row.status === "approved" || row.status === "denied"
      ? await finalDecisionRow(db, row.id)
      : null;
  let refundable: Money | null = null;
  if (isStaff(ctx.actor)) {
    const order = await db
      .selectFrom("orders")
      .select("price_currency")
      .where("id", "=", row.order_id)
      .executeTakeFirst();
    if (order !== undefined) {
      refundable = await refundableTotal(db, row.order_id, order.price_currency);
    }
  }
  return presentRequest(
    {
      row,
      recommendation,
      decision:
        decisionRow === null
          ? null
          : reviewerDecision(
              decisionRow,
              recommendation === null ? null : recommendationFromJson(recommendation.json),
            ),
      decisionId: decisionRow?.id ?? null,
      alternative: alternativeFromDb(row.alternative_json),
      refundable,
    },
    ctx.actor,
    { now: deps.clock(), policy: deps.policy },
  );
}
