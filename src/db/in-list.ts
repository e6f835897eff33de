// `column IN (a list of values)` with the list as ONE bound parameter, for lookups of a whole batch
// at once (bulk imports look up 1,000 ids at a time): SQLite reads it with json_each, PostgreSQL
// as a text array (`= any($1::text[])`). Written with the query builder's `in` instead, a list of
// 1,000 values is 1,000 nodes that Kysely builds, freezes and compiles anew for every batch (it
// cost about as much as SQLite took to answer), and 1,000 placeholders make a new SQL text, and a
// new prepared statement, for every list length.

import { sql, type Expression, type Kysely, type SqlBool } from "kysely";
import { dialectOf } from "./connection.js";
import type { Database } from "./schema.js";

/** True where `column` (a column reference such as `"id"` or `"o.id"`) is one of `values`. */
export function inList(
  db: Pick<Kysely<Database>, "getExecutor">,
  column: string,
  values: readonly string[],
): Expression<SqlBool> {
  const ref = sql.ref(column);
  return dialectOf(db) === "postgres"
    ? sql<SqlBool>`${ref} = any(${[...values]}::text[])`
    : sql<SqlBool>`${ref} in (select value from json_each(${JSON.stringify(values)}))`;
}
