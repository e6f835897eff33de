// The rows of an import file, streamed: CSV through csv-parse (the CSV project's parser: RFC 4180
// quoting, quoted line breaks, a byte order mark, the line each record starts on) or NDJSON line by
// line. Nothing holds the whole file; a file can be read as many times as its source is opened.

import type { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";

export const IMPORT_KINDS = ["orders", "payments", "events"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
export type ImportFormat = "csv" | "ndjson";

/** CSV columns by kind: the JSON field names, nested ones dotted. */
export const IMPORT_COLUMNS: Readonly<Record<ImportKind, readonly string[]>> = {
  orders: [
    "id",
    "clientId",
    "service.name",
    "service.category",
    "service.billing",
    "price.amount",
    "price.currency",
    "placedAt",
    "promisedStartBy",
    "promisedDeliveryBy",
    "startedAt",
    "deliveredAt",
    "subscription.periodStart",
    "subscription.periodEnd",
    "subscription.chargeRef",
  ],
  payments: [
    "id",
    "orderId",
    "chargeRef",
    "amount.amount",
    "amount.currency",
    "method",
    "capturedAt",
    "providerRef",
  ],
  events: ["orderId", "kind", "from", "to", "note"],
};

/** One input row: its line and the JSON value it stands for (or why it could not be read). */
export type ImportRow =
  | { readonly line: number; readonly value: unknown }
  | { readonly line: number; readonly error: string };

/** The file as a whole cannot be imported (a bad header, broken quoting): nothing is written. */
export class ImportFileError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Opens the file (or body) from its start; called once per pass. */
export type OpenSource = () => Readable;

/** The rows of a source in the given format, one at a time. */
export function importRows(
  open: OpenSource,
  format: ImportFormat,
  kind: ImportKind,
): AsyncGenerator<ImportRow> {
  return rowsOf(importRowChunks(open, format, kind));
}

/**
 * The rows of a source in the given format, in chunks as they are read (a chunk is as many rows
 * as the last read of the source held, never empty): a consumer of many rows takes them a chunk
 * at a time instead of awaiting each one (two promises and an iterator result per row, several
 * percent of an import's time).
 */
export function importRowChunks(
  open: OpenSource,
  format: ImportFormat,
  kind: ImportKind,
): AsyncGenerator<ImportRow[]> {
  return format === "csv" ? csvRowChunks(open(), kind) : ndjsonRowChunks(open());
}

async function* rowsOf(chunks: AsyncIterable<readonly ImportRow[]>): AsyncGenerator<ImportRow> {
  for await (const chunk of chunks) yield* chunk;
}

/**
 * CSV rows as JSON values: the header names the fields (dotted for nested ones), an empty cell is
 * null, and a nested object whose cells are all empty is null as a whole (no subscription). A bad
 * header or malformed quoting throws `ImportFileError`.
 */
export function csvRows(input: Readable, kind: ImportKind): AsyncGenerator<ImportRow> {
  return rowsOf(csvRowChunks(input, kind));
}

/** `csvRows` a chunk at a time. */
export async function* csvRowChunks(
  input: Readable,
  kind: ImportKind,
): AsyncGenerator<ImportRow[]> {
  // No `info`: csv-parse would copy its counters into an object per record (a third of its time);
  // the lines are counted here instead, and empty lines skipped here (csv-parse gives them as one
  // empty field), so every physical line is seen.
  const parser = input.pipe(parse({ bom: true, relax_column_count: true }));
  // A failed read of the source fails the parse (pipe does not pass errors on).
  input.on("error", (e) => parser.destroy(e));
  let header: RowBuilder | undefined;
  // The line the next record starts on: one more than the last one's, plus the line breaks
  // inside its quoted fields (a CRLF there is one break).
  let next = 1;
  try {
    for await (const records of recordChunks(parser)) {
      const rows: ImportRow[] = [];
      for (const record of records) {
        const line = next;
        next += 1 + lineBreaks(record);
        if (record.length === 1 && (record[0] === "" || record[0] === "\r")) continue; // empty
        if (header === undefined) {
          header = new RowBuilder(checkHeader(record, kind, line));
          continue;
        }
        if (record.length !== header.width) {
          rows.push({ line, error: `has ${record.length} fields, the header has ${header.width}` });
          continue;
        }
        rows.push({ line, value: header.value(record) });
      }
      if (rows.length > 0) yield rows;
    }
  } catch (e) {
    if (e instanceof CsvError) {
      const line = (e as CsvError & { lines?: number }).lines ?? 0;
      throw new ImportFileError(line, e.message);
    }
    throw e;
  } finally {
    input.destroy();
  }
  if (header === undefined) {
    throw new ImportFileError(1, "the file is empty (a CSV import needs a header)");
  }
}

/**
 * The records of a parser, every record it holds at each turn (the way csv-parse's own callback
 * API reads it: `read()` until null on each "readable"), rather than one await per record. The
 * listeners stay on from start to end, so an error while the consumer is busy elsewhere is kept
 * and thrown at the next turn instead of going unhandled.
 */
async function* recordChunks(parser: Readable): AsyncGenerator<string[][]> {
  let failure: unknown;
  let failed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onError = (e: unknown) => {
    failure = e;
    failed = true;
    notify();
  };
  parser.on("readable", notify);
  parser.on("end", notify);
  parser.on("error", onError);
  try {
    for (;;) {
      const records: string[][] = [];
      let record: string[] | null;
      while ((record = parser.read() as string[] | null) !== null) records.push(record);
      if (records.length > 0) {
        yield records;
        continue;
      }
      if (failed) throw failure instanceof Error ? failure : new Error(String(failure));
      if (parser.readableEnded) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    parser.off("readable", notify);
    parser.off("end", notify);
    parser.off("error", onError);
  }
}

/**
 * The line breaks inside a record's (quoted) fields: LF, CR, and CRLF as one. A CR ending the
 * record is the first half of its CRLF (in a file whose first line ends in LF alone, csv-parse
 * splits at LF and leaves it there), not a break of its own.
 */
function lineBreaks(fields: readonly string[]): number {
  let n = 0;
  fields.forEach((f, k) => {
    if (f.indexOf("\n") < 0 && f.indexOf("\r") < 0) return;
    const end = k === fields.length - 1 && f.endsWith("\r") ? f.length - 1 : f.length;
    for (let i = 0; i < end; i++) {
      const c = f.charCodeAt(i);
      if (c === 10) n++;
      else if (c === 13 && f.charCodeAt(i + 1) !== 10) n++;
    }
  });
  return n;
}

function checkHeader(fields: readonly string[], kind: ImportKind, line: number): string[] {
  const known = new Set(IMPORT_COLUMNS[kind]);
  const seen = new Set<string>();
  for (const name of fields) {
    if (!known.has(name)) {
      throw new ImportFileError(
        line,
        `unknown column "${name}" for ${kind}; the columns are ${IMPORT_COLUMNS[kind].join(", ")}`,
      );
    }
    if (seen.has(name)) throw new ImportFileError(line, `column "${name}" appears twice`);
    seen.add(name);
  }
  return [...fields];
}

/** One CSV record as the API's JSON shape. */
export function rowValue(header: readonly string[], cells: readonly string[]): unknown {
  return new RowBuilder(header).value(cells);
}

/**
 * Turns the records of one header into JSON values: the dotted names are split once, not once a
 * cell. A value's keys come in the header's order (a nested object where its first column is).
 */
class RowBuilder {
  /** Per column: the key, and the inner key of a dotted name (null for a plain one). */
  readonly #paths: readonly (readonly [string, string | null])[];
  /** The keys of nested objects. */
  readonly #groups: readonly string[];

  constructor(header: readonly string[]) {
    this.#paths = header.map((name) => {
      const dot = name.indexOf(".");
      return dot < 0 ? [name, null] : [name.slice(0, dot), name.slice(dot + 1)];
    });
    this.#groups = [...new Set(this.#paths.filter((p) => p[1] !== null).map((p) => p[0]))];
  }

  get width(): number {
    return this.#paths.length;
  }

  value(cells: readonly string[]): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    const paths = this.#paths;
    for (let i = 0; i < paths.length; i++) {
      const [head, inner] = paths[i] as readonly [string, string | null];
      const cell = cells[i] ?? "";
      const v = cell === "" ? null : cell;
      if (inner === null) value[head] = v;
      else ((value[head] ??= {}) as Record<string, unknown>)[inner] = v;
    }
    // A nested object whose cells are all empty is null as a whole.
    for (const key of this.#groups) {
      const inner = value[key];
      if (typeof inner !== "object" || inner === null) continue;
      let empty = true;
      for (const k in inner) {
        if ((inner as Record<string, unknown>)[k] !== null) {
          empty = false;
          break;
        }
      }
      if (empty) value[key] = null;
    }
    return value;
  }
}

/** NDJSON rows: one JSON value per non-blank line, numbered physically; a BOM is skipped. */
export function ndjsonRows(input: Readable): AsyncGenerator<ImportRow> {
  return rowsOf(ndjsonRowChunks(input));
}

/**
 * `ndjsonRows` a chunk at a time. Lines end as readline ends them: LF, CRLF (also across two
 * reads) or a lone CR.
 */
export async function* ndjsonRowChunks(input: Readable): AsyncGenerator<ImportRow[]> {
  let n = 0;
  let rest = "";
  const rowOf = (raw: string, out: ImportRow[]) => {
    n++;
    const line = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === "") return;
    try {
      out.push({ line: n, value: JSON.parse(line) as unknown });
    } catch (e) {
      out.push({ line: n, error: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
  try {
    input.setEncoding("utf8");
    for await (const text of input as AsyncIterable<string>) {
      let buffered = rest + text;
      // A CR at the end may be the first half of a CRLF: it waits for the next read.
      const heldCr = buffered.endsWith("\r");
      if (heldCr) buffered = buffered.slice(0, -1);
      const lines = buffered.split(LINE_BREAK);
      rest = (lines.pop() as string) + (heldCr ? "\r" : "");
      const rows: ImportRow[] = [];
      for (const raw of lines) rowOf(raw, rows);
      if (rows.length > 0) yield rows;
    }
    const rows: ImportRow[] = [];
    if (rest !== "") rowOf(rest.endsWith("\r") ? rest.slice(0, -1) : rest, rows);
    if (rows.length > 0) yield rows;
  } finally {
    input.destroy();
  }
}

const LINE_BREAK = /\r\n|\n|\r/;
