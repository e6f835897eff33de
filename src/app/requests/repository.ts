// Refund requests in the database: loading the state machine's snapshot (request row, current
// recommendation, reviewer decision, what the payments can still give back), saving the next one
// under optimistic concurrency, and carrying out the core's effects (audit, messages, outbox).

import type { Kysely, Transaction } from "kysely";
import { actorRef, userIdOf } from "../../core/access/index.js";
import { stillRefundable } from "../../core/ledger/ledger.js";
import { money, moneyToJson, parseMoney, type Money } from "../../core/money/money.js";
import type { Decision, DecisionJson, Policy } from "../../core/policy/index.js";
import { decisionToJson } from "../../core/policy/index.js";
import {
  isOpen,
  REQUEST_STATUSES,
  type Effect,
  type OfferedAlternative,
  type Recommendation,
  type RequestSnapshot,
  type RequestStatus,
  type ReviewerDecision,
} from "../../core/requests/index.js";
import type { Reason } from "../../core/policy/index.js";
import { appendAudit, type AuditInput, type JsonValue } from "../../db/audit.js";
import { createPayouts } from "../payouts/repository.js";
import { IN_FLIGHT } from "../../core/payouts/index.js";
import { precompile } from "../../db/precompiled.js";
import { newId } from "../../db/ids.js";
import { fromDbMinor, fromDbMoneyOrNull, toDbMinor } from "../../db/money.js";
import type {
  Database,
  DecisionRow,
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
import type { ActionContext } from "../context.js";

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
 * What the order's payments can still give back, in the order's currency: for each payment of the
 * order in that currency, captured minus refunded minus payouts in flight (ledger
 * `stillRefundable`); for a payment in another currency (crypto for a fiat price, refunded at its
 * fiat value under fiat-at-payout), the price it covered less the fiat payouts already made or on
 * their way from it; less approvals whose payouts are not created yet (they are on their way).
 */
export async function refundableTotal(trx: Db, orderId: string, currency: string): Promise<Money> {
  const all = await trx
    .selectFrom("payments")
    .select(["id", "amount_minor", "refunded_minor", "currency"])
    .where("order_id", "=", orderId)
    .execute();
  const payments = all.filter((p) => p.currency === currency);
  const foreign = all.filter((p) => p.currency !== currency);
  if (all.length === 0) return money(0n, currency);
  const inFlight = await trx
    .selectFrom("payouts")
    .select(["payment_id", "amount_minor", "status"])
    .where(
      "payment_id",
      "in",
      all.map((p) => p.id),
    )
    .where("currency", "=", currency)
    .where("status", "in", [...IN_FLIGHT, "succeeded"])
    .execute();
  const flying = new Map<string, bigint>();
  const fiatOut = new Map<string, bigint>();
  for (const p of inFlight) {
    const amount = fromDbMinor(p.amount_minor);
    fiatOut.set(p.payment_id, (fiatOut.get(p.payment_id) ?? 0n) + amount);
    if (p.status !== "succeeded") {
      flying.set(p.payment_id, (flying.get(p.payment_id) ?? 0n) + amount);
    }
  }
  let total = 0n;
  for (const p of payments) {
    total += stillRefundable({
      captured: money(fromDbMinor(p.amount_minor), currency),
      refunded: fromDbMinor(p.refunded_minor),
      inFlight: flying.get(p.id) ?? 0n,
    });
  }
  if (foreign.length > 0) {
    const order = await trx
      .selectFrom("orders")
      .select("price_minor")
      .where("id", "=", orderId)
      .executeTakeFirst();
    const price = order === undefined ? 0n : fromDbMinor(order.price_minor);
    for (const p of foreign) {
      const left = price - (fiatOut.get(p.id) ?? 0n);
      if (left > 0n) total += left;
    }
  }
  const approvedWithoutPayouts = await trx
    .selectFrom("decisions as d")
    .innerJoin("refund_requests as r", "r.id", "d.request_id")
    .select(["d.amount_minor"])
    .where("r.order_id", "=", orderId)
    .where("d.kind", "=", "approve")
    .where("d.amount_currency", "=", currency)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("payouts as p").select("p.id").whereRef("p.decision_id", "=", "d.id"))),
    )
    .execute();
  for (const d of approvedWithoutPayouts) {
    if (d.amount_minor !== null) total -= fromDbMinor(d.amount_minor);
  }
  return money(total > 0n ? total : 0n, currency);
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

interface AlternativeJson {
  kind: OfferedAlternative["kind"];
  note: string;
  offeredBy: string;
  offeredAt: string;
  accepted: boolean | null;
  respondedAt: string | null;
  followUp?: { dueAt: string; ownerId: string; fulfilledAt: string | null } | null;
}

/** The stored alternative JSON back as the state machine's OfferedAlternative. */
export function alternativeFromDb(text: string | null): OfferedAlternative | null {
  if (text === null) return null;
  const a = JSON.parse(text) as AlternativeJson;
  return {
    kind: a.kind,
    note: a.note,
    offeredBy: a.offeredBy,
    offeredAt: fromDbInstant(a.offeredAt),
    accepted: a.accepted,
    respondedAt: fromDbInstantOrNull(a.respondedAt),
    followUp:
      a.followUp === undefined || a.followUp === null
        ? null
        : {
            dueAt: fromDbInstant(a.followUp.dueAt),
            ownerId: a.followUp.ownerId,
            fulfilledAt: fromDbInstantOrNull(a.followUp.fulfilledAt),
          },
  };
}

function alternativeToDb(a: OfferedAlternative | null): string | null {
  if (a === null) return null;
  const json: AlternativeJson = {
    kind: a.kind,
    note: a.note,
    offeredBy: a.offeredBy,
    offeredAt: toDbInstant(a.offeredAt),
    accepted: a.accepted,
    respondedAt: toDbInstantOrNull(a.respondedAt),
    ...(a.followUp === undefined || a.followUp === null
      ? {}
      : {
          followUp: {
            dueAt: toDbInstant(a.followUp.dueAt),
            ownerId: a.followUp.ownerId,
            fulfilledAt: toDbInstantOrNull(a.followUp.fulfilledAt),
          },
        }),
  };
  return JSON.stringify(json);
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

/** Enqueues a message for the worker (transactional outbox), in the caller's transaction. */
export async function enqueueOutbox(
  trx: Db,
  topic: string,
  payload: unknown,
  now: number,
): Promise<string> {
  const id = newId("obx");
  const at = toDbInstant(now);
  await INSERT_OUTBOX.executeWrite(trx, {
    id,
    topic,
    payload: JSON.stringify(payload),
    created_at: at,
    available_at: at,
  });
  return id;
}

const INSERT_OUTBOX = precompile<{
  id: string;
  topic: string;
  payload: string;
  created_at: string;
  available_at: string;
}>()((db, p) =>
  db.insertInto("outbox").values({
    id: p("id"),
    topic: p("topic"),
    payload: p("payload"),
    created_at: p("created_at"),
    available_at: p("available_at"),
  }),
);

/** Extra facts for the effects: the decision row an approval created, audit details. */
export interface EffectContext {
  readonly decisionId?: string;
  /** Needed by `create_payouts` (the payout due window comes from the policy's calendar). */
  readonly policy?: Policy;
  readonly auditDetails?: Readonly<Record<string, JsonValue>>;
}

/**
 * Carries out the core's effects in the caller's transaction: the audit event, messages, and
 * outbox rows for notifications (`notify.<template>`), and the scheduled payouts of an approval.
 */
export async function applyEffects(
  trx: Trx,
  ctx: ActionContext,
  next: RequestSnapshot,
  effects: readonly Effect[],
  now: number,
  extra: EffectContext = {},
): Promise<void> {
  const ref = { requestId: next.id, orderId: next.orderId, clientId: next.clientId };
  // The audit append takes the chain's lock (PostgreSQL: until commit), so it goes last (ADR 0007):
  // the other writes of the transaction do not hold up every other writer.
  const ordered = [
    ...effects.filter((e) => e.type !== "audit"),
    ...effects.filter((e) => e.type === "audit"),
  ];
  const payoutAudits: AuditInput[] = [];
  for (const effect of ordered) {
    switch (effect.type) {
      case "audit":
        await appendAudit(trx, {
          actor: actorRef(ctx.actor),
          action: effect.action,
          entityType: REQUEST_ENTITY,
          entityId: next.id,
          summary: {
            from: effect.from,
            to: effect.to,
            summary: effect.summary,
            version: next.version,
            orderId: next.orderId,
            ...(extra.auditDetails ?? {}),
          },
          ip: ctx.ip,
          at: now,
        });
        break;
      case "notify_client":
        await enqueueOutbox(
          trx,
          `notify.${effect.template}`,
          { ...ref, audience: "client", template: effect.template, status: next.status },
          now,
        );
        break;
      case "notify_staff":
        await enqueueOutbox(
          trx,
          `notify.${effect.template}`,
          { ...ref, audience: "staff", template: effect.template, status: next.status },
          now,
        );
        break;
      case "record_message": {
        const author = userIdOf(ctx.actor);
        if (author === null) throw new Error("a message needs a signed-in author");
        await trx
          .insertInto("messages")
          .values({
            id: newId("msg"),
            request_id: next.id,
            author_user_id: author,
            kind: effect.kind,
            body: effect.body,
            created_at: toDbInstant(now),
          })
          .execute();
        break;
      }
      case "create_payouts": {
        if (extra.decisionId === undefined || extra.policy === undefined) {
          throw new Error("create_payouts needs the decision id and the policy");
        }
        const created = await createPayouts(trx, extra.policy, {
          requestId: next.id,
          orderId: next.orderId,
          decisionId: extra.decisionId,
          amount: effect.amount,
          lines: effect.lines,
          approvedAt: now,
        });
        for (const p of created) {
          payoutAudits.push({
            actor: actorRef(ctx.actor),
            action: "payout.scheduled",
            entityType: "payout",
            entityId: p.id,
            summary: {
              requestId: next.id,
              decisionId: extra.decisionId,
              paymentId: p.paymentId,
              amount: moneyToJson(p.amount) as unknown as JsonValue,
              dueEarliest: p.dueEarliest,
              dueLatest: p.dueLatest,
            },
            ip: ctx.ip,
            at: now,
          });
        }
        break;
      }
    }
  }
  for (const a of payoutAudits) await appendAudit(trx, a);
}
