// Reading one request: the client its own (anything else answers like a missing id), staff all.
// The hot read path (a client polling its request): one query for the request and its current
// recommendation, a second only once decided, and the ledger only for staff.

import { isStaff } from "../../core/access/index.js";
import type { Money } from "../../core/money/money.js";
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
import { authorize } from "../authorize.js";
import { findRequestWithRecommendation, orderPriceCurrency } from "./queries.js";

/** Loads a request the caller may reach with `action`; 404 alike for missing and not visible. */
export async function readableRequest(
  db: Db,
  ctx: ActionContext,
  id: string,
  action: "request.read" | "message.read" | "message.create" = "request.read",
): Promise<RefundRequestRow> {
  const row = await findRequestRow(db, id);
  if (row === undefined) throw notFound("request");
  authorize(ctx.actor, action, row.client_id, "request");
  return row;
}

/** One request with its current recommendation, decision and the caller's available actions. */
export async function getRequest(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<RequestView> {
  const db = deps.db;
  const found = await findRequestWithRecommendation(db, id);
  if (found === undefined) throw notFound("request");
  authorize(ctx.actor, "request.read", found.client_id, "request");
  // The request's row with the recommendation's two columns: read in place (an object rest to
  // drop them copied every column through V8's slow path, a sixth of this read's time).
  const row = found;
  const { rec_json, rec_created_at } = found;
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
    const currency = await orderPriceCurrency(db, row.order_id);
    if (currency !== undefined) {
      refundable = await refundableTotal(db, row.order_id, currency);
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
    {
      now: deps.clock(),
      policy: await deps.policies.current(),
      judgedBy: (await deps.policies.forRequest(row)).policy,
    },
  );
}
