// `refund-desk ledger scan`: every order's payments, read in pages ordered by order id (keyset
// paging, so memory stays flat and neither database needs a server-side cursor), the core's rule 2
// per order (`extraPaymentIds`), then, for the few orders with extras, what they still need
// (`planDuplicateCases`). Without --dry-run each order that needs something gets its own
// transaction through `openDuplicateCases`, which locks the order and plans again: a payment that
// arrived meanwhile, or a second scan running at the same time, cannot open a second case.

import type { Kysely } from "kysely";
import {
  extraPaymentIds,
  planDuplicateCases,
  type DuplicateCandidate,
  type RequestOnOrder,
} from "../../core/ledger/duplicate-cases.js";
import { money, type Money } from "../../core/money/money.js";
import type { Reason } from "../../core/policy/index.js";
import type { RequestStatus } from "../../core/requests/index.js";
import { fromDbMinor } from "../../db/money.js";
import type { Database } from "../../db/schema.js";
import type { AppDeps } from "../context.js";
import { candidateOf, openDuplicateCases } from "./duplicate-cases.js";

/** What a scan found and did. */
export interface LedgerScanSummary {
  /** Orders that have at least one payment. */
  orders: number;
  payments: number;
  /** Extra payments under rule 2. */
  extras: number;
  /** Extras tied to a request before the scan. */
  alreadyCovered: number;
  /** Extras the scan tied to a duplicate-payment request that was already open. */
  coveredByOpenRequests: number;
  /** Cases opened (with --dry-run: cases that would be opened). */
  casesOpened: number;
  /** Of those, approved by the system (0 with --dry-run). */
  autoApproved: number;
  /** Extras in the cases opened. */
  extrasInNewCases: number;
}

export interface ScanOptions {
  /** Plan only: read and report, write nothing. */
  readonly dryRun: boolean;
  /** Payments read per page (default 50,000). */
  readonly pageSize?: number;
  /** Called after each page with the running totals. */
  readonly onProgress?: (s: Readonly<LedgerScanSummary>) => void;
}

/** The scan's default page: large enough that round trips do not dominate, small in memory. */
export const SCAN_PAGE_SIZE = 50_000;

/** Rows of a SQL `IN` list per query (well under SQLite's and PostgreSQL's parameter limits). */
const IN_CHUNK = 500;

interface PaymentScanRow {
  order_id: string;
  id: string;
  charge_ref: string;
  amount_minor: string;
  currency: string;
  captured_at: string;
  method: string;
}

const PAYMENT_COLUMNS = [
  "order_id",
  "id",
  "charge_ref",
  "amount_minor",
  "currency",
  "captured_at",
  "method",
] as const;

async function page(
  db: Kysely<Database>,
  after: string | null,
  limit: number,
): Promise<PaymentScanRow[]> {
  let q = db.selectFrom("payments").select(PAYMENT_COLUMNS);
  if (after !== null) q = q.where("order_id", ">", after);
  return q.orderBy("order_id").limit(limit).execute();
}

async function prices(db: Kysely<Database>, from: string, to: string): Promise<Map<string, Money>> {
  const rows = await db
    .selectFrom("orders")
    .select(["id", "price_minor", "price_currency"])
    .where("id", ">=", from)
    .where("id", "<=", to)
    .execute();
  return new Map(rows.map((o) => [o.id, money(fromDbMinor(o.price_minor), o.price_currency)]));
}

interface OrderWithExtras {
  readonly orderId: string;
  readonly due: Money;
  readonly payments: readonly DuplicateCandidate[];
  readonly extras: readonly string[];
}

/**
 * Finds the extras of every order and opens the cases they still need (none with `dryRun`).
 * Scanning the same ledger twice opens nothing the second time.
 */
export async function scanLedger(
  deps: Pick<AppDeps, "db" | "policy" | "clock">,
  opts: ScanOptions,
): Promise<LedgerScanSummary> {
  const size = opts.pageSize ?? SCAN_PAGE_SIZE;
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError("pageSize must be >= 1");
  const s: LedgerScanSummary = {
    orders: 0,
    payments: 0,
    extras: 0,
    alreadyCovered: 0,
    coveredByOpenRequests: 0,
    casesOpened: 0,
    autoApproved: 0,
    extrasInNewCases: 0,
  };
  let after: string | null = null;
  for (;;) {
    let rows = await page(deps.db, after, size);
    if (rows.length === 0) break;
    const full = rows.length === size;
    if (full) {
      // The last order of a full page may go on in the next one: leave it for that page, unless
      // it is the only order here (more payments than a page): then read it whole.
      const last = (rows[rows.length - 1] as PaymentScanRow).order_id;
      let cut = rows.length;
      while (cut > 0 && (rows[cut - 1] as PaymentScanRow).order_id === last) cut--;
      rows =
        cut === 0
          ? await deps.db
              .selectFrom("payments")
              .select(PAYMENT_COLUMNS)
              .where("order_id", "=", last)
              .execute()
          : rows.slice(0, cut);
    }
    const found = await extrasOfPage(deps.db, rows, s);
    await settle(deps, found, opts.dryRun, s);
    after = (rows[rows.length - 1] as PaymentScanRow).order_id;
    opts.onProgress?.(s);
    if (!full) break;
  }
  return s;
}

/** Rule 2 over one page of rows (whole orders, ordered by order id). */
async function extrasOfPage(
  db: Kysely<Database>,
  rows: readonly PaymentScanRow[],
  s: LedgerScanSummary,
): Promise<OrderWithExtras[]> {
  const first = rows[0];
  const lastRow = rows[rows.length - 1];
  if (first === undefined || lastRow === undefined) return [];
  const due = await prices(db, first.order_id, lastRow.order_id);
  const found: OrderWithExtras[] = [];
  let i = 0;
  while (i < rows.length) {
    const orderId = (rows[i] as PaymentScanRow).order_id;
    let j = i + 1;
    while (j < rows.length && (rows[j] as PaymentScanRow).order_id === orderId) j++;
    const price = due.get(orderId);
    if (price === undefined) throw new Error(`payment of a missing order ${orderId}`);
    const payments: DuplicateCandidate[] = [];
    for (let k = i; k < j; k++) payments.push(candidateOf(rows[k] as PaymentScanRow));
    const extras = extraPaymentIds(payments, price);
    s.orders++;
    s.payments += j - i;
    if (extras.length > 0) {
      s.extras += extras.length;
      found.push({ orderId, due: price, payments, extras });
    }
    i = j;
  }
  return found;
}

/** What the orders with extras still need: planned from what is on file, then carried out. */
async function settle(
  deps: Pick<AppDeps, "db" | "policy" | "clock">,
  found: readonly OrderWithExtras[],
  dryRun: boolean,
  s: LedgerScanSummary,
): Promise<void> {
  for (let c = 0; c < found.length; c += IN_CHUNK) {
    const chunk = found.slice(c, c + IN_CHUNK);
    const ids = chunk.map((o) => o.orderId);
    const covered = new Set(
      (
        await deps.db
          .selectFrom("duplicate_payments")
          .select("payment_id")
          .where("order_id", "in", ids)
          .execute()
      ).map((r) => r.payment_id),
    );
    const requests = new Map<string, RequestOnOrder[]>();
    for (const r of await deps.db
      .selectFrom("refund_requests")
      .select(["id", "order_id", "reason", "status"])
      .where("order_id", "in", ids)
      .where("reason", "=", "duplicate_payment")
      .orderBy("submitted_at")
      .orderBy("id")
      .execute()) {
      const list = requests.get(r.order_id) ?? [];
      list.push({ id: r.id, reason: r.reason as Reason, status: r.status as RequestStatus });
      requests.set(r.order_id, list);
    }
    for (const o of chunk) {
      const plan = planDuplicateCases({
        due: o.due,
        payments: o.payments,
        covered,
        requests: requests.get(o.orderId) ?? [],
      });
      if (dryRun || plan.kind === "none") {
        s.alreadyCovered += plan.alreadyCovered.length;
        if (plan.kind === "cover") s.coveredByOpenRequests += plan.paymentIds.length;
        if (plan.kind === "open") {
          s.casesOpened++;
          s.extrasInNewCases += plan.paymentIds.length;
        }
        continue;
      }
      // Planned again under the order's lock: what is on file may have changed since the read.
      const r = await deps.db
        .transaction()
        .execute((trx) => openDuplicateCases(deps, trx, o.orderId));
      s.extras += r.extras.length - o.extras.length;
      s.alreadyCovered += r.alreadyCovered.length;
      if (r.covered !== null) s.coveredByOpenRequests += r.covered.paymentIds.length;
      if (r.opened !== null) {
        s.casesOpened++;
        s.extrasInNewCases += r.opened.paymentIds.length;
        if (r.opened.autoApproved) s.autoApproved++;
      }
    }
  }
}
