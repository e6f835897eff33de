// `refund-desk ledger scan`: every payment's order id, read in pages ordered by order id (keyset
// paging, an index-only read sent as one text per page on PostgreSQL, so memory stays flat and neither database needs a server-side
// cursor; the next page is read while this one is worked on); the orders where the core says an
// extra is possible (`mayHaveExtras`: two payments or more, or nothing due) read in full and given
// to the core's rule 2 (`extraPaymentIds`); then, for the few orders with extras, what they still
// need (`planDuplicateCases`). Without --dry-run each order that needs something gets its own
// transaction through `openDuplicateCases`, which locks the order and plans again: a payment that
// arrived meanwhile, or a second scan running at the same time, cannot open a second case.

import type { Kysely } from "kysely";
import { mayHaveExtras } from "../../core/ledger/ledger.js";
import {
  extraPaymentIds,
  planDuplicateCases,
  type DuplicateCandidate,
} from "../../core/ledger/duplicate-cases.js";
import type { Money } from "../../core/money/money.js";
import type { Database } from "../../db/schema.js";
import type { AppDeps } from "../context.js";
import { openDuplicateCases } from "./duplicate-cases.js";
import {
  candidatesOfOrders,
  countPaymentsOfOrder,
  coveredPaymentIdsOfOrders,
  duplicateRequestsOfOrders,
  freeOrderIds,
  orderIdsPage,
  type PageStart as From,
} from "./repository.js";

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
  /** Called for every order with extras, with their ids (benchmarks cross-check them). */
  readonly onExtras?: (orderId: string, extras: readonly string[]) => void;
}

/** The scan's default page: large enough that round trips do not dominate, small in memory. */
export const SCAN_PAGE_SIZE = 50_000;

/** Rows of a SQL `IN` list per query (well under SQLite's and PostgreSQL's parameter limits). */
const IN_CHUNK = 500;

/** A page cut at an order boundary, and where the next page starts. */
interface Page {
  /** The page's orders and how many payments each has (parallel arrays, in no special order). */
  readonly orderIds: readonly string[];
  readonly counts: readonly number[];
  readonly payments: number;
  /** Bounds of the order ids read (the free-order lookup's range). */
  readonly lo: string | null;
  readonly hi: string | null;
  /** Where the next page starts; null when this was the last. */
  readonly next: From;
}

/**
 * How many payments each order of a page has (orders and counts as parallel arrays). The ids arrive sorted (the read orders them) and
 * are then counted run by run; should they not be in order after all (an aggregate's input order
 * is not promised, a collation may sort differently from JavaScript), they are counted one by one
 * in a map, which gives the same answer, only slower.
 */
export function countByOrder(ids: readonly string[]): { orderIds: string[]; counts: number[] } {
  const orderIds: string[] = [];
  const counts: number[] = [];
  for (let i = 1; i < ids.length; i++) {
    if ((ids[i - 1] as string) > (ids[i] as string)) {
      const tally = new Map<string, number>();
      for (const id of ids) tally.set(id, (tally.get(id) ?? 0) + 1);
      return { orderIds: [...tally.keys()], counts: [...tally.values()] };
    }
  }
  for (let i = 0; i < ids.length;) {
    const id = ids[i] as string;
    let j = i + 1;
    while (j < ids.length && ids[j] === id) j++;
    orderIds.push(id);
    counts.push(j - i);
    i = j;
  }
  return { orderIds, counts };
}

async function readPage(db: Kysely<Database>, from: From, size: number): Promise<Page> {
  const raw = await orderIdsPage(db, from, size);
  const { orderIds, counts } = countByOrder(raw.ids);
  let payments = raw.ids.length;
  let next: From = null;
  if (raw.ids.length === size && raw.hi !== null) {
    const hi = raw.hi;
    if (orderIds.length === 1) {
      // One order fills the page (more payments than a page): count it whole, go past it.
      payments = await countPaymentsOfOrder(db, hi);
      counts[0] = payments;
      next = { id: hi, inclusive: false };
    } else {
      // The greatest order may go on in the next page: it is read there, whole.
      const at = orderIds.lastIndexOf(hi);
      if (at >= 0) {
        payments -= counts[at] as number;
        orderIds.splice(at, 1);
        counts.splice(at, 1);
      }
      next = { id: hi, inclusive: true };
    }
  }
  return { orderIds, counts, payments, lo: raw.lo, hi: raw.hi, next };
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
  deps: Pick<AppDeps, "db" | "policies" | "clock" | "logger">,
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
  let current = await readPage(deps.db, null, size);
  for (;;) {
    // Read the next page while this one is worked on (PostgreSQL answers on another connection).
    const next = current.next === null ? null : readPage(deps.db, current.next, size);
    next?.catch(() => undefined); // awaited below; a failure surfaces there
    s.orders += current.orderIds.length;
    s.payments += current.payments;
    const found = await extrasOfPage(deps.db, current);
    if (opts.onExtras !== undefined) for (const o of found) opts.onExtras(o.orderId, o.extras);
    for (const o of found) s.extras += o.extras.length;
    await settle(deps, found, opts.dryRun, s);
    opts.onProgress?.(s);
    if (next === null) break;
    current = await next;
    if (current.orderIds.length === 0) break;
  }
  return s;
}

/**
 * Rule 2 over one page of orders: only orders where the core says an extra is possible (two
 * payments or more, or nothing due) are read in full and given to the core.
 */
async function extrasOfPage(db: Kysely<Database>, page: Page): Promise<OrderWithExtras[]> {
  const { orderIds, counts, lo, hi } = page;
  if (lo === null || hi === null || orderIds.length === 0) return [];
  // Orders with nothing due, where even a lone payment is extra (rare; a partial index, 0006).
  const free = await freeOrderIds(db, lo, hi);
  const candidates: string[] = [];
  for (let i = 0; i < orderIds.length; i++) {
    const id = orderIds[i] as string;
    if (mayHaveExtras(counts[i] as number, free.has(id))) candidates.push(id);
  }
  const found: OrderWithExtras[] = [];
  for (let c = 0; c < candidates.length; c += IN_CHUNK) {
    const ids = candidates.slice(c, c + IN_CHUNK);
    const { byOrder, due } = await candidatesOfOrders(db, ids);
    for (const [orderId, list] of byOrder) {
      const price = due.get(orderId);
      if (price === undefined) throw new Error(`payment of a missing order ${orderId}`);
      const extras = extraPaymentIds(list, price);
      if (extras.length > 0) found.push({ orderId, due: price, payments: list, extras });
    }
  }
  return found;
}

/** What the orders with extras still need: planned from what is on file, then carried out. */
async function settle(
  deps: Pick<AppDeps, "db" | "policies" | "clock" | "logger">,
  found: readonly OrderWithExtras[],
  dryRun: boolean,
  s: LedgerScanSummary,
): Promise<void> {
  for (let c = 0; c < found.length; c += IN_CHUNK) {
    const chunk = found.slice(c, c + IN_CHUNK);
    const ids = chunk.map((o) => o.orderId);
    const covered = await coveredPaymentIdsOfOrders(deps.db, ids);
    const requests = await duplicateRequestsOfOrders(deps.db, ids);
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
