// Refund requests in the database: loading the state machine's snapshot (request row, current
// recommendation, reviewer decision, what the payments can still give back), saving the next one
// under optimistic concurrency; the row <-> domain codecs (recommendation, decision, alternative).
// The core's effects are carried out by apply-effects.ts.

import type { Insertable, Kysely, Transaction } from "kysely";
import { refundable } from "../../core/ledger/refundable.js";
import { money, parseMoney, type Money } from "../../core/money/money.js";
import type { Decision, DecisionJson } from "../../core/policy/index.js";
import { decisionToJson } from "../../core/policy/index.js";
import {
  isOpen,
  REQUEST_STATUSES,
  type Recommendation,
  type RequestSnapshot,
  type RequestStatus,
  type ReviewerDecision,
} from "../../core/requests/index.js";
import type { Reason } from "../../core/policy/index.js";
import { alternativeFromDb, alternativeToDb } from "../../db/alternative.js";
import { readLedger } from "../../db/ledger.js";
import { precompile } from "../../db/precompiled.js";
import { newId } from "../../db/ids.js";
import { fromDbMoneyOrNull, toDbMinor } from "../../db/money.js";
import type {
  Database,
  DecisionRow,
  DecisionsTable,
  MessageKind,
  MessageRow,
  OrderRow,
  RecommendationRow,
  RefundRequestRow,
} from "../../db/schema.js";
import {
  fromDbInstant,
  fromDbInstantOrNull,
  toDbInstant,
  toDbInstantOrNull,
} from "../../db/time.js";

/** A connection or a transaction: reads work on either. */
export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

/** The statuses in which a request is still open (may be re-evaluated, may block a duplicate). */
export const OPEN_STATUSES: readonly RequestStatus[] = REQUEST_STATUSES.filter(isOpen);

/** The audit trail's entity type for requests. */
export const REQUEST_ENTITY = "refund_request";

/**
 * Reads the order row; on PostgreSQL locks it (`FOR UPDATE`) until the transaction ends, so
 * intake, decisions and re-evaluations of one order's requests take turns. SQLite write
 * transactions (BEGIN IMMEDIATE) are serialized already.
 */
export async function lockOrder(trx: Db, orderId: string): Promise<OrderRow | undefined> {
  return LOCK_ORDER.executeTakeFirst(trx, { id: orderId });
}

const LOCK_ORDER = precompile<{ id: string }>()((db, p, dialect) => {
  const q = db.selectFrom("orders").selectAll().where("id", "=", p("id"));
  return dialect === "postgres" ? q.forUpdate() : q;
});

/**
 * What the order's payments can still give back, in the order's currency: the ledger's one rule
 * (`refundable`, src/core/ledger/refundable.ts) on the facts read by src/db/ledger.ts, approvals
 * whose payouts are not written yet netted.
 */
export async function refundableTotal(trx: Db, orderId: string, currency: string): Promise<Money> {
  const facts = await readLedger(trx, { orderId }, { approvals: true, priceCurrency: currency });
  if (facts.payments.length === 0) return money(0n, currency);
  const total = refundable(facts).total;
  // The snapshot is in the order's currency; a price in another one is a broken order.
  return total.currency === currency ? total : money(0n, currency);
}

function jsonMoney(v: { amount: string; currency: string }): Money {
  const m = parseMoney(v.amount, v.currency);
  if (!m.ok) throw new RangeError(`stored money is invalid: ${m.message}`);
  return m.value;
}

/** The stored decision JSON back as the state machine's Recommendation. */
export function recommendationFromJson(json: DecisionJson): Recommendation {
  return {
    outcome: json.outcome,
    amount: json.amount === null ? null : jsonMoney(json.amount),
    refunds: json.refunds.map((r) => ({
      paymentId: r.paymentId,
      method: r.method,
      amount: jsonMoney(r.amount),
    })),
    clauses: json.clauses,
    policyVersion: json.policyVersion,
  };
}

/** A stored recommendation with its parsed decision JSON. */
export interface StoredRecommendation {
  readonly id: string;
  readonly row: RecommendationRow;
  readonly json: DecisionJson;
  readonly recommendation: Recommendation;
}

/** Parses a recommendations row. */
export function storedRecommendation(row: RecommendationRow): StoredRecommendation {
  const json = JSON.parse(row.decision_json) as DecisionJson;
  return { id: row.id, row, json, recommendation: recommendationFromJson(json) };
}

const INSERT_RECOMMENDATION = precompile<RecommendationRow>()((db, p) =>
  db.insertInto("recommendations").values({
    id: p("id"),
    request_id: p("request_id"),
    policy_version: p("policy_version"),
    outcome: p("outcome"),
    amount_minor: p("amount_minor"),
    amount_currency: p("amount_currency"),
    decision_json: p("decision_json"),
    created_at: p("created_at"),
    payout_latest: p("payout_latest"),
    window_ends_at: p("window_ends_at"),
  }),
);

/** Stores the engine's decision as a recommendation row of the request. */
export async function insertRecommendation(
  trx: Db,
  requestId: string,
  decision: Decision,
  now: number,
  id: string = newId("rec"),
): Promise<StoredRecommendation> {
  const json = decisionToJson(decision);
  const row: RecommendationRow = {
    id,
    request_id: requestId,
    policy_version: decision.policyVersion,
    outcome: decision.outcome,
    amount_minor: decision.amount === null ? null : toDbMinor(decision.amount.minor),
    amount_currency: decision.amount === null ? null : decision.amount.currency,
    decision_json: JSON.stringify(json),
    created_at: toDbInstant(now),
    payout_latest: json.deadlines.payoutLatest,
    window_ends_at: json.deadlines.requestWindowEndsAt,
  };
  await INSERT_RECOMMENDATION.executeWrite(trx, row);
  return { id, row, json, recommendation: recommendationFromJson(json) };
}

function follows(decision: DecisionRow, rec: Recommendation | null): boolean {
  // A denial follows only a recommendation to deny (not `review`, `incomplete` or none).
  if (decision.kind === "deny") return rec !== null && rec.outcome === "deny";
  return (
    rec !== null &&
    rec.outcome === "refund" &&
    rec.amount !== null &&
    decision.amount_currency === rec.amount.currency &&
    decision.amount_minor === toDbMinor(rec.amount.minor)
  );
}

/** A decisions row (approve or deny) as the state machine's ReviewerDecision. */
export function reviewerDecision(
  row: DecisionRow,
  rec: Recommendation | null,
): ReviewerDecision | null {
  if (row.kind !== "approve" && row.kind !== "deny") return null;
  return {
    outcome: row.kind === "approve" ? "approved" : "denied",
    amount: fromDbMoneyOrNull(row.amount_minor, row.amount_currency),
    justification: row.justification,
    followsRecommendation: follows(row, rec),
    decidedBy: row.decided_by,
    decidedAt: fromDbInstant(row.created_at),
    clauses: clausesFromDb(row.clauses_json) ?? rec?.clauses ?? [],
  };
}

/** The stored clause ids of a decision (JSON array), or null when none were stored. */
export function clausesFromDb(text: string | null): string[] | null {
  if (text === null) return null;
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? v.filter((c): c is string => typeof c === "string") : null;
}

/** Everything loaded with a snapshot that the snapshot itself does not carry. */
export interface LoadedRequest {
  readonly snapshot: RequestSnapshot;
  readonly row: RefundRequestRow;
  readonly recommendation: StoredRecommendation | null;
  /** The latest approve/deny decisions row, if any. */
  readonly decisionRow: DecisionRow | null;
}

/** Reads a request row by id (no lock). */
export async function findRequestRow(db: Db, id: string): Promise<RefundRequestRow | undefined> {
  return db.selectFrom("refund_requests").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Reads the current recommendation of a request row. */
export async function currentRecommendation(
  db: Db,
  row: Pick<RefundRequestRow, "recommendation_id">,
): Promise<StoredRecommendation | null> {
  if (row.recommendation_id === null) return null;
  const rec = await db
    .selectFrom("recommendations")
    .selectAll()
    .where("id", "=", row.recommendation_id)
    .executeTakeFirst();
  return rec === undefined ? null : storedRecommendation(rec);
}

/** Reads the latest final decision (approve or deny) of a request. */
export async function finalDecisionRow(db: Db, requestId: string): Promise<DecisionRow | null> {
  const row = await db
    .selectFrom("decisions")
    .selectAll()
    .where("request_id", "=", requestId)
    .where("kind", "in", ["approve", "deny"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

/** Builds the state machine's snapshot of a stored request. */
export async function loadSnapshot(
  db: Db,
  row: RefundRequestRow,
  orderCurrency: string,
): Promise<LoadedRequest> {
  const stored = await currentRecommendation(db, row);
  const decisionRow =
    row.status === "approved" || row.status === "denied"
      ? await finalDecisionRow(db, row.id)
      : null;
  const rec = stored?.recommendation ?? null;
  const snapshot: RequestSnapshot = {
    id: row.id,
    clientId: row.client_id,
    orderId: row.order_id,
    reason: row.reason as Reason,
    status: row.status as RequestStatus,
    version: row.version,
    currency: orderCurrency,
    submittedAt: fromDbInstant(row.submitted_at),
    updatedAt: fromDbInstant(row.updated_at),
    closedAt: fromDbInstantOrNull(row.closed_at),
    recommendation: rec,
    refundableTotal: await refundableTotal(db, row.order_id, orderCurrency),
    reviewerId: row.reviewer_id,
    openQuestion: row.open_question,
    alternative: alternativeFromDb(row.alternative_json),
    decision: decisionRow === null ? null : reviewerDecision(decisionRow, rec),
    replyBy: fromDbInstantOrNull(row.reply_by),
    appeal:
      row.appealed_at === null || row.appeal_denied_by === null
        ? null
        : { appealedAt: fromDbInstant(row.appealed_at), deniedBy: row.appeal_denied_by },
  };
  return { snapshot, row, recommendation: stored, decisionRow };
}

/**
 * Writes the next snapshot's stored fields, only if the row still has the version `prev` was
 * read at (optimistic concurrency). False when another change got there first.
 */
export async function saveSnapshot(
  trx: Db,
  prev: Pick<RequestSnapshot, "id" | "version"> & Partial<Pick<RequestSnapshot, "status">>,
  next: RequestSnapshot,
  recommendationId?: string,
  opts: { readonly clientReplied?: boolean } = {},
): Promise<boolean> {
  const statusChanged = prev.status !== undefined && prev.status !== next.status;
  const result = await trx
    .updateTable("refund_requests")
    .set({
      status: next.status,
      version: next.version,
      updated_at: toDbInstant(next.updatedAt),
      reviewer_id: next.reviewerId,
      open_question: next.openQuestion,
      closed_at: toDbInstantOrNull(next.closedAt),
      alternative_json: alternativeToDb(next.alternative),
      ...(recommendationId === undefined ? {} : { recommendation_id: recommendationId }),
      ...(next.replyBy === undefined
        ? {}
        : { reply_by: toDbInstantOrNull(next.replyBy), reply_reminded_at: null }),
      ...(next.appeal === undefined || next.appeal === null
        ? {}
        : {
            appealed_at: toDbInstant(next.appeal.appealedAt),
            appeal_denied_by: next.appeal.deniedBy,
          }),
      ...(statusChanged ? { waiting_since: toDbInstant(next.updatedAt) } : {}),
      ...(opts.clientReplied === true ? { last_client_reply_at: toDbInstant(next.updatedAt) } : {}),
    })
    .where("id", "=", prev.id)
    .where("version", "=", prev.version)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The decisions of a request, oldest first. */
export async function decisionRows(db: Db, requestId: string): Promise<DecisionRow[]> {
  return db
    .selectFrom("decisions")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** Writes a decisions row (approve, deny, offer an alternative). */
export async function insertDecision(trx: Db, row: Insertable<DecisionsTable>): Promise<void> {
  await trx.insertInto("decisions").values(row).execute();
}

/** The messages of a request, oldest first, each with its author's role. */
export async function messageRows(db: Db, requestId: string) {
  return db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.author_user_id")
    .selectAll("m")
    .select("u.role as author_role")
    .where("m.request_id", "=", requestId)
    .orderBy("m.created_at")
    .orderBy("m.id")
    .execute();
}

/** Writes a message of a request (a question, an answer, a note); returns the row written. */
export async function insertMessage(
  trx: Db,
  m: {
    readonly requestId: string;
    readonly authorUserId: string;
    readonly kind: MessageKind;
    readonly body: string;
    readonly at: number;
    /** An internal note (staff only). */
    readonly internal?: boolean;
  },
): Promise<MessageRow> {
  const row: MessageRow = {
    id: newId("msg"),
    request_id: m.requestId,
    author_user_id: m.authorUserId,
    kind: m.kind,
    body: m.body,
    created_at: toDbInstant(m.at),
    internal: m.internal === true ? 1 : 0,
  };
  await trx.insertInto("messages").values(row).execute();
  return row;
}
