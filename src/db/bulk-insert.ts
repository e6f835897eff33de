// Multi-row INSERTs for bulk writes (imports, ADR 0030), without the query builder: Kysely builds
// and compiles a 500-row insert anew each time (a parse of every value, then the SQL text), which
// costs about as much as SQLite takes to run it. Here the SQL text is made once per table, column
// list and row count (so the SQLite driver's statement cache prepares it once) and each call only
// lays the values out. The rows are the same objects the builder would get: the same values reach
// the database either way.
//
// Rows that clash with stored ones are left out (`ON CONFLICT DO NOTHING`) and the caller learns
// which rows went in. On PostgreSQL the statement returns their ids. On SQLite `RETURNING` cost
// about a fifth of the insert (a result row, then an object, per row); instead the statement
// reports how many rows it inserted, which is all of them unless something clashed. When some
// did, the ids are read back by rowid: SQLite gives a new row one more than the table's largest
// rowid (it picks at random only once that rowid has reached 2^63 - 1), so one statement's rows
// are the `changes` rowids ending at the last one it inserted; a read back that finds another
// count fails the import.

import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import { dialectOf, type DialectName } from "./connection.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Rows per statement: 500 rows of the widest table (18 columns) stay far below both limits on
 * bound parameters (32,766 in SQLite, 65,535 in PostgreSQL). */
export const ROWS_PER_INSERT = 500;

const texts = new Map<string, string>();

function insertText(
  dialect: DialectName,
  table: string,
  columns: readonly string[],
  rows: number,
  ignoreConflicts: boolean,
): string {
  const key = `${dialect}\u0000${table}\u0000${columns.join(",")}\u0000${rows}\u0000${ignoreConflicts}`;
  let text = texts.get(key);
  if (text !== undefined) return text;
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const slots = columns.map(() => (dialect === "postgres" ? `$${++n}` : "?"));
    tuples.push(`(${slots.join(", ")})`);
  }
  text =
    `insert into ${quote(table)} (${columns.map(quote).join(", ")}) values ${tuples.join(", ")}` +
    (ignoreConflicts ? ` on conflict do nothing` : "") +
    (ignoreConflicts && dialect === "postgres" ? ` returning "id"` : "");
  // Bounded: a few tables, and per table the full chunk and the sizes of last chunks.
  if (texts.size >= 200) texts.clear();
  texts.set(key, text);
  return text;
}

/**
 * Inserts `rows` (all with the keys of the first, in its order) into `table`, ROWS_PER_INSERT a
 * statement. With `ignoreConflicts`, a row that clashes with a stored one on a unique key is left
 * out (`ON CONFLICT DO NOTHING`) and the ids of the rows inserted are returned.
 */
export async function insertRows<T extends object>(
  db: Db,
  table: keyof Database & string,
  rows: readonly T[],
  ignoreConflicts: true,
): Promise<Set<string>>;
export async function insertRows<T extends object>(
  db: Db,
  table: keyof Database & string,
  rows: readonly T[],
  ignoreConflicts?: false,
): Promise<void>;
export async function insertRows<T extends object>(
  db: Db,
  table: keyof Database & string,
  rows: readonly T[],
  ignoreConflicts = false,
): Promise<Set<string> | void> {
  const inserted = new Set<string>();
  const first = rows[0];
  if (first === undefined) return ignoreConflicts ? inserted : undefined;
  const columns = Object.keys(first);
  const dialect = dialectOf(db);
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const end = Math.min(i + ROWS_PER_INSERT, rows.length);
    const params: unknown[] = new Array<unknown>((end - i) * columns.length);
    let p = 0;
    for (let r = i; r < end; r++) {
      const row = rows[r] as Record<string, unknown>;
      for (const c of columns) params[p++] = row[c];
    }
    const text = insertText(dialect, table, columns, end - i, ignoreConflicts);
    const result = await db.executeQuery<{ id: string }>(CompiledQuery.raw(text, params));
    if (!ignoreConflicts) continue;
    if (dialect === "postgres") for (const r of result.rows) inserted.add(r.id);
    else {
      const changes = Number(result.numAffectedRows ?? 0n);
      if (changes === end - i) for (let r = i; r < end; r++) inserted.add(idOf(rows[r]));
      else if (changes > 0) {
        for (const id of await idsInsertedLast(db, table, changes, result.insertId))
          inserted.add(id);
      }
    }
  }
  return ignoreConflicts ? inserted : undefined;
}

function idOf(row: object | undefined): string {
  const id = (row as { id?: unknown } | undefined)?.id;
  if (typeof id !== "string") throw new TypeError("insertRows: a row without a string id");
  return id;
}

/** SQLite: the ids of the `changes` rows the last statement inserted into `table` (see above). */
async function idsInsertedLast(
  db: Db,
  table: string,
  changes: number,
  lastRowid: bigint | undefined,
): Promise<string[]> {
  if (lastRowid === undefined)
    throw new Error(`insertRows: no rowid after an insert into ${table}`);
  const rows = await db.executeQuery<{ id: string }>(
    CompiledQuery.raw(`select "id" from "${table}" where rowid > ? and rowid <= ?`, [
      lastRowid - BigInt(changes),
      lastRowid,
    ]),
  );
  if (rows.rows.length !== changes) {
    throw new Error(
      `insertRows: ${changes} rows went into ${table}, ${rows.rows.length} read back`,
    );
  }
  return rows.rows.map((r) => r.id);
}
