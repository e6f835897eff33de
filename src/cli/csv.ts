// A small RFC 4180 CSV reader: fields separated by commas, records by CRLF or LF (a lone CR too),
// fields optionally enclosed in double quotes, inside which commas, line breaks and doubled quotes
// ("") are data. Each record carries the physical line it starts on, so a rejected row can be
// named even when an earlier field spans several lines. Malformed quoting is reported, not guessed.

export interface CsvRecord {
  /** 1-based physical line on which the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
}

export type CsvResult =
  | { readonly ok: true; readonly records: readonly CsvRecord[] }
  | { readonly ok: false; readonly line: number; readonly message: string };

const QUOTE = 34; // "
const COMMA = 44; // ,
const CR = 13;
const LF = 10;

/**
 * Parses CSV text into records. A final line break does not start an empty record, and lines that
 * are entirely empty are skipped (a record with one empty field must be written as `""`).
 */
export function parseCsv(text: string): CsvResult {
  const records: CsvRecord[] = [];
  const len = text.length;
  let i = 0;
  let line = 1;
  while (i < len) {
    const start = line;
    // An empty physical line: no record.
    const c0 = text.charCodeAt(i);
    if (c0 === LF || c0 === CR) {
      i += c0 === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      // One field, at i.
      if (text.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        i++;
        let value = "";
        let from = i;
        for (;;) {
          if (i >= len) {
            return { ok: false, line: quoteLine, message: "a quoted field is not closed" };
          }
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            if (text.charCodeAt(i + 1) === QUOTE) {
              value += text.slice(from, i + 1);
              i += 2;
              from = i;
              continue;
            }
            value += text.slice(from, i);
            i++;
            break;
          }
          if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        fields.push(value);
        const next = i < len ? text.charCodeAt(i) : LF;
        if (next !== COMMA && next !== LF && next !== CR) {
          return {
            ok: false,
            line,
            message: `unexpected character after a closing quote in field ${fields.length}`,
          };
        }
      } else {
        const from = i;
        while (i < len) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            return {
              ok: false,
              line,
              message: `a quote inside unquoted field ${fields.length + 1} (enclose the field in quotes and double the quote)`,
            };
          }
          i++;
        }
        fields.push(text.slice(from, i));
      }
      // After a field: a comma (next field), a line break or the end (end of record).
      if (i < len && text.charCodeAt(i) === COMMA) {
        i++;
        continue;
      }
      if (i < len) {
        i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        line++;
      }
      break;
    }
    records.push({ line: start, fields });
  }
  return { ok: true, records };
}

/** One field as CSV: quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
