// Keyset pagination over (created_at, id): `?limit=&cursor=`, where the cursor is the opaque
// position after the last item of the previous page. Stable while rows are added, unlike offsets.
// The query itself is src/db/keyset.ts.

import type { KeysetPageQuery } from "../../db/keyset.js";
import { invalidField } from "../errors.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** Where a page starts and how long it is (the query is src/db/keyset.ts's). */
export type PageQuery = KeysetPageQuery;

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Parses `limit` and `cursor` as they arrive in a query string (strings, or absent). */
export function parsePageQuery(q: {
  limit?: string | undefined;
  cursor?: string | undefined;
}): PageQuery {
  let limit = DEFAULT_PAGE_SIZE;
  if (q.limit !== undefined) {
    limit = /^\d{1,4}$/.test(q.limit) ? Number(q.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
      throw invalidField("querystring.limit", `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
  }
  return { limit, after: q.cursor === undefined ? null : decodeCursor(q.cursor) };
}

/** The cursor that continues after `row`. */
export function encodeCursor(row: { readonly created_at: string; readonly id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): PageQuery["after"] {
  const bad = () => invalidField("querystring.cursor", "is not a cursor this API gave out");
  if (!/^[\w-]{1,400}$/.test(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== "string" ||
    typeof value[1] !== "string"
  ) {
    throw bad();
  }
  return { createdAt: value[0], id: value[1] };
}

/** Turns `limit + 1` fetched rows into a page and the cursor after it. */
export function toPage<R extends { readonly created_at: string; readonly id: string }, T>(
  rows: readonly R[],
  limit: number,
  present: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(present),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
  };
}
