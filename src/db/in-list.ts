// `column IN (a list of values)` with the list as ONE bound parameter, for lookups of a whole batch
// at once (bulk imports look up 1,000 ids at a time): SQLite reads it with json_each, PostgreSQL
// as a text array (`= any($1::text[])`). Written with the query builder's `in` instead, a list of
// 1,000 values is 1,000 nodes that Kysely builds, freezes and compiles anew for every batch (it
// cost about as much as SQLite took to answer), and 1,000 placeholders make a new SQL text, and a
// new prepared statement, for every list length.

import { sql, type Expression, type Kysely, type SqlBool } from "kysely";
import { dialectOf, type DialectName } from "./connection.js";
import type { Database } from "./schema.js";

/** A list as the one parameter `inListParam` binds (made by `listParam`). */
export type ListParam = string | readonly string[];

/** True where `column` (a column reference such as `"id"` or `"o.id"`) is one of `values`. */
export function inList(
  db: Pick<Kysely<Database>, "getExecutor">,
  column: string,
  values: readonly string[],
): Expression<SqlBool> {
  return inListParam(dialectOf(db), column, listParam(db, values));
}

/** `values` as the one bound parameter of `inList`: JSON text (SQLite), a text array (PostgreSQL). */
export function listParam(
  db: Pick<Kysely<Database>, "getExecutor">,
  values: readonly string[],
): ListParam {
  return dialectOf(db) === "postgres" ? [...values] : JSON.stringify(values);
}

/**
 * `inList` with its parameter given: in a precompiled statement (db/precompiled.ts), the
 * placeholder of a `listParam` value, so one compiled text serves every list.
 */
export function inListParam(
  dialect: DialectName,
  column: string,
  param: ListParam,
): Expression<SqlBool> {
  const ref = sql.ref(column);
  return dialect === "postgres"
    ? sql<SqlBool>`${ref} = any(${param}::text[])`
    : sql<SqlBool>`${ref} in (select value from json_each(${param}))`;
}
