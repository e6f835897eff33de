// POST /payments and `import payments`: a captured payment against an order. A payment is known
// by its id (when the company gives one) and by the provider's charge reference (unique): the same
// payment sent again with the same content is a replay (answered with the stored payment, no new
// row); a different payment under a known id or providerRef is a 409.

import type { Transaction } from "kysely";
import { formatInstant } from "../../core/calendar/instant.js";
import { moneyToJson } from "../../core/money/money.js";
import { appendAudit, type AuditInput } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import { toDbMoney } from "../../db/money.js";
import type { Database, PaymentRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import type { AppError } from "../errors.js";
import { lockOrder } from "../requests/repository.js";
import { parsePaymentInput, type PaymentInput } from "./input.js";
import { presentPayment, type PaymentJson } from "./present.js";
import { insertPayment, paymentById, paymentByProviderRef } from "./repository.js";
import {
  conflictOn,
  isUniqueViolation,
  orThrow,
  pathOf,
  RowProblems,
  soundField,
  unprocessableOn,
  writerOf,
  type Writer,
} from "./shared.js";
import { authorize } from "../authorize.js";
import { afterPaymentsRecorded } from "../ledger/duplicate-cases.js";

export interface RecordedPayment {
  readonly row: PaymentRow;
  /** False when an identical payment was already recorded (a replay). */
  readonly created: boolean;
}

/** True when `row` records exactly the payment `input` describes (its id aside). */
export function samePayment(row: PaymentRow, input: PaymentInput): boolean {
  const amount = toDbMoney(input.amount);
  return (
    row.order_id === input.orderId &&
    row.charge_ref === input.chargeRef &&
    row.amount_minor === amount.minor &&
    row.currency === amount.currency &&
    row.method === input.method &&
    row.captured_at === toDbInstant(input.capturedAt) &&
    row.provider_ref === input.providerRef &&
    (input.id === null || row.id === input.id)
  );
}

export function idTaken(id: string, at: string): AppError {
  return conflictOn(pathOf(at, "id"), `a different payment with id "${id}" is already recorded`, {
    paymentId: id,
  });
}

export function providerRefTaken(at: string, paymentId: string): AppError {
  return conflictOn(
    pathOf(at, "providerRef"),
    "this provider reference is already recorded for a different payment",
    { paymentId },
  );
}

/** The row of a new, validated payment of `order` (API and import alike). */
export function newPaymentRow(
  input: PaymentInput,
  order: { readonly id: string; readonly client_id: string },
  w: Writer,
): PaymentRow {
  const now = toDbInstant(w.now);
  const amount = toDbMoney(input.amount);
  return {
    id: input.id ?? newId("pay"),
    order_id: order.id,
    client_id: order.client_id,
    charge_ref: input.chargeRef,
    amount_minor: amount.minor,
    currency: amount.currency,
    method: input.method,
    captured_at: toDbInstant(input.capturedAt),
    provider_ref: input.providerRef,
    refunded_minor: "0",
    created_at: now,
    updated_at: now,
    version: 0,
  };
}

/** The `payment.recorded` audit entry; the provider reference stays out, as it does of logs. */
export function paymentRecordedEntry(row: PaymentRow, input: PaymentInput, w: Writer): AuditInput {
  return {
    actor: w.actorRef,
    action: "payment.recorded",
    entityType: "payment",
    entityId: row.id,
    // Keys in sorted order: canonicalJson writes it in one JSON.stringify (imports write many).
    summary: {
      amount: { ...moneyToJson(input.amount) },
      capturedAt: formatInstant(input.capturedAt),
      chargeRef: input.chargeRef,
      clientId: row.client_id,
      method: input.method,
      orderId: row.order_id,
      paymentId: row.id,
    },
    ip: w.ip,
    at: w.now,
  };
}

/**
 * Inside the caller's transaction: validates `raw`, finds the order (the payment belongs to the
 * order's client), answers a replay with the stored row, refuses a clash, else inserts and appends
 * `payment.recorded`. Does not re-evaluate nor open duplicate cases: callers run
 * `afterPaymentsRecorded` once per changed order, in the same transaction.
 */
export async function recordPaymentIn(
  trx: Transaction<Database>,
  w: Writer,
  raw: unknown,
  at: string,
): Promise<RecordedPayment> {
  const parsed = parsePaymentInput(raw, at);
  // Every problem of the input at once: its fields, then its references (as far as they read).
  const problems = new RowProblems(parsed);
  const errors = parsed.ok ? [] : parsed.error;
  const orderId = parsed.ok ? parsed.value.orderId : soundField(raw, "orderId", at, errors);
  // Locked on PostgreSQL: the payment and the re-evaluation take turns with decisions.
  const order = orderId === undefined ? undefined : await lockOrder(trx, orderId);
  if (orderId !== undefined && order === undefined) {
    problems.add(unprocessableOn(pathOf(at, "orderId"), "no order with this id"));
  }
  // Writers are tokens and admins, who see every client; the check keeps any future writer honest.
  if (order !== undefined) authorize(w.ctx.actor, "payment.write", order.client_id, "order");

  const id = parsed.ok ? parsed.value.id : (soundField(raw, "id", at, errors) ?? null);
  if (id !== null) {
    const byId = await paymentById(trx, id);
    if (byId !== undefined) {
      if (parsed.ok && samePayment(byId, parsed.value)) return { row: byId, created: false };
      problems.add(idTaken(id, at));
    }
  }
  const providerRef = parsed.ok
    ? parsed.value.providerRef
    : (soundField(raw, "providerRef", at, errors) ?? null);
  if (providerRef !== null) {
    const byRef = await paymentByProviderRef(trx, providerRef);
    if (byRef !== undefined) {
      if (parsed.ok && samePayment(byRef, parsed.value)) return { row: byRef, created: false };
      problems.add(providerRefTaken(at, byRef.id));
    }
  }
  problems.throwIfAny();
  const input = orThrow(parsed);
  if (order === undefined) throw unprocessableOn(pathOf(at, "orderId"), "no order with this id");

  const row = newPaymentRow(input, order, w);
  await insertPayment(trx, row);
  await appendAudit(trx, paymentRecordedEntry(row, input, w));
  return { row, created: true };
}

/** Records a payment, or replays an identical one; re-evaluates the order's open requests. */
export async function recordPayment(
  deps: AppDeps,
  ctx: ActionContext,
  raw: unknown,
): Promise<{ payment: PaymentJson; created: boolean }> {
  const w = writerOf(deps, ctx);
  const attempt = () =>
    deps.db.transaction().execute(async (trx) => {
      const r = await recordPaymentIn(trx, w, raw, "body");
      // The order's open requests see the new payment, and its extras open their own case.
      if (r.created) await afterPaymentsRecorded(deps, trx, r.row.order_id, w);
      return r;
    });
  let r: RecordedPayment;
  try {
    r = await attempt();
  } catch (e) {
    // Lost a race on the id or providerRef (PostgreSQL): the winner's row is committed now, so a
    // second attempt replays it if it is the same payment, or names the clash if not.
    if (!isUniqueViolation(e)) throw e;
    try {
      r = await attempt();
    } catch (again) {
      throw isUniqueViolation(again) ? clash(raw) : again;
    }
  }
  return { payment: presentPayment(r.row), created: r.created };
}

function clash(raw: unknown): AppError {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === "string"
    ? idTaken(id, "body")
    : conflictOn("body.providerRef", "this provider reference is already recorded");
}
