// Refund requests in the database: loading the state machine's snapshot (request row, current
// recommendation, reviewer decision, what the payments can still give back), saving the next one
// under optimistic concurrency; the row <-> domain codecs (recommendation, decision, alternative).
// The core's effects are carried out by apply-effects.ts.

import type { Kysely, Transaction, Updateable } from "kysely";
import { refundable } from "../../core/ledger/refundable.js";
import { money, parseMoney, type Money } from "../../core/money/money.js";
import type { Decision, DecisionJson } from "../../core/policy/index.js";
import { decisionToJson } from "../../core/policy/index.js";
import {
  isOpen,
  REQUEST_STATUSES,
  type ExistingRequest,
  type Recommendation,
  type RequestSnapshot,
  type RequestStatus,
  type ReviewerDecision,
} from "../../core/requests/index.js";
import type { Reason } from "../../core/policy/index.js";
import { alternativeFromDb, alternativeToDb } from "../../db/alternative.js";
import { keysetAfter, type KeysetAfter } from "../../db/keyset.js";
import { readLedger } from "../../db/ledger.js";
import { precompile, type PrecompiledQuery } from "../../db/precompiled.js";
import { newId } from "../../db/ids.js";
import { fromDbMoneyOrNull, toDbMinor } from "../../db/money.js";
import type {
  Database,
  DecisionRow,
  MessageKind,
  MessageRow,
  OrderRow,
  PaymentRow,
  RecommendationRow,
  RefundRequestRow,
  RefundRequestsTable,
  ServiceEventRow,
  UserRow,
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

/** An order with its payments and service events, as stored. */
export interface OrderFacts {
  readonly order: OrderRow;
  readonly payments: readonly PaymentRow[];
  readonly events: readonly ServiceEventRow[];
}

/**
 * Loads the order (unless given), its payments in capture order and its service events in time
 * order; undefined when the order is missing.
 */
export async function loadOrderFacts(
  db: Db,
  orderId: string,
  order?: OrderRow,
): Promise<OrderFacts | undefined> {
  const o =
    order ??
    (await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst());
  if (o === undefined) return undefined;
  const [payments, events] = await Promise.all([
    ORDER_PAYMENTS.execute(db, { orderId }),
    ORDER_EVENTS.execute(db, { orderId }),
  ]);
  return { order: o, payments, events };
}

const ORDER_PAYMENTS = precompile<{ orderId: string }>()((db, p) =>
  db
    .selectFrom("payments")
    .selectAll()
    .where("order_id", "=", p("orderId"))
    .orderBy("captured_at")
    .orderBy("id"),
);

const ORDER_EVENTS = precompile<{ orderId: string }>()((db, p) =>
  db
    .selectFrom("service_events")
    .selectAll()
    .where("order_id", "=", p("orderId"))
    .orderBy("from_at")
    .orderBy("id"),
);

/** The order's open requests for one reason, oldest first, as intake's duplicate check reads them. */
export async function openRequestsFor(
  db: Db,
  orderId: string,
  reason: Reason,
): Promise<ExistingRequest[]> {
  return (await OPEN_REQUESTS.execute(db, { orderId, reason })).map((r) => ({
    id: r.id,
    orderId: r.order_id,
    reason: r.reason as Reason,
    status: r.status as RequestStatus,
  }));
}

const OPEN_REQUESTS = precompile<{ orderId: string; reason: string }>()((db, p) =>
  db
    .selectFrom("refund_requests")
    .select(["id", "order_id", "reason", "status"])
    .where("order_id", "=", p("orderId"))
    .where("reason", "=", p("reason"))
    .where("status", "in", OPEN_STATUSES)
    .orderBy("submitted_at")
    .orderBy("id"),
);

/** The order's open requests (or the one of them with `onlyRequestId`), oldest first. */
export async function openRequestRows(
  db: Db,
  orderId: string,
  onlyRequestId?: string,
): Promise<RefundRequestRow[]> {
  return onlyRequestId === undefined
    ? OPEN_REQUEST_ROWS.execute(db, { orderId })
    : OPEN_REQUEST_ROW.execute(db, { orderId, id: onlyRequestId });
}

// Every payment written runs its order's follow-up, which reads these (issue 18).
const openRequestsOf = (db: Kysely<Database>, orderId: string) =>
  db
    .selectFrom("refund_requests")
    .selectAll()
    .where("order_id", "=", orderId)
    .where("status", "in", OPEN_STATUSES);

const OPEN_REQUEST_ROWS = precompile<{ orderId: string }>()((db, p) =>
  openRequestsOf(db, p("orderId")).orderBy("submitted_at").orderBy("id"),
);

const OPEN_REQUEST_ROW = precompile<{ orderId: string; id: string }>()((db, p) =>
  openRequestsOf(db, p("orderId")).where("id", "=", p("id")),
);

/** Writes a new request's row. */
export async function insertRequestRow(trx: Db, row: RefundRequestRow): Promise<void> {
  await INSERT_REQUEST.executeWrite(trx, row);
}

const INSERT_REQUEST = precompile<RefundRequestRow>()((db, p) =>
  db.insertInto("refund_requests").values({
    id: p("id"),
    order_id: p("order_id"),
    client_id: p("client_id"),
    reason: p("reason"),
    description: p("description"),
    status: p("status"),
    version: p("version"),
    submitted_at: p("submitted_at"),
    updated_at: p("updated_at"),
    reviewer_id: p("reviewer_id"),
    open_question: p("open_question"),
    closed_at: p("closed_at"),
    alternative_json: p("alternative_json"),
    recommendation_id: p("recommendation_id"),
    reply_by: p("reply_by"),
    reply_reminded_at: p("reply_reminded_at"),
    waiting_since: p("waiting_since"),
    last_client_reply_at: p("last_client_reply_at"),
    appealed_at: p("appealed_at"),
    appeal_denied_by: p("appeal_denied_by"),
    policy_version_id: p("policy_version_id"),
  }),
);

/** Records when the client last wrote on a request (a message outside a question's answer). */
export async function setLastClientReply(trx: Db, requestId: string, at: string): Promise<void> {
  await trx
    .updateTable("refund_requests")
    .set({ last_client_reply_at: at })
    .where("id", "=", requestId)
    .execute();
}

/** How many attachments a request has (the engine's `request.attachments`). */
export async function attachmentCount(db: Db, requestId: string): Promise<number> {
  const row = await db
    .selectFrom("attachments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A user's id, role and whether the account is disabled (who a request may be assigned to). */
export async function findAssignee(
  db: Db,
  userId: string,
): Promise<Pick<UserRow, "id" | "role" | "disabled"> | undefined> {
  return db
    .selectFrom("users")
    .select(["id", "role", "disabled"])
    .where("id", "=", userId)
    .executeTakeFirst();
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
  const rec = await RECOMMENDATION.executeTakeFirst(db, { id: row.recommendation_id });
  return rec === undefined ? null : storedRecommendation(rec);
}

const RECOMMENDATION = precompile<{ id: string }>()((db, p) =>
  db.selectFrom("recommendations").selectAll().where("id", "=", p("id")),
);

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
    reason: row.reason as Reason | null,
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
  // A new question (every question enters info_requested) gets its own reply-by reminder; any
  // other save (a re-evaluation, an assignment) keeps the reminder already sent.
  const asked = statusChanged && next.status === "info_requested";
  const set: SnapshotFields = {
    status: next.status,
    version: next.version,
    updated_at: toDbInstant(next.updatedAt),
    reviewer_id: next.reviewerId,
    open_question: next.openQuestion,
    closed_at: toDbInstantOrNull(next.closedAt),
    // Set once, when QA classifies a request out of triage.
    ...(next.reason === null ? {} : { reason: next.reason }),
    alternative_json: alternativeToDb(next.alternative),
    ...(recommendationId === undefined ? {} : { recommendation_id: recommendationId }),
    ...(next.replyBy === undefined ? {} : { reply_by: toDbInstantOrNull(next.replyBy) }),
    ...(asked ? { reply_reminded_at: null } : {}),
    ...(next.appeal === undefined || next.appeal === null
      ? {}
      : {
          appealed_at: toDbInstant(next.appeal.appealedAt),
          appeal_denied_by: next.appeal.deniedBy,
        }),
    ...(statusChanged ? { waiting_since: toDbInstant(next.updatedAt) } : {}),
    ...(opts.clientReplied === true ? { last_client_reply_at: toDbInstant(next.updatedAt) } : {}),
  };
  const changed = await snapshotUpdate(set).executeWrite(trx, {
    ...set,
    whereId: prev.id,
    whereVersion: prev.version,
  });
  return changed > 0n;
}

type SnapshotFields = Updateable<RefundRequestsTable>;
type SnapshotUpdate = SnapshotFields & { whereId: string; whereVersion: number };

/**
 * The UPDATE that writes `set`'s columns (those not undefined, as Kysely's `set` leaves those
 * out) where the id and version match, compiled once per set of columns (seven optional groups:
 * at most 128 sets): every change of a request saves one, a duplicate case two (issue 18).
 */
function snapshotUpdate(set: SnapshotFields): PrecompiledQuery<SnapshotUpdate, unknown> {
  const columns = (Object.keys(set) as (keyof SnapshotFields & string)[]).filter(
    (c) => set[c] !== undefined,
  );
  const key = columns.join(",");
  let q = SNAPSHOT_UPDATES.get(key);
  if (q === undefined) {
    q = precompile<SnapshotUpdate>()((db, p) =>
      db
        .updateTable("refund_requests")
        .set(Object.fromEntries(columns.map((c) => [c, p(c)])) as SnapshotFields)
        .where("id", "=", p("whereId"))
        .where("version", "=", p("whereVersion")),
    );
    SNAPSHOT_UPDATES.set(key, q);
  }
  return q;
}

const SNAPSHOT_UPDATES = new Map<string, PrecompiledQuery<SnapshotUpdate, unknown>>();

/** A page of a request's decisions, oldest first: `limit + 1` rows after `after`. */
export async function decisionPage(
  db: Db,
  requestId: string,
  after: KeysetAfter | null,
  limit: number,
): Promise<DecisionRow[]> {
  const q = db.selectFrom("decisions").selectAll().where("request_id", "=", requestId);
  return keysetAfter(q, "created_at", "id", after, limit).execute();
}

/** Writes a decisions row (approve, deny, offer an alternative). */
export async function insertDecision(
  trx: Db,
  row: Omit<DecisionRow, "clauses_json"> & { readonly clauses_json?: string | null },
): Promise<void> {
  // Left out, clauses_json is NULL (its column's default, 0008).
  await INSERT_DECISION.executeWrite(trx, { ...row, clauses_json: row.clauses_json ?? null });
}

const INSERT_DECISION = precompile<DecisionRow>()((db, p) =>
  db.insertInto("decisions").values({
    id: p("id"),
    request_id: p("request_id"),
    recommendation_id: p("recommendation_id"),
    decided_by: p("decided_by"),
    kind: p("kind"),
    amount_minor: p("amount_minor"),
    amount_currency: p("amount_currency"),
    justification: p("justification"),
    alternative: p("alternative"),
    created_at: p("created_at"),
    clauses_json: p("clauses_json"),
  }),
);

/**
 * A page of a request's messages, oldest first (`limit + 1` rows after `after`); internal notes
 * only with `withNotes`, so a client's page is full of what it may read.
 */
export async function messagePage(
  db: Db,
  requestId: string,
  withNotes: boolean,
  after: KeysetAfter | null,
  limit: number,
) {
  let q = db
    .selectFrom("messages as m")
    .leftJoin("users as u", "u.id", "m.author_user_id")
    .selectAll("m")
    .select("u.role as author_role")
    .where("m.request_id", "=", requestId);
  if (!withNotes) q = q.where("m.internal", "=", 0);
  return keysetAfter(q, "m.created_at", "m.id", after, limit).execute();
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

/** An open question whose reply-by reminder has not gone out yet. */
export interface ReplyReminderCandidate {
  readonly id: string;
  readonly order_id: string;
  readonly client_id: string;
  readonly reply_by: string;
}

/**
 * Requests waiting on the client's answer, not reminded yet, whose reply-by is at or before
 * `until` (a superset of those due: the caller checks each one's reminder instant), oldest first.
 */
export async function replyReminderCandidates(
  db: Db,
  until: string,
  limit: number,
): Promise<ReplyReminderCandidate[]> {
  const rows = await db
    .selectFrom("refund_requests")
    .select(["id", "order_id", "client_id", "reply_by"])
    .where("status", "=", "info_requested")
    .where("reply_reminded_at", "is", null)
    .where("reply_by", "is not", null)
    .where("reply_by", "<=", until)
    .orderBy("reply_by")
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.flatMap((r) => (r.reply_by === null ? [] : [{ ...r, reply_by: r.reply_by }]));
}

/**
 * Claims the reminder of the question due at `replyBy`: one conditional UPDATE, true for the one
 * caller that set `reply_reminded_at`. A request answered meanwhile (no longer info_requested),
 * asked a new question (another reply-by) or reminded by another worker is not claimed. On
 * PostgreSQL a concurrent claimer waits for the row and then finds it taken.
 */
export async function claimReplyReminder(
  trx: Trx,
  id: string,
  replyBy: string,
  now: number,
): Promise<boolean> {
  const r = await trx
    .updateTable("refund_requests")
    .set({ reply_reminded_at: toDbInstant(now) })
    .where("id", "=", id)
    .where("status", "=", "info_requested")
    .where("reply_by", "=", replyBy)
    .where("reply_reminded_at", "is", null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
