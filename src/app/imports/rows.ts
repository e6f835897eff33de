// The rows of an import file, streamed: CSV through csv-parse (the CSV project's parser: RFC 4180
// quoting, quoted line breaks, a byte order mark, the line each record starts on) or NDJSON line by
// line. Nothing holds the whole file; a file can be read as many times as its source is opened.

import { createInterface } from "node:readline";
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
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Opens the file (or body) from its start; called once per pass. */
export type OpenSource = () => Readable;

/** The rows of a source in the given format. */
export function importRows(
  open: OpenSource,
  format: ImportFormat,
  kind: ImportKind,
): AsyncGenerator<ImportRow> {
  return format === "csv" ? csvRows(open(), kind) : ndjsonRows(open());
}

/**
 * CSV rows as JSON values: the header names the fields (dotted for nested ones), an empty cell is
 * null, and a nested object whose cells are all empty is null as a whole (no subscription). A bad
 * header or malformed quoting throws `ImportFileError`.
 */
export async function* csvRows(input: Readable, kind: ImportKind): AsyncGenerator<ImportRow> {
  // No `info`: csv-parse would copy its counters into an object per record (a third of its time);
  // the lines are counted here instead, and empty lines skipped here (csv-parse gives them as one
  // empty field), so every physical line is seen.
  const parser = input.pipe(parse({ bom: true, relax_column_count: true }));
  let header: readonly string[] | undefined;
  // The line the next record starts on: one more than the last one's, plus the line breaks
  // inside its quoted fields (a CRLF there is one break).
  let next = 1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = next;
      next += 1 + lineBreaks(record);
      if (record.length === 1 && (record[0] === "" || record[0] === "\r")) continue; // empty
      if (header === undefined) {
        header = checkHeader(record, kind, line);
        continue;
      }
      if (record.length !== header.length) {
        yield { line, error: `has ${record.length} fields, the header has ${header.length}` };
        continue;
      }
      yield { line, value: rowValue(header, record) };
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
  const value: Record<string, unknown> = {};
  header.forEach((name, i) => setPath(value, name, cells[i] ?? ""));
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "object" && v !== null && Object.values(v).every((x) => x === null)) {
      value[key] = null;
    }
  }
  return value;
}

function setPath(target: Record<string, unknown>, dotted: string, cell: string): void {
  const value = cell === "" ? null : cell;
  const dot = dotted.indexOf(".");
  if (dot < 0) {
    target[dotted] = value;
    return;
  }
  const head = dotted.slice(0, dot);
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  inner[dotted.slice(dot + 1)] = value;
}

/** NDJSON rows: one JSON value per non-blank line, numbered physically; a BOM is skipped. */
export async function* ndjsonRows(input: Readable): AsyncGenerator<ImportRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of lines) {
      n++;
      const line = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (line.trim() === "") continue;
      try {
        yield { line: n, value: JSON.parse(line) as unknown };
      } catch (e) {
        yield { line: n, error: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
