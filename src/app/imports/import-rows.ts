// Bulk import of orders, payments or service events (the CLI's `import`; issue 18). The rows are
// streamed twice, never held whole:
//
//   1. validate: every row is checked like the API checks it (each wrong field, then its
//      references, looked up a batch at a time); every problem of every row is kept with its line;
//   2. write (only when pass 1 found nothing): in ONE transaction, a batch at a time: multi-row
//      inserts, the audit entries chained in one append per batch, and the follow-up a single
//      write runs (re-evaluation of open requests, duplicate-payment cases) for the batch's orders
//      that need it.
//
// A row that clashes with an earlier row of the same file (an id used twice) is found by the
// insert itself (it is left out) and reported like any other problem, and the transaction is
// rolled back: all or nothing, as before, with memory bounded by the batch, not the file.

import type { Transaction } from "kysely";
import type { Actor } from "../../core/access/index.js";
import { extraPaymentIds } from "../../core/ledger/duplicate-cases.js";
import { mayHaveExtras } from "../../core/ledger/ledger.js";
import { money } from "../../core/money/money.js";
import { appendAuditBatch, CanonicalJsonText, type AuditInput } from "../../db/audit.js";
import { transactionOfItsOwn } from "../../db/connection.js";
import { fromDbMinor } from "../../db/money.js";
import type { Database, PaymentRow } from "../../db/schema.js";
import { authorize } from "../authorize.js";
import type { AppDeps } from "../context.js";
import type { AppError, FieldError } from "../errors.js";
import { afterPaymentsRecorded } from "../ledger/duplicate-cases.js";
import { candidateOf } from "../ledger/repository.js";
import { orderCreatedEntry, orderIdTaken } from "../orders/create-order.js";
import type { PaymentInput } from "../orders/input.js";
import {
  idTaken,
  newPaymentRow,
  paymentRecordedEntry,
  providerRefTaken,
  samePayment,
} from "../orders/record-payment.js";
import { eventRecordedEntry, newEventRow } from "../orders/service-events.js";
import { reevaluate, type Writer } from "../orders/shared.js";
import type { CheckedRow, PrepareJob, WriteBatch } from "./prepare.js";
import { preparedBatches } from "./prepared-batches.js";
import {
  existingClientIds,
  existingOrderIds,
  insertNewOrders,
  insertNewPayments,
  insertNewServiceEvents,
  lockOrders,
  ordersFollowUpFacts,
  paymentsByIdsOrRefs,
  type OrderFollowUpFacts,
} from "./repository.js";
import {
  importRows as readImportRows,
  type ImportFormat,
  type ImportKind,
  type ImportRow,
  type OpenSource,
} from "./rows.js";
import { SeenKeys } from "./seen-keys.js";

/**
 * The actor bulk imports check row permissions against: a system with exactly the three write
 * scopes (whoever started the import was checked for the kind's right before). The audit trail
 * names who sent the rows (`system:import` for the CLI, the token for the API).
 */
export const IMPORT_ACTOR: Actor = Object.freeze({
  role: "api_token",
  tokenId: "import",
  scopes: ["orders:write", "payments:write", "events:write"],
});

/** One problem of one row. */
export interface Rejected {
  readonly line: number;
  readonly reason: string;
}

/** How far an import has got: rows read in pass 1, rows written in pass 2. */
export interface ImportProgress {
  readonly phase: "validate" | "write";
  readonly rows: number;
}

export interface ImportOptions {
  readonly kind: ImportKind;
  /** The file (or body) from its start; opened once per pass. */
  readonly open: OpenSource;
  readonly format: ImportFormat;
  /**
   * Parse in a worker thread (prepared-batches.ts); default: when its compiled module is there
   * (running from dist/).
   */
  readonly parseInWorker?: boolean;
  /** Validate only: write nothing. */
  readonly dryRun?: boolean;
  readonly onProgress?: (p: ImportProgress) => void;
  /** Rows per batch (default 1,000). */
  readonly batchSize?: number;
}

export type ImportOutcome =
  | { readonly ok: true; readonly rows: number; readonly written: number; readonly dryRun: boolean }
  | { readonly ok: false; readonly rows: number; readonly rejected: readonly Rejected[] };

const BATCH = 1000;

type Trx = Transaction<Database>;

/** The problems of one row, in the order the single-row use cases report them. */
function reasonsOf(line: number, errors: readonly FieldError[], out: Rejected[]): void {
  for (const e of errors) out.push({ line, reason: `${e.path}: ${e.message}` });
}

function appErrorReasons(line: number, e: AppError, out: Rejected[]): void {
  if (e.errors.length === 0) out.push({ line, reason: e.message });
  reasonsOf(line, e.errors, out);
}

/**
 * The order ids rows of this file have claimed so far: a later row with one of them is a problem,
 * as it would be if the first were stored already. (A payment's id or provider reference used
 * twice in a file may be a replay of the same payment, which only the rows' contents tell: the
 * write pass finds those, without keeping every row of the file.)
 */
interface FileKeys {
  /** In fixed memory; its suspects are checked against the file after pass 1 (seen-keys.ts). */
  readonly orderIds: SeenKeys;
  /** Payments: rows that repeat a payment stored before the import (replays, skipped). */
  storedReplays: number;
}

/** Pass 1 for one batch: every problem of every row, lines in order. */
async function validateBatch(
  db: AppDeps["db"],
  kind: ImportKind,
  batch: readonly CheckedRow[],
  seen: FileKeys,
  out: Rejected[],
): Promise<void> {
  const own = (row: CheckedRow) => {
    for (const reason of row.problems) out.push({ line: row.line, reason });
  };
  if (kind === "orders") {
    const clients = await existingClientIds(db, defined(batch.map((r) => r.clientId)));
    const taken = await existingOrderIds(db, defined(batch.map((r) => r.id)));
    for (const row of batch) {
      own(row);
      if (row.clientId !== undefined && !clients.has(row.clientId)) {
        out.push({ line: row.line, reason: "clientId: no client with this id" });
      }
      // A stored id is taken for every row that has it; an id an earlier row of the file has
      // (a suspect of `seen`) is confirmed, and reported, once pass 1 has read the whole file.
      if (row.id !== undefined && taken.has(row.id)) {
        appErrorReasons(row.line, orderIdTaken(row.id, ""), out);
      } else if (row.id !== undefined) seen.orderIds.add(row.id, row.line);
    }
    return;
  }
  if (kind === "payments") {
    const orders = await existingOrderIds(db, defined(batch.map((r) => r.orderId)));
    const stored = await paymentsByIdsOrRefs(
      db,
      defined(batch.map((r) => r.id)),
      defined(batch.map((r) => r.providerRef)),
    );
    const byId = new Map(stored.map((s) => [s.id, s]));
    const byRef = new Map(stored.map((s) => [s.provider_ref, s]));
    for (const row of batch) {
      own(row);
      if (row.orderId !== undefined && !orders.has(row.orderId)) {
        out.push({ line: row.line, reason: "orderId: no order with this id" });
      }
      // A payment recorded already, identical, is a replay: it is skipped when writing.
      const p = row.payment;
      const sameId = row.id === undefined ? undefined : byId.get(row.id);
      if (sameId !== undefined && !(p !== undefined && samePayment(sameId, p))) {
        appErrorReasons(row.line, idTaken(sameId.id, ""), out);
      }
      const sameRef = row.providerRef === undefined ? undefined : byRef.get(row.providerRef);
      if (sameRef !== undefined && !(p !== undefined && samePayment(sameRef, p))) {
        appErrorReasons(row.line, providerRefTaken("", sameRef.id), out);
      }
      if (sameId !== undefined || sameRef !== undefined) seen.storedReplays++;
    }
    return;
  }
  const orders = await existingOrderIds(db, defined(batch.map((r) => r.orderId)));
  for (const row of batch) {
    own(row);
    if (row.orderId !== undefined && !orders.has(row.orderId)) {
      out.push({ line: row.line, reason: "orderId: no order with this id" });
    }
  }
}

function defined(list: readonly (string | undefined)[]): string[] {
  return [...new Set(list.filter((x): x is string => x !== undefined))];
}

/**
 * Pass 2 for one batch of rows pass 1 accepted: written, audited, followed up. `storedReplays`:
 * pass 1 found payments of the file stored already (else none is looked up again: a payment
 * stored since pass 1 is found by the insert, as a clash within the file is).
 */
async function writeBatch(
  deps: AppDeps,
  trx: Trx,
  w: Writer,
  batch: WriteBatch,
  storedReplays: boolean,
  out: Rejected[],
): Promise<number> {
  const audit: AuditInput[] = [];
  if (batch.kind === "orders") {
    const { rows, summaries, lines } = batch;
    const inserted = await insertNewOrders(trx, rows);
    rows.forEach((row, i) => {
      if (inserted.has(row.id)) {
        audit.push(orderCreatedEntry(row.id, new CanonicalJsonText(summaries[i] as string), w));
      }
      // Only an earlier row of this file can have taken the id: pass 1 found none stored.
      else appErrorReasons(lines[i] as number, orderIdTaken(row.id, ""), out);
    });
    await appendAuditBatch(trx, audit);
    return inserted.size;
  }

  const kind = batch.kind;
  const inputs = batch.inputs;
  const orderIds = [...new Set(inputs.map((i) => i.orderId))];
  // The orders' rows are locked (PostgreSQL), as a single write locks its order. Their facts are
  // read before the batch's rows go in: the rows this batch adds to each are counted here.
  if (deps.dialect === "postgres") await lockOrders(trx, orderIds);
  const facts = await ordersFollowUpFacts(trx, orderIds);
  const clients = new Map(facts.map((f) => [f.orderId, f.clientId]));
  const orderOf = (id: string) => ({ id, client_id: clients.get(id) as string });
  for (const id of orderIds) {
    authorize(
      w.ctx.actor,
      kind === "payments" ? "payment.write" : "event.write",
      clients.get(id) as string,
      "order",
    );
  }
  /** Payments this batch recorded, per order. */
  const added = new Map<string, PaymentRow[]>();

  let written: number;
  if (batch.kind === "payments") {
    const payments = batch.inputs;
    // Replays of payments stored before this import are skipped (pass 1 checked they are equal).
    const stored = storedReplays
      ? await paymentsByIdsOrRefs(
          trx,
          defined(payments.map((p) => p.id ?? undefined)),
          defined(payments.map((p) => p.providerRef ?? undefined)),
        )
      : [];
    // The rows to insert, with the input and the line of each.
    const rows: PaymentRow[] = [];
    const rowInputs: PaymentInput[] = [];
    const lines: number[] = [];
    const replayed = (p: (typeof payments)[number]) => stored.some((s) => samePayment(s, p));
    // Within the batch, a later row with the id or provider reference of an earlier one is a
    // replay of it (identical) or a clash; across batches the insert finds them.
    const byId = new Map<string, PaymentRow>();
    const byRef = new Map<string, PaymentRow>();
    payments.forEach((p, i) => {
      if (replayed(p)) return;
      const line = batch.lines[i] as number;
      const sameId = p.id === null ? undefined : byId.get(p.id);
      const sameRef = p.providerRef === null ? undefined : byRef.get(p.providerRef);
      if (sameId !== undefined || sameRef !== undefined) {
        if (sameId !== undefined && !samePayment(sameId, p)) {
          appErrorReasons(line, idTaken(sameId.id, ""), out);
        }
        if (sameRef !== undefined && !samePayment(sameRef, p)) {
          appErrorReasons(line, providerRefTaken("", sameRef.id), out);
        }
        return;
      }
      const row = newPaymentRow(p, orderOf(p.orderId), w);
      byId.set(row.id, row);
      if (row.provider_ref !== null) byRef.set(row.provider_ref, row);
      rows.push(row);
      rowInputs.push(p);
      lines.push(line);
    });
    const inserted = await insertNewPayments(trx, rows);
    const clashes: number[] = [];
    rows.forEach((row, i) => {
      if (inserted.has(row.id)) {
        audit.push(paymentRecordedEntry(row, rowInputs[i] as PaymentInput, w));
        const list = added.get(row.order_id);
        if (list === undefined) added.set(row.order_id, [row]);
        else list.push(row);
      } else clashes.push(i);
    });
    await reportPaymentClashes(trx, rows, lines, clashes, rowInputs, out);
    written = inserted.size;
  } else {
    const rows = batch.inputs.map((input) => newEventRow(input.orderId, input, w));
    const inserted = await insertNewServiceEvents(trx, rows);
    for (const row of rows) if (inserted.has(row.id)) audit.push(eventRecordedEntry(row, w));
    written = inserted.size;
  }
  await appendAuditBatch(trx, audit);
  if (out.length > 0) return written;

  // The follow-up a single write runs, for the orders where it can change anything: open
  // requests are re-evaluated; payments may be extras (rule 2) that open their own case.
  for (const f of facts) {
    if (kind === "payments") {
      if (f.openRequests > 0 || mayFindExtras(f, added.get(f.orderId) ?? [])) {
        await afterPaymentsRecorded(deps, trx, f.orderId, w);
      }
    } else if (f.openRequests > 0) {
      await reevaluate(deps, trx, f.orderId, w);
    }
  }
  return written;
}

/**
 * False when the duplicate-payment follow-up (`openDuplicateCases`) provably finds no extra among
 * the order's payments: then, with no open request to re-evaluate, `afterPaymentsRecorded` would
 * write nothing. The follow-up reads the order's payments (in order of capture, then id) and plans
 * with the core's rule 2 (`planDuplicateCases`), which opens or ties nothing without an extra.
 * `f.payments` counts the order's payments stored before this batch; `mine` are the rows this
 * batch inserted for it. When none was stored before, `mine` are all of its payments, the very
 * rows the follow-up would read, and the core's `extraPaymentIds` on the same candidates
 * (`candidateOf`) tells without a query; unless two were captured at the same instant: the
 * follow-up takes those in the database's order of their ids, not necessarily the file's.
 */
function mayFindExtras(f: OrderFollowUpFacts, mine: readonly PaymentRow[]): boolean {
  const nothingDue = BigInt(f.priceMinor) <= 0n;
  if (!mayHaveExtras(f.payments + mine.length, nothingDue)) return false;
  if (f.payments > 0 || capturedTogether(mine)) return true;
  const due = money(fromDbMinor(f.priceMinor), f.priceCurrency);
  return extraPaymentIds(mine.map(candidateOf), due).length > 0;
}

/** Whether two of the payments have the same capture instant. */
function capturedTogether(rows: readonly PaymentRow[]): boolean {
  return new Set(rows.map((r) => r.captured_at)).size < rows.length;
}

/**
 * Payments the insert left out clash with an earlier row of this file (by id or provider
 * reference): identical ones are replays, skipped; different ones are problems.
 */
async function reportPaymentClashes(
  trx: Trx,
  rows: readonly PaymentRow[],
  lines: readonly number[],
  clashes: readonly number[],
  inputs: readonly PaymentInput[],
  out: Rejected[],
): Promise<void> {
  if (clashes.length === 0) return;
  const clashing = clashes.map((i) => rows[i] as PaymentRow);
  const stored = await paymentsByIdsOrRefs(
    trx,
    clashing.map((r) => r.id),
    defined(clashing.map((r) => r.provider_ref ?? undefined)),
  );
  for (const i of clashes) {
    const row = rows[i] as PaymentRow;
    const input = inputs[i] as (typeof inputs)[number];
    const line = lines[i] as number;
    const sameId = stored.find((s) => s.id === row.id);
    const sameRef =
      row.provider_ref === null
        ? undefined
        : stored.find((s) => s.provider_ref === row.provider_ref);
    if (sameId !== undefined && !samePayment(sameId, input))
      appErrorReasons(line, idTaken(row.id, ""), out);
    if (sameRef !== undefined && !samePayment(sameRef, input)) {
      appErrorReasons(line, providerRefTaken("", sameRef.id), out);
    }
  }
}

/** The `id` of each readable row (the key pass 1 recorded when it was a sound string). */
async function* idsOf(
  rows: AsyncIterable<ImportRow>,
): AsyncGenerator<{ key: string | undefined; line: number }> {
  for await (const row of rows) {
    if ("error" in row) continue;
    const v = row.value;
    const id =
      typeof v === "object" && v !== null ? (v as Record<string, unknown>)["id"] : undefined;
    yield { key: typeof id === "string" ? id : undefined, line: row.line };
  }
}

/** Rows rejected while writing: the transaction is rolled back. */
class RejectedWhileWriting extends Error {
  constructor(readonly rejected: readonly Rejected[]) {
    super("import rejected");
  }
}

/**
 * Pass 1: every row and every problem of each. Its own function, so the order ids' filter (16
 * MiB) is gone before pass 2 starts.
 */
async function validateAll(
  deps: AppDeps,
  opts: ImportOptions,
  job: PrepareJob,
): Promise<{ count: number; rejected: Rejected[]; storedReplays: number }> {
  const rejected: Rejected[] = [];
  const seen: FileKeys = { orderIds: new SeenKeys(), storedReplays: 0 };
  let count = 0;
  for await (const batch of preparedBatches(job, opts.open, opts.parseInWorker)) {
    const checked = batch as CheckedRow[];
    count += checked.length;
    await validateBatch(deps.db, opts.kind, checked, seen, rejected);
    opts.onProgress?.({ phase: "validate", rows: count });
  }
  if (seen.orderIds.hasSuspects) {
    // Rows whose id an earlier row of the file may have: read the ids again to be sure.
    const rows = readImportRows(opts.open, opts.format, opts.kind);
    const repeats = await seen.orderIds.confirm(idsOf(rows));
    for (const r of repeats) appErrorReasons(r.line, orderIdTaken(r.key, ""), rejected);
  }
  return { count, rejected, storedReplays: seen.storedReplays };
}

/** Imports the rows: all of them, or none and every problem. */
export async function importRows(
  deps: AppDeps,
  w: Writer,
  opts: ImportOptions,
): Promise<ImportOutcome> {
  const job = (pass: PrepareJob["pass"]): PrepareJob => ({
    kind: opts.kind,
    format: opts.format,
    pass,
    now: w.now,
    batchSize: opts.batchSize ?? BATCH,
  });
  const { count, rejected, storedReplays } = await validateAll(deps, opts, job("validate"));
  if (rejected.length > 0) return { ok: false, rows: count, rejected: sortByLine(rejected) };
  if (opts.dryRun === true) return { ok: true, rows: count, written: 0, dryRun: true };

  // Pass 2: write, all in one transaction (of its own: on SQLite not a savepoint of a group-commit
  // batch, whose undo copies would grow with the import; ADR 0030).
  try {
    const written = await transactionOfItsOwn(deps.db, async (trx) => {
      let total = 0;
      let done = 0;
      for await (const b of preparedBatches(job("write"), opts.open, opts.parseInWorker)) {
        const batch = b as WriteBatch;
        const problems: Rejected[] = [];
        total += await writeBatch(deps, trx, w, batch, storedReplays > 0, problems);
        rejected.push(...problems);
        done += batch.lines.length;
        opts.onProgress?.({ phase: "write", rows: done });
      }
      if (rejected.length > 0) throw new RejectedWhileWriting(rejected);
      return total;
    });
    return { ok: true, rows: count, written, dryRun: false };
  } catch (e) {
    if (e instanceof RejectedWhileWriting) {
      return { ok: false, rows: count, rejected: sortByLine(e.rejected) };
    }
    throw e;
  }
}

function sortByLine(list: readonly Rejected[]): Rejected[] {
  // Stable: a row's problems keep their order.
  return [...list].sort((a, b) => a.line - b.line);
}
