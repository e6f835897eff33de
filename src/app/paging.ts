// Pages of the lists under one resource (an order's payments and events, a request's messages,
// decisions, attachments and timeline, one's own sessions): `?limit=&cursor=` as every list of
// the API (parsePageQuery: 1-100, default 50), answered `{ items, nextCursor }`. The cursor is the
// last item's (sort key, id), opaque to callers; the rows come from src/db/keyset.ts.

import type { KeysetAfter } from "../db/keyset.js";
import type { Page, PageQuery } from "./auth/pagination.js";
import { encodeCursor } from "./orders/page.js";

/** Where the page starts, as the keyset query reads it. */
export function keysetOf(page: PageQuery): KeysetAfter | null {
  return page.after === null ? null : { key: page.after.createdAt, id: page.after.id };
}

/**
 * The page of `rows` (fetched `limit + 1`, in (key, id) order): the first `limit` presented, and
 * the cursor after the last one when there was one more.
 */
export function pageOfRows<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => KeysetAfter,
  present: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  if (rows.length <= limit || last === undefined) {
    return { items: items.map(present), nextCursor: null };
  }
  const k = keyOf(last);
  return { items: items.map(present), nextCursor: encodeCursor(k.key, k.id) };
}

/**
 * A page of a list assembled in memory (a request's timeline, from several sources), ordered by
 * (key, id): the items after the cursor, `limit` of them.
 */
export function pageInMemory<T>(
  all: readonly T[],
  page: PageQuery,
  keyOf: (item: T) => KeysetAfter,
): Page<T> {
  const after = keysetOf(page);
  const sorted = [...all].sort((x, y) => compareKeys(keyOf(x), keyOf(y)));
  const rest = after === null ? sorted : sorted.filter((i) => compareKeys(keyOf(i), after) > 0);
  return pageOfRows(rest.slice(0, page.limit + 1), page.limit, keyOf, (i) => i);
}

function compareKeys(a: KeysetAfter, b: KeysetAfter): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
