// Keyset pagination by a (sort key, id) pair of columns, for the lists under one resource (an
// order's payments and events, a request's messages, decisions and attachments) and, by
// (created_at, id), for the top-level lists (users, clients, API tokens, webhook endpoints): the
// rows after a position, in ascending order, one more than the page holds (that one says "there is
// a next page"). Stable while rows are added, and no OFFSET scan. The cursors that carry positions
// through the API are src/app's (auth/pagination.ts, paging.ts).

import { sql, type SelectQueryBuilder, type SqlBool } from "kysely";

/** The position after which a page starts: the last item's sort key and id. */
export interface KeysetAfter {
  readonly key: string;
  readonly id: string;
}

/**
 * `q` restricted to the rows after `after` in (keyColumn, idColumn) order, ordered that way and
 * limited to `limit + 1`. Both columns are text; keys compare as the database compares text
 * (instants are stored in one fixed-width ISO form, so they sort as times).
 */
export function keysetAfter<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  keyColumn: string,
  idColumn: string,
  after: KeysetAfter | null,
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  const key = sql.ref(keyColumn);
  const id = sql.ref(idColumn);
  const from =
    after === null
      ? q
      : q.where(
          sql<SqlBool>`(${key} > ${after.key} or (${key} = ${after.key} and ${id} > ${after.id}))`,
        );
  return from
    .orderBy(key, "asc")
    .orderBy(id, "asc")
    .limit(limit + 1);
}

/** Where a (created_at, id) page starts (after that row; null: at the start) and its length. */
export interface KeysetPageQuery {
  readonly limit: number;
  readonly after: { readonly createdAt: string; readonly id: string } | null;
}

/**
 * A query over one table with `created_at` and `id`, restricted to the page: the rows after the
 * cursor, in (created_at, id) order, one more than the limit (`toPage` reads it as "there is a
 * next page").
 */
export function keysetPage<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  page: KeysetPageQuery,
): SelectQueryBuilder<DB, TB, O> {
  const { after } = page;
  const from =
    after === null
      ? q
      : q.where(
          sql<SqlBool>`(created_at > ${after.createdAt} or (created_at = ${after.createdAt} and id > ${after.id}))`,
        );
  return from
    .orderBy(sql`created_at`, "asc")
    .orderBy(sql`id`, "asc")
    .limit(page.limit + 1);
}
