// Every list of the API answers one page `{ items, nextCursor }` (limit 1-100). For the short lists
// a page shows whole (a request's messages and files, an order's payments), `allPages` follows
// the cursor until the last page and answers the items together. The readers of those lists that
// the client portal and the staff console both show live here, once, under one query key each (a
// write in either invalidates the same cache).

import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./client";

/** One page as the API answers it. */
interface PageOf<T> {
  readonly items?: readonly T[];
  readonly nextCursor?: string | null;
}

/** How many pages at most are followed (100 items each): a guard against a runaway cursor. */
const MAX_PAGES = 50;

/** Calls `fetchPage` with each page's cursor (undefined first) and answers every item, in order. */
export async function allPages<T>(
  fetchPage: (query: { limit: string; cursor?: string }) => Promise<PageOf<T>>,
): Promise<{ items: T[]; nextCursor: null }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const page = await fetchPage(
      cursor === undefined ? { limit: "100" } : { limit: "100", cursor },
    );
    items.push(...(page.items ?? []));
    if (page.nextCursor == null) break;
    cursor = page.nextCursor;
  }
  return { items, nextCursor: null };
}

/** A request's timeline, whole (oldest first). */
export const timelineQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id, "timeline"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(
          await api.GET("/api/v1/requests/{id}/timeline", { params: { path: { id }, query } }),
        ),
      ),
  });

/** A request's messages (questions, answers; staff also read internal notes), whole. */
export const messagesQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id, "messages"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(
          await api.GET("/api/v1/requests/{id}/messages", { params: { path: { id }, query } }),
        ),
      ),
  });

/** A request's documents, whole. */
export const attachmentsQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id, "attachments"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(
          await api.GET("/api/v1/requests/{id}/attachments", { params: { path: { id }, query } }),
        ),
      ),
  });

/** The payouts of a request, whole (as the caller may see them: a client's view or staff's). */
export const payoutsOfRequestQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id, "payouts"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(
          await api.GET("/api/v1/payouts", { params: { query: { ...query, requestId: id } } }),
        ),
      ),
  });

/** An order's payments, whole. */
export const orderPaymentsQuery = (orderId: string) =>
  queryOptions({
    queryKey: ["orders", orderId, "payments"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(
          await api.GET("/api/v1/orders/{id}/payments", {
            params: { path: { id: orderId }, query },
          }),
        ),
      ),
  });
