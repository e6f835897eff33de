// Rebuilding a SQLite table whose definition must change in a way ALTER TABLE cannot do (drop
// NOT NULL, add a CHECK, drop a column's UNIQUE): the table is made again from its own stored
// definition, rewritten, inside the migration's transaction. Other tables' foreign keys may name
// the table, so it is not renamed into place (that would also make SQLite re-check the triggers of
// other tables that name the missing table): its rows are copied aside, the table dropped and made
// again under its own name, and the rows put back. Named indexes come back as they were; triggers
// on the table are the caller's to make again (after the rows are back, so they do not fire for the
// copy). Used by migrations 0020 and 0021.

import { sql, type Kysely } from "kysely";

export interface SchemaRow {
  readonly type: string;
  readonly name: string;
  readonly sql: string | null;
}

/** What sqlite_master holds for `table`: the table, its indexes and its triggers. */
export async function schemaOf(db: Kysely<unknown>, table: string): Promise<SchemaRow[]> {
  return (
    await sql<SchemaRow>`select type, name, sql from sqlite_master where tbl_name = ${table}`.execute(
      db,
    )
  ).rows;
}

/**
 * Makes `table` again from its stored definition as `change` rewrites it, with its rows and named
 * indexes. `aside` names the temporary copy (the migration's own, so two never meet).
 */
export async function rebuild(
  db: Kysely<unknown>,
  table: string,
  aside: string,
  defs: readonly SchemaRow[],
  change: (createSql: string) => string,
): Promise<void> {
  const def = defs.find((r) => r.type === "table")?.sql;
  if (def == null) throw new Error(`${table}: no stored definition`);
  const rewritten = change(def);
  await sql.raw(`create table "${aside}" as select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(rewritten).execute(db);
  await sql.raw(`insert into "${table}" select * from "${aside}"`).execute(db);
  await sql.raw(`drop table "${aside}"`).execute(db);
  // Named indexes come back as they were (automatic ones come with the table).
  for (const index of defs) {
    if (index.type === "index" && index.sql !== null) await sql.raw(index.sql).execute(db);
  }
}
