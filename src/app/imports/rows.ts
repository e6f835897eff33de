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
  const parser = input.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  let header: readonly string[] | undefined;
  // csv-parse counts each CR and each LF inside a quoted field as a line, so a CRLF there counts
  // twice: `drift` is how far its count has run ahead of the physical lines.
  let drift = 0;
  try {
    for await (const rec of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      // `info.lines` is the line a record ends on; a record spanning lines started earlier.
      const breaks = lineBreaks(rec.record);
      const line = rec.info.lines - breaks.counted - drift;
      drift += breaks.crlf;
      if (header === undefined) {
        header = checkHeader(rec.record, kind, line);
        continue;
      }
      if (rec.record.length !== header.length) {
        yield { line, error: `has ${rec.record.length} fields, the header has ${header.length}` };
        continue;
      }
      yield { line, value: rowValue(header, rec.record) };
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

/** Inside a record's (quoted) fields: CRs and LFs as csv-parse counts lines, and CRLF pairs. */
function lineBreaks(fields: readonly string[]): { counted: number; crlf: number } {
  let counted = 0;
  let crlf = 0;
  for (const f of fields) {
    for (let i = 0; i < f.length; i++) {
      const c = f.charCodeAt(i);
      if (c === 10) counted++;
      else if (c === 13) {
        counted++;
        if (f.charCodeAt(i + 1) === 10) crlf++;
      }
    }
  }
  return { counted, crlf };
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
