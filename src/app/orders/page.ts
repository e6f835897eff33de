// Keyset pagination for the order lists: a page is ordered by (sort key, id) and the cursor is the
// last item's pair, base64url-encoded. Opaque to callers, stable under inserts, no OFFSET scans.

import { invalidField } from "../errors.js";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** The cursor after an item whose sort key is `key`. */
export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id]), "utf8").toString("base64url");
}

/** The pair inside a cursor; anything else is a 400 naming `path`. */
export function decodeCursor(cursor: string, path: string): { key: string; id: string } {
  try {
    if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw new Error("shape");
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === "string" &&
      typeof v[1] === "string" &&
      !`${v[0]}${v[1]}`.includes("\u0000")
    ) {
      return { key: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  throw invalidField(path, "is not a cursor from this list");
}

/** A `limit` query value (a string of digits) as a number within bounds; 400 otherwise. */
export function parseLimit(value: string | undefined, path: string): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const n = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw invalidField(path, `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return n;
}
