// Payout rows in and out of the database, the payment row lock, and the creation of payouts when a
// refund is approved (in the approval's transaction: the scheduled payout rows are the durable
// work the worker picks up, so an approval can never be lost between two systems).

import { sql, type Kysely, type Transaction } from "kysely";
import { money, type Money } from "../../core/money/money.js";
import { capOf, refundable } from "../../core/ledger/refundable.js";
import {
  allocate,
  dueWindow,
  type Approval,
  type CryptoDestination,
  type PayoutLine,
  type PayoutState,
  type PayoutStatus,
} from "../../core/payouts/index.js";
import type { PaymentMethod, Policy } from "../../core/policy/index.js";
import { dialectOf } from "../../db/connection.js";
import { readLedger } from "../../db/ledger.js";
import { newId } from "../../db/ids.js";
import { fromDbMinor, toDbMinor } from "../../db/money.js";
import type { Database, PayoutsTable } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { Selectable, Updateable } from "kysely";
import { AppError } from "../errors.js";
import { enqueueOutbox } from "../../db/outbox.js";

type Db = Kysely<Database> | Transaction<Database>;
export type PayoutRow = Selectable<PayoutsTable>;

/** The provider's idempotency key for a payout: derived from its id, never changed. */
export function idempotencyKeyFor(payoutId: string): string {
  return `refund-desk-payout-${payoutId}`;
}

export async function findPayout(db: Db, id: string): Promise<PayoutRow | undefined> {
  return db.selectFrom("payouts").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The filters of a payout list (all optional), already checked; `limit` rows at most. */
export interface PayoutListFilter {
  /** Only this client's payouts (the access module's list scope). */
  readonly clientId?: string | undefined;
  readonly status?: PayoutStatus | undefined;
  readonly method?: string | undefined;
  readonly requestId?: string | undefined;
  readonly parked?: boolean | undefined;
  readonly awaiting?: "approval" | "second_approval" | undefined;
  /** Open payouts (not succeeded or failed) whose latest due day is in this range. */
  readonly dueLatest?:
    { readonly before?: string; readonly from?: string; readonly through?: string } | undefined;
  /** Keyset: after this (due_latest, id). */
  readonly after?: { readonly key: string; readonly id: string } | undefined;
  readonly limit: number;
}

/** Payouts by (due_latest, id), filtered. */
export async function listPayoutRows(db: Db, f: PayoutListFilter): Promise<PayoutRow[]> {
  let q = db
    .selectFrom("payouts")
    .innerJoin("refund_requests", "refund_requests.id", "payouts.request_id")
    .selectAll("payouts");
  if (f.clientId !== undefined) q = q.where("refund_requests.client_id", "=", f.clientId);
  if (f.status !== undefined) q = q.where("payouts.status", "=", f.status);
  if (f.method !== undefined) q = q.where("payouts.method", "=", f.method);
  if (f.requestId !== undefined) q = q.where("payouts.request_id", "=", f.requestId);
  if (f.parked !== undefined) q = q.where("payouts.parked_at", f.parked ? "is not" : "is", null);
  if (f.awaiting !== undefined) {
    q = q
      .where("payouts.status", "=", "scheduled")
      .where(sql<boolean>`payouts.approvals ${f.awaiting === "approval" ? sql`=` : sql`<>`} '[]'`);
  }
  const range = f.dueLatest;
  if (range !== undefined) {
    q = q.where("payouts.status", "not in", ["succeeded", "failed"]);
    if (range.before !== undefined) q = q.where("payouts.due_latest", "<", range.before);
    if (range.from !== undefined) q = q.where("payouts.due_latest", ">=", range.from);
    if (range.through !== undefined) q = q.where("payouts.due_latest", "<=", range.through);
  }
  const after = f.after;
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb("payouts.due_latest", ">", after.key),
        eb.and([eb("payouts.due_latest", "=", after.key), eb("payouts.id", ">", after.id)]),
      ]),
    );
  }
  return q
    .orderBy("payouts.due_latest", "asc")
    .orderBy("payouts.id", "asc")
    .limit(f.limit)
    .execute();
}

/**
 * The payout a provider event is about: the id its metadata names, else the one holding the
 * provider's refund id; null when neither is one of ours.
 */
export async function payoutIdForEvent(
  db: Db,
  named: string | null,
  providerRef: string,
): Promise<string | null> {
  if (named === null) {
    const byRef = await db
      .selectFrom("payouts")
      .select("id")
      .where("provider_ref", "=", providerRef)
      .executeTakeFirst();
    return byRef?.id ?? null;
  }
  const exists = await db
    .selectFrom("payouts")
    .select("id")
    .where("id", "=", named)
    .executeTakeFirst();
  return exists === undefined ? null : named;
}

/** Records a provider event's id; false when it was recorded before (a repeated delivery). */
export async function insertProviderEvent(
  trx: Db,
  e: {
    readonly id: string;
    readonly provider: string;
    readonly type: string;
    readonly payoutId: string | null;
    readonly receivedAt: number;
  },
): Promise<boolean> {
  const inserted = await trx
    .insertInto("provider_events")
    .values({
      id: e.id,
      provider: e.provider,
      type: e.type,
      payout_id: e.payoutId,
      received_at: toDbInstant(e.receivedAt),
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Where a payout's latest due day stands against today (finance's bands; "later" otherwise). */
export type DueBand = "overdue" | "due_today" | "at_risk" | "later";

/** One group of the dashboard count. */
export interface PayoutGroupCount {
  readonly status: PayoutStatus;
  readonly band: DueBand;
  /** No approval yet. */
  readonly awaitingFirst: boolean;
  readonly parked: boolean;
  readonly count: number;
}

/**
 * Every payout counted once, grouped by status, due band (before `today`, on it, up to
 * `atRiskThrough`, later), whether it has no approval yet and whether it is parked: one
 * `COUNT(*) ... GROUP BY` (a few dozen groups at most), not a scan of the rows.
 */
export async function countPayoutGroups(
  db: Db,
  today: string,
  atRiskThrough: string,
): Promise<PayoutGroupCount[]> {
  const band = sql<DueBand>`case when due_latest < ${today} then 'overdue' when due_latest = ${today} then 'due_today' when due_latest <= ${atRiskThrough} then 'at_risk' else 'later' end`;
  const fresh = sql<number>`case when approvals = '[]' then 1 else 0 end`;
  const parked = sql<number>`case when parked_at is null then 0 else 1 end`;
  const rows = await db
    .selectFrom("payouts")
    .select((eb) => [
      "status",
      band.as("band"),
      fresh.as("fresh"),
      parked.as("parked"),
      eb.fn.countAll<string | number>().as("n"),
    ])
    .groupBy([sql`1`, sql`2`, sql`3`, sql`4`])
    .execute();
  return rows.map((r) => ({
    status: r.status as PayoutStatus,
    band: r.band,
    awaitingFirst: Number(r.fresh) === 1,
    parked: Number(r.parked) === 1,
    count: Number(r.n),
  }));
}

/** The payout row, locked until commit on PostgreSQL (SQLite has one writer at a time). */
export async function lockPayout(trx: Db, id: string): Promise<PayoutRow | undefined> {
  const q = trx.selectFrom("payouts").selectAll().where("id", "=", id);
  return (dialectOf(trx) === "postgres" ? q.forUpdate() : q).executeTakeFirst();
}

export interface DecisionFacts {
  readonly decidedBy: string;
  readonly clientId: string;
}

/** Who decided the payout's decision and whose request it is. */
export async function decisionFacts(db: Db, payout: PayoutRow): Promise<DecisionFacts> {
  const row = await db
    .selectFrom("decisions")
    .innerJoin("refund_requests", "refund_requests.id", "decisions.request_id")
    .select(["decisions.decided_by", "refund_requests.client_id"])
    .where("decisions.id", "=", payout.decision_id)
    .executeTakeFirstOrThrow();
  return { decidedBy: row.decided_by, clientId: row.client_id };
}

export function parseApprovals(text: string): Approval[] {
  const raw: unknown = JSON.parse(text);
  if (!Array.isArray(raw)) throw new Error("payout approvals are not a list");
  return raw.map((a: { userId: string; at: number }) => ({ userId: a.userId, at: a.at }));
}

export function parseDestination(text: string | null): CryptoDestination | null {
  if (text === null) return null;
  const d = JSON.parse(text) as CryptoDestination;
  return { asset: d.asset, network: d.network, address: d.address };
}

/** The approvals as stored (JSON text). */
export function approvalsToDb(approvals: readonly Approval[]): string {
  return JSON.stringify(approvals.map((a) => ({ userId: a.userId, at: a.at })));
}

/** A crypto destination as stored (JSON text). */
export function destinationToDb(d: CryptoDestination): string {
  return JSON.stringify({ asset: d.asset, network: d.network, address: d.address });
}

/** Writes the given columns of one payout row. */
export async function updatePayout(
  trx: Db,
  id: string,
  set: Updateable<PayoutsTable>,
): Promise<void> {
  await trx.updateTable("payouts").set(set).where("id", "=", id).execute();
}

/** A payment's currency (its refunds go back in it). */
export async function paymentCurrencyOf(db: Db, paymentId: string): Promise<string> {
  const row = await db
    .selectFrom("payments")
    .select("currency")
    .where("id", "=", paymentId)
    .executeTakeFirstOrThrow();
  return row.currency;
}

/** A payment's provider charge reference (card payments), null when it has none. */
export async function paymentProviderRef(db: Db, paymentId: string): Promise<string | null> {
  const row = await db
    .selectFrom("payments")
    .select("provider_ref")
    .where("id", "=", paymentId)
    .executeTakeFirst();
  return row?.provider_ref ?? null;
}

/** A payment's captured and refunded totals, the row locked until commit on PostgreSQL. */
export async function lockPaymentTotals(
  trx: Db,
  paymentId: string,
): Promise<{ readonly currency: string; readonly captured: bigint; readonly refunded: bigint }> {
  const q = trx
    .selectFrom("payments")
    .select(["currency", "refunded_minor", "amount_minor"])
    .where("id", "=", paymentId);
  const row = await (dialectOf(trx) === "postgres" ? q.forUpdate() : q).executeTakeFirstOrThrow();
  return {
    currency: row.currency,
    captured: fromDbMinor(row.amount_minor),
    refunded: fromDbMinor(row.refunded_minor),
  };
}

/** Sets a payment's refunded total (succeeded refunds, in its own currency). */
export async function setPaymentRefunded(
  trx: Db,
  paymentId: string,
  refunded: bigint,
  at: string,
): Promise<void> {
  await trx
    .updateTable("payments")
    .set({ refunded_minor: toDbMinor(refunded), updated_at: at })
    .where("id", "=", paymentId)
    .execute();
}

export function stateOf(row: PayoutRow, decidedBy: string): PayoutState {
  return {
    id: row.id,
    method: row.method as PaymentMethod,
    amount: money(fromDbMinor(row.amount_minor), row.currency),
    status: row.status,
    approvals: parseApprovals(row.approvals),
    decidedBy,
    destination: parseDestination(row.destination),
  };
}

export interface CreatePayoutsInput {
  readonly requestId: string;
  readonly orderId: string;
  readonly decisionId: string;
  readonly amount: Money;
  /** The engine's lines; null to spread `amount` over the order's payments. */
  readonly lines: readonly PayoutLine[] | null;
  readonly approvedAt: number;
}

/** A payout just written, for the audit trail. */
export interface CreatedPayout {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: Money;
  readonly dueEarliest: string;
  readonly dueLatest: string;
}

/**
 * Writes one scheduled payout per refund line, each with its due window fixed now. Refuses (409)
 * a line that would take more from its payment than the payment may still give back.
 */
export async function createPayouts(
  trx: Db,
  policy: Policy,
  input: CreatePayoutsInput,
): Promise<CreatedPayout[]> {
  // The payments, locked: the order's all (to spread the amount), or those the lines name.
  const facts = await readLedger(
    trx,
    input.lines === null
      ? { orderId: input.orderId }
      : { paymentIds: input.lines.map((l) => l.paymentId) },
    { lock: true, priceCurrency: input.amount.currency },
  );
  const left = refundable(facts).payments;
  const priceCurrency = facts.price.currency;
  let lines = input.lines;
  if (lines === null) {
    lines = allocate(
      input.amount,
      facts.payments.map((p) => ({
        id: p.id,
        method: p.method as PaymentMethod,
        currency: p.captured.currency,
        capturedAt: Date.parse(p.capturedAt),
        refundable: left.get(p.id)?.left ?? 0n,
      })),
    );
    if (lines === null) {
      throw new AppError(
        "conflict",
        "the order's payments cannot give back the approved amount any more",
        [{ path: "amount", message: "more than the payments may still give back" }],
      );
    }
  }

  const window = dueWindow(input.approvedAt, policy.params);
  const at = toDbInstant(input.approvedAt);
  const taken = new Map<string, bigint>();
  const created: CreatedPayout[] = [];
  for (const line of lines) {
    const payment = facts.payments.find((p) => p.id === line.paymentId);
    const pleft = left.get(line.paymentId);
    if (payment === undefined || pleft === undefined)
      throw new Error(`refund line names unknown payment ${line.paymentId}`);
    // A line takes at most what its payment may still give back, in the line's currency (the
    // ledger's one rule): the payment's own, or the price's for a fiat-valued line on a crypto
    // payment (fiat-at-payout, converted at payout time).
    const key = `${payment.id} ${line.amount.currency}`;
    const sofar = (taken.get(key) ?? 0n) + line.amount.minor;
    const cap = capOf(pleft, line.amount.currency, priceCurrency);
    if (sofar > cap) {
      throw new AppError(
        "conflict",
        `payment ${payment.id} can give back only ${cap} minor units of ` +
          `${line.amount.currency} now; another refund took the rest`,
        [{ path: "amount", message: "more than the payment may still give back" }],
        { paymentId: payment.id },
      );
    }
    taken.set(key, sofar);
    const id = newId("pyo");
    await trx
      .insertInto("payouts")
      .values({
        id,
        request_id: input.requestId,
        decision_id: input.decisionId,
        payment_id: payment.id,
        method: payment.method,
        amount_minor: toDbMinor(line.amount.minor),
        currency: line.amount.currency,
        status: "scheduled",
        due_earliest: window.earliest,
        due_latest: window.latest,
        idempotency_key: idempotencyKeyFor(id),
        approvals: "[]",
        created_at: at,
        updated_at: at,
      })
      .execute();
    created.push({
      id,
      paymentId: payment.id,
      amount: line.amount,
      dueEarliest: window.earliest,
      dueLatest: window.latest,
    });
  }
  return created;
}

/** Tells the client about its payout (outbox `notify.refund_sent` / `notify.refund_failed`). */
export async function notifyPayoutClient(
  trx: Db,
  payout: Pick<PayoutRow, "id" | "request_id">,
  template: "refund_sent" | "refund_failed",
  now: number,
): Promise<void> {
  const request = await trx
    .selectFrom("refund_requests")
    .select(["id", "order_id", "client_id"])
    .where("id", "=", payout.request_id)
    .executeTakeFirstOrThrow();
  await enqueueOutbox(
    trx,
    `notify.${template}`,
    {
      requestId: request.id,
      orderId: request.order_id,
      clientId: request.client_id,
      payoutId: payout.id,
      audience: "client",
      template,
    },
    now,
  );
}
