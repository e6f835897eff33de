// What each pass of a bulk import needs of a row that depends on the row alone, not on the
// database: pass 1 its own problems (each wrong field, read by the API's own readers) and the
// references it names; pass 2 the values to write (for orders the row itself and its audit
// summary as canonical JSON). This is the CPU-heavy part of an import besides the database, so it
// runs in a worker thread beside the main one when it can (parse-worker.ts, ADR 0030), else
// inline: the same functions either way.

import { canonicalJson } from "../../core/json/canonical.js";
import type { OrderRow } from "../../db/schema.js";
import { newOrderRow, orderCreatedSummary } from "../orders/new-order.js";
import {
  parseOrderInput,
  parsePaymentInput,
  parseServiceEventImport,
  type PaymentInput,
  type ServiceEventImport,
} from "../orders/input.js";
import type { FieldError } from "../errors.js";
import {
  importRowChunks,
  type ImportFormat,
  type ImportKind,
  type ImportRow,
  type OpenSource,
} from "./rows.js";

/** Pass 1: one row's own problems and the references it names (where their fields read). */
export interface CheckedRow {
  readonly line: number;
  /** As reported: `path: message` of each wrong field, or why the row cannot be read at all. */
  readonly problems: readonly string[];
  /** Orders: the client. */
  readonly clientId?: string | undefined;
  /** Payments and events: the order. */
  readonly orderId?: string | undefined;
  /** Orders and payments: the row's own id. */
  readonly id?: string | undefined;
  /** Payments: the provider's reference. */
  readonly providerRef?: string | undefined;
  /** Payments: the payment, when it reads (to tell a replay of a stored payment from a clash). */
  readonly payment?: PaymentInput | undefined;
}

/** Pass 2: a batch of rows pass 1 accepted, ready to write (lines in the file's order). */
export type WriteBatch =
  | {
      readonly kind: "orders";
      readonly lines: readonly number[];
      readonly rows: readonly OrderRow[];
      /** The canonical JSON of each row's `order.created` summary. */
      readonly summaries: readonly string[];
    }
  | {
      readonly kind: "payments";
      readonly lines: readonly number[];
      readonly inputs: readonly PaymentInput[];
    }
  | {
      readonly kind: "events";
      readonly lines: readonly number[];
      readonly inputs: readonly ServiceEventImport[];
    };

function reasons(errors: readonly FieldError[]): string[] {
  return errors.map((e) => `${e.path}: ${e.message}`);
}

/** A reference is checked only when its field reads (as the single-row use cases do). */
function soundRef(raw: unknown, key: string, errors: readonly FieldError[]): string | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const v = (raw as Record<string, unknown>)[key];
  if (typeof v !== "string") return undefined;
  return errors.some((e) => e.path === key || e.path.startsWith(`${key}.`)) ? undefined : v;
}

/** Pass 1's view of each row of a batch. */
export function checkRows(kind: ImportKind, rows: readonly ImportRow[]): CheckedRow[] {
  return rows.map((row): CheckedRow => {
    if ("error" in row) return { line: row.line, problems: [row.error] };
    const raw = row.value;
    if (kind === "orders") {
      const p = parseOrderInput(raw, "");
      if (p.ok) return { line: row.line, problems: [], clientId: p.value.clientId, id: p.value.id };
      return {
        line: row.line,
        problems: reasons(p.error),
        clientId: soundRef(raw, "clientId", p.error),
        id: soundRef(raw, "id", p.error),
      };
    }
    if (kind === "payments") {
      const p = parsePaymentInput(raw, "");
      if (p.ok) {
        return {
          line: row.line,
          problems: [],
          orderId: p.value.orderId,
          id: p.value.id ?? undefined,
          providerRef: p.value.providerRef ?? undefined,
          payment: p.value,
        };
      }
      return {
        line: row.line,
        problems: reasons(p.error),
        orderId: soundRef(raw, "orderId", p.error),
        id: soundRef(raw, "id", p.error),
        providerRef: soundRef(raw, "providerRef", p.error),
      };
    }
    const p = parseServiceEventImport(raw, "");
    if (p.ok) return { line: row.line, problems: [], orderId: p.value.orderId };
    return {
      line: row.line,
      problems: reasons(p.error),
      orderId: soundRef(raw, "orderId", p.error),
    };
  });
}

/** Pass 2's batch of rows pass 1 accepted; `now` is the import's time (its rows' created_at). */
export function writeBatchOf(
  kind: ImportKind,
  rows: readonly ImportRow[],
  now: number,
): WriteBatch {
  const lines = rows.map((r) => r.line);
  const values = rows.map((r) => {
    if ("error" in r) throw new Error(`line ${r.line} no longer reads: ${r.error}`);
    return r.value;
  });
  if (kind === "orders") {
    const facts = values.map((v) => accepted(parseOrderInput(v, "")));
    return {
      kind,
      lines,
      rows: facts.map((f) => newOrderRow(f, { now })),
      summaries: facts.map((f) => canonicalJson(orderCreatedSummary(f))),
    };
  }
  if (kind === "payments") {
    return { kind, lines, inputs: values.map((v) => accepted(parsePaymentInput(v, ""))) };
  }
  return { kind, lines, inputs: values.map((v) => accepted(parseServiceEventImport(v, ""))) };
}

function accepted<T>(r: { readonly ok: true; readonly value: T } | { readonly ok: false }): T {
  if (!r.ok) throw new Error("a row pass 1 accepted no longer validates");
  return r.value;
}

/** What to prepare of a source, and how. */
export interface PrepareJob {
  readonly kind: ImportKind;
  readonly format: ImportFormat;
  readonly pass: "validate" | "write";
  /** The import's time (pass 2's rows' created_at). */
  readonly now: number;
  /** Rows per batch. */
  readonly batchSize: number;
}

/** A prepared batch: pass 1's checked rows, or pass 2's batch to write. */
export type Prepared = CheckedRow[] | WriteBatch;

/** The source's rows, `job.batchSize` at a time, prepared for the job's pass, in this thread. */
export async function* prepareHere(job: PrepareJob, open: OpenSource): AsyncGenerator<Prepared> {
  let batch: ImportRow[] = [];
  const prepare = (rows: readonly ImportRow[]): Prepared =>
    job.pass === "validate" ? checkRows(job.kind, rows) : writeBatchOf(job.kind, rows, job.now);
  for await (const chunk of importRowChunks(open, job.format, job.kind)) {
    for (const row of chunk) {
      batch.push(row);
      if (batch.length >= job.batchSize) {
        yield prepare(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield prepare(batch);
}
