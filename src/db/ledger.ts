// The facts the ledger's one rule (`refundable` in src/core/ledger/refundable.ts) decides on, read
// in one place for every path that lets money go: a request's snapshot (which caps a reviewer's
// approval), the approval writing its payouts, and the worker claiming a payout.
//
// One statement reads the payments with their payouts that did not fail (a left join) and the
// order's price; before money goes (`lock`), the payment rows are locked on PostgreSQL until commit
// (`FOR UPDATE OF payments`, in id order, so two transactions never wait on each other in a cycle;
// SQLite has one writer at a time). The order's total also nets approvals whose payouts are not
// written yet: a second statement, read only for an order's total (`approvals`). The payments'
// disputes (issue 20: an open one blocks the charge, a lost one counts as returned) are a third,
// read after the payment rows (and so under their lock).

import { sql, type Kysely } from "kysely";
import type { LedgerFacts, LedgerPaymentFacts, LedgerPayout } from "../core/ledger/refundable.js";
import { paymentDisputes } from "../core/disputes/disputes.js";
import { money } from "../core/money/money.js";
import { inListParam, listParam, type ListParam } from "./in-list.js";
import { fromDbMinor } from "./money.js";
import { precompile } from "./precompiled.js";
import type { Database } from "./schema.js";

/** A payment of the ledger with what its callers need besides the rule's facts. */
export interface LedgerPaymentRow extends LedgerPaymentFacts {
  readonly orderId: string;
  readonly method: string;
  /** ISO instant as stored. */
  readonly capturedAt: string;
  /** The provider's charge reference (card payments), null otherwise. */
  readonly providerRef: string | null;
}

export interface LedgerRead extends LedgerFacts {
  readonly payments: readonly LedgerPaymentRow[];
}

/** Every payment of one order, or the given payments (of one order). */
export type LedgerScope = { readonly orderId: string } | { readonly paymentIds: readonly string[] };

export interface ReadLedgerOptions {
  /** Lock the payment rows until commit (PostgreSQL): the caller is about to let money go. */
  readonly lock?: boolean;
  /** Also net approvals without payouts (an order's total; a payment's cap does not use them). */
  readonly approvals?: boolean;
  /** The price's currency when the order has no payment (nothing to read it from). */
  readonly priceCurrency?: string;
}

/**
 * The ledger's facts for `scope` (see the header). With no payment, the price is zero in
 * `priceCurrency` (or "XXX", ISO 4217's "no currency", when not given).
 */
export async function readLedger(
  db: Kysely<Database>,
  scope: LedgerScope,
  options: ReadLedgerOptions = {},
): Promise<LedgerRead> {
  const lock = options.lock === true;
  let rows: LedgerRow[];
  if ("orderId" in scope) {
    // An order's ledger (every intake and snapshot reads one): the compiled statement.
    const byOrder = lock ? LEDGER_OF_ORDER_LOCKED : LEDGER_OF_ORDER;
    rows = await byOrder.execute(db, { orderId: scope.orderId });
  } else {
    if (scope.paymentIds.length === 0) {
      return {
        price: money(0n, options.priceCurrency ?? "XXX"),
        payments: [],
        approvedWithoutPayouts: 0n,
      };
    }
    const byPayments = lock ? LEDGER_OF_PAYMENTS_LOCKED : LEDGER_OF_PAYMENTS;
    rows = await byPayments.execute(db, { ids: listParam(db, [...new Set(scope.paymentIds)]) });
  }

  const payments: LedgerPaymentRow[] = [];
  const payoutsOf = new Map<string, LedgerPayout[]>();
  let price = money(0n, options.priceCurrency ?? "XXX");
  let orderId: string | null = null;
  for (const r of rows) {
    if (orderId !== null && r.order_id !== orderId) {
      throw new Error("readLedger: the payments belong to more than one order");
    }
    orderId = r.order_id;
    let list = payoutsOf.get(r.id);
    if (list === undefined) {
      list = [];
      payoutsOf.set(r.id, list);
      price = money(fromDbMinor(r.price_minor), r.price_currency);
      payments.push({
        id: r.id,
        orderId: r.order_id,
        method: r.method,
        capturedAt: r.captured_at,
        providerRef: r.provider_ref,
        captured: money(fromDbMinor(r.amount_minor), r.currency),
        refunded: fromDbMinor(r.refunded_minor),
        payouts: list,
      });
    }
    if (r.payout_id !== null && r.payout_minor !== null && r.payout_currency !== null) {
      list.push({
        id: r.payout_id,
        amount: money(fromDbMinor(r.payout_minor), r.payout_currency),
        state: r.payout_status === "succeeded" ? "succeeded" : "in_flight",
      });
    }
  }

  if (payments.length > 0) {
    const disputes =
      "orderId" in scope
        ? // The same payments: every one of the order's.
          await DISPUTES_OF_ORDER.execute(db, { orderId: scope.orderId })
        : await DISPUTES_OF_PAYMENTS.execute(db, {
            ids: listParam(
              db,
              payments.map((p) => p.id),
            ),
          });
    if (disputes.length > 0) {
      for (let i = 0; i < payments.length; i += 1) {
        const p = payments[i];
        if (p === undefined) continue;
        const mine = disputes
          .filter((d) => d.payment_id === p.id)
          .map((d) => ({ status: d.status, amountMinor: fromDbMinor(d.amount_minor) }));
        if (mine.length > 0) payments[i] = { ...p, disputes: paymentDisputes(mine) };
      }
    }
  }

  let approvedWithoutPayouts = 0n;
  const approvalsOf = "orderId" in scope ? scope.orderId : orderId;
  if (options.approvals === true && approvalsOf !== null && payments.length > 0) {
    const approved = await APPROVED_WITHOUT_PAYOUTS.execute(db, {
      orderId: approvalsOf,
      currency: price.currency,
    });
    for (const d of approved) {
      if (d.amount_minor !== null) approvedWithoutPayouts += fromDbMinor(d.amount_minor);
    }
  }
  return { price, payments, approvedWithoutPayouts };
}

/** The payments with their payouts that moved or may move money, and the order's price. */
function ledgerQuery(db: Kysely<Database>, forUpdate: boolean) {
  const q = db
    .selectFrom("payments")
    .leftJoin("payouts", (j) =>
      // A failed payout moved no money; a reissued one was closed without moving any (its
      // replacement is the payout that counts).
      j
        .onRef("payouts.payment_id", "=", "payments.id")
        .on("payouts.status", "not in", ["failed", "reissued"]),
    )
    .select([
      "payments.id",
      "payments.order_id",
      "payments.method",
      "payments.currency",
      "payments.amount_minor",
      "payments.refunded_minor",
      "payments.captured_at",
      "payments.provider_ref",
      "payouts.id as payout_id",
      "payouts.amount_minor as payout_minor",
      "payouts.currency as payout_currency",
      "payouts.status as payout_status",
      sql<string>`(select o.price_minor from orders o where o.id = payments.order_id)`.as(
        "price_minor",
      ),
      sql<string>`(select o.price_currency from orders o where o.id = payments.order_id)`.as(
        "price_currency",
      ),
    ])
    .orderBy("payments.id")
    .orderBy("payouts.id");
  return forUpdate ? q.forUpdate(["payments"]) : q;
}

type LedgerRow = Awaited<ReturnType<ReturnType<typeof ledgerQuery>["execute"]>>[number];

// The statements of an order's ledger, compiled once per dialect (ADR 0011's precompiled queries):
// building them with Kysely cost more than running them, on every intake.
const LEDGER_OF_ORDER = precompile<{ orderId: string }>()((db, p) =>
  ledgerQuery(db, false).where("payments.order_id", "=", p("orderId")),
);

const LEDGER_OF_ORDER_LOCKED = precompile<{ orderId: string }>()((db, p, dialect) =>
  ledgerQuery(db, dialect === "postgres").where("payments.order_id", "=", p("orderId")),
);

// A payout's (or an approval's lines') payments: the list is one parameter (db/in-list.ts).
const LEDGER_OF_PAYMENTS = precompile<{ ids: ListParam }>()((db, p, dialect) =>
  ledgerQuery(db, false).where(inListParam(dialect, "payments.id", p("ids"))),
);

const LEDGER_OF_PAYMENTS_LOCKED = precompile<{ ids: ListParam }>()((db, p, dialect) =>
  ledgerQuery(db, dialect === "postgres").where(inListParam(dialect, "payments.id", p("ids"))),
);

const DISPUTES_OF_PAYMENTS = precompile<{ ids: ListParam }>()((db, p, dialect) =>
  db
    .selectFrom("disputes")
    .select(["payment_id", "status", "amount_minor"])
    .where(inListParam(dialect, "payment_id", p("ids"))),
);

const DISPUTES_OF_ORDER = precompile<{ orderId: string }>()((db, p) =>
  db
    .selectFrom("disputes")
    .innerJoin("payments", "payments.id", "disputes.payment_id")
    .select(["disputes.payment_id", "disputes.status", "disputes.amount_minor"])
    .where("payments.order_id", "=", p("orderId")),
);

const APPROVED_WITHOUT_PAYOUTS = precompile<{ orderId: string; currency: string }>()((db, p) =>
  db
    .selectFrom("decisions as d")
    .innerJoin("refund_requests as r", "r.id", "d.request_id")
    .select(["d.amount_minor"])
    .where("r.order_id", "=", p("orderId"))
    .where("d.kind", "=", "approve")
    .where("d.amount_currency", "=", p("currency"))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("payouts as p").select("p.id").whereRef("p.decision_id", "=", "d.id"))),
    ),
);
