// Payout rows in and out of the database, the payment row lock, and the creation of payouts when a
// refund is approved (in the approval's transaction: the scheduled payout rows are the durable
// work the worker picks up, so an approval can never be lost between two systems).

import { sql, type Kysely, type Transaction } from "kysely";
import { money, type Money } from "../../core/money/money.js";
import { capOf, refundable } from "../../core/ledger/refundable.js";
import {
  allocate,
  destinationNeeded,
  dueWindow,
  idempotencyKeyOf,
  type Approval,
  type BankDestination,
  type CryptoDestination,
  type PayoutLine,
  type PayoutState,
} from "../../core/payouts/index.js";
import type { PaymentMethod, Policy } from "../../core/policy/index.js";
import { dialectOf } from "../../db/connection.js";
import { readLedger } from "../../db/ledger.js";
import { precompile } from "../../db/precompiled.js";
import { newId } from "../../db/ids.js";
import { fromDbMinor, toDbMinor } from "../../db/money.js";
import type { Database, PayoutsTable } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { Insertable, Selectable, Updateable } from "kysely";
import { AppError } from "../errors.js";
import { enqueueOutbox } from "../../db/outbox.js";

type Db = Kysely<Database> | Transaction<Database>;
export type PayoutRow = Selectable<PayoutsTable>;

/** The provider's idempotency key for a payout: derived from its id, never changed. */
export function idempotencyKeyFor(payoutId: string): string {
  return idempotencyKeyOf(payoutId, 1);
}

export async function findPayout(db: Db, id: string): Promise<PayoutRow | undefined> {
  return db.selectFrom("payouts").selectAll().where("id", "=", id).executeTakeFirst();
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

/** Where a payout goes when the client gives it: a crypto address, or bank details (reissue). */
export type Destination = CryptoDestination | BankDestination;

export function parseDestination(text: string | null): Destination | null {
  if (text === null) return null;
  const d = JSON.parse(text) as Partial<CryptoDestination & BankDestination>;
  if (typeof d.iban === "string") {
    return { accountHolder: d.accountHolder ?? "", iban: d.iban, bic: d.bic ?? null };
  }
  return { asset: d.asset ?? "", network: d.network ?? "", address: d.address ?? "" };
}

export function isCrypto(d: Destination | null): d is CryptoDestination {
  return d !== null && "network" in d;
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
    destination: ((d) => (isCrypto(d) ? d : null))(parseDestination(row.destination)),
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
    await INSERT_SCHEDULED_PAYOUT.executeWrite(trx, {
      id,
      request_id: input.requestId,
      decision_id: input.decisionId,
      payment_id: payment.id,
      method: payment.method,
      amount_minor: toDbMinor(line.amount.minor),
      currency: line.amount.currency,
      due_earliest: window.earliest,
      due_latest: window.latest,
      idempotency_key: idempotencyKeyFor(id),
      created_at: at,
      updated_at: at,
      // The version whose calendar fixed the due window (in force at the approval; ADR 0025).
      policy_version_id: policy.version,
    });
    // A crypto refund waits for the client's wallet address: the client is asked at once, with a
    // link to where to give it (and reminded after 3 business days by the worker).
    if (destinationNeeded(payment.method as PaymentMethod, false)) {
      await askForDestination(
        trx,
        { id, request_id: input.requestId },
        "destination_needed",
        input.approvedAt,
      );
    }
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

/** A new payout row, `scheduled`, approved by nobody yet (compiled once: every approval writes one). */
const INSERT_SCHEDULED_PAYOUT = precompile<
  Pick<
    PayoutRow,
    | "id"
    | "request_id"
    | "decision_id"
    | "payment_id"
    | "method"
    | "amount_minor"
    | "currency"
    | "due_earliest"
    | "due_latest"
    | "idempotency_key"
    | "created_at"
    | "updated_at"
    | "policy_version_id"
  >
>()((db, p) =>
  db.insertInto("payouts").values({
    id: p("id"),
    request_id: p("request_id"),
    decision_id: p("decision_id"),
    payment_id: p("payment_id"),
    method: p("method"),
    amount_minor: p("amount_minor"),
    currency: p("currency"),
    status: "scheduled",
    due_earliest: p("due_earliest"),
    due_latest: p("due_latest"),
    idempotency_key: p("idempotency_key"),
    approvals: "[]",
    created_at: p("created_at"),
    updated_at: p("updated_at"),
    policy_version_id: p("policy_version_id"),
  }),
);

/**
 * Up to `limit` card payouts the worker may claim at `at`: released and scheduled, or unknown /
 * pending whose retry time has come, or submitting; not parked, their lease (if any) run out. On
 * PostgreSQL they are locked FOR UPDATE SKIP LOCKED, so several workers share the work without
 * waiting on each other.
 */
export async function claimablePayouts(trx: Db, at: string, limit: number): Promise<PayoutRow[]> {
  const pg = dialectOf(trx) === "postgres";
  const q = trx
    .selectFrom("payouts")
    .selectAll()
    .where("method", "=", "card")
    .where("parked_at", "is", null)
    .where((eb) =>
      eb.or([
        eb.and([
          eb("status", "in", ["scheduled", "unknown", "pending"]),
          eb("next_attempt_at", "<=", at),
        ]),
        eb("status", "=", "submitting"),
      ]),
    )
    .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", at)]))
    .orderBy("next_attempt_at")
    .limit(limit);
  return (pg ? q.forUpdate().skipLocked() : q).execute();
}

/** Holds a payout for a worker until `until`: one attempt more, a new version. */
export async function claimPayout(
  trx: Db,
  row: Pick<PayoutRow, "id" | "attempts" | "version">,
  claim: {
    readonly status: PayoutRow["status"];
    readonly workerId: string;
    readonly until: string;
    readonly at: string;
  },
): Promise<void> {
  await trx
    .updateTable("payouts")
    .set({
      status: claim.status,
      claimed_by: claim.workerId,
      claimed_until: claim.until,
      attempts: row.attempts + 1,
      updated_at: claim.at,
      version: row.version + 1,
    })
    .where("id", "=", row.id)
    .execute();
}

/** Lets go of a payout's lease; `nextAttemptAt` (when given) is when it is looked at again. */
export async function releasePayoutLease(
  trx: Db,
  id: string,
  nextAttemptAt: string | undefined,
): Promise<void> {
  await trx
    .updateTable("payouts")
    .set({
      claimed_by: null,
      claimed_until: null,
      ...(nextAttemptAt !== undefined ? { next_attempt_at: nextAttemptAt } : {}),
    })
    .where("id", "=", id)
    .execute();
}

/**
 * Up to 500 payouts whose latest due date is before `today`, not settled and not alerted yet,
 * most overdue first; locked FOR UPDATE SKIP LOCKED on PostgreSQL.
 */
export async function overduePayouts(
  trx: Db,
  today: string,
): Promise<Pick<PayoutRow, "id" | "request_id" | "due_latest" | "status">[]> {
  const q = trx
    .selectFrom("payouts")
    .select(["id", "request_id", "due_latest", "status"])
    .where("due_latest", "<", today)
    .where("status", "not in", ["succeeded", "failed"])
    .where("overdue_alerted_at", "is", null)
    .orderBy("due_latest")
    .limit(500);
  return (dialectOf(trx) === "postgres" ? q.forUpdate().skipLocked() : q).execute();
}

/**
 * Up to 500 scheduled payouts still without a destination whose client was asked for it and not
 * reminded yet, asked longest ago first; locked FOR UPDATE SKIP LOCKED on PostgreSQL.
 */
export async function payoutsAwaitingDestination(
  trx: Db,
): Promise<
  Pick<PayoutRow, "id" | "request_id" | "method" | "reissue_of" | "destination_asked_at">[]
> {
  const q = trx
    .selectFrom("payouts")
    .select(["id", "request_id", "method", "reissue_of", "destination_asked_at"])
    .where("status", "=", "scheduled")
    .where("destination", "is", null)
    .where("destination_asked_at", "is not", null)
    .where("destination_reminded_at", "is", null)
    .orderBy("destination_asked_at")
    .limit(500);
  return (dialectOf(trx) === "postgres" ? q.forUpdate().skipLocked() : q).execute();
}

/** How many payouts there are in each status. */
export async function payoutCountsByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("payouts")
    .select(["status", sql<string | number>`count(*)`.as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Writes a new payout row (a reissue's replacement). */
export async function insertPayout(trx: Db, values: Insertable<PayoutsTable>): Promise<void> {
  await trx.insertInto("payouts").values(values).execute();
}

/** Alerts finance that a payout needs action (outbox `notify.payout_needs_action`), once. */
export async function alertFinanceNeedsAction(
  trx: Db,
  payout: Pick<PayoutRow, "id" | "request_id">,
  now: number,
): Promise<void> {
  await trx
    .updateTable("payouts")
    .set({ action_alerted_at: toDbInstant(now) })
    .where("id", "=", payout.id)
    .execute();
  await notifyPayout(trx, payout, "payout_needs_action", "finance", now);
}

/** Asks the client for the payout's destination (wallet address, bank details), or reminds it. */
export async function askForDestination(
  trx: Db,
  payout: Pick<PayoutRow, "id" | "request_id">,
  template: "destination_needed" | "destination_reminder",
  now: number,
): Promise<void> {
  await trx
    .updateTable("payouts")
    .set(
      template === "destination_needed"
        ? { destination_asked_at: toDbInstant(now) }
        : { destination_reminded_at: toDbInstant(now) },
    )
    .where("id", "=", payout.id)
    .execute();
  await notifyPayout(trx, payout, template, "client", now);
}

/** Tells the client about its payout (outbox `notify.refund_sent` / `notify.refund_failed`). */
export async function notifyPayoutClient(
  trx: Db,
  payout: Pick<PayoutRow, "id" | "request_id">,
  template: "refund_sent" | "refund_failed",
  now: number,
): Promise<void> {
  await notifyPayout(trx, payout, template, "client", now);
}

async function notifyPayout(
  trx: Db,
  payout: Pick<PayoutRow, "id" | "request_id">,
  template: string,
  audience: "client" | "finance",
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
      audience,
      template,
    },
    now,
  );
}
