// GET /orders: newest placed first, a page at a time. A client sees only its own orders (a
// clientId filter naming another client yields an empty page, as a client without orders would);
// staff and order-reading tokens see all, optionally filtered by client.

import type { ActionContext, AppDeps } from "../context.js";
import { decodeCursor, encodeCursor, type Page } from "./page.js";
import { presentOrder, type OrderJson } from "./present.js";
import { orderPage } from "./repository.js";

export interface ListOrdersInput {
  readonly clientId?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** One page of the orders the caller may read. */
export async function listOrders(
  deps: AppDeps,
  ctx: ActionContext,
  input: ListOrdersInput,
): Promise<Page<OrderJson>> {
  let clientId = input.clientId;
  if (ctx.actor.role === "client") {
    if (clientId !== undefined && clientId !== ctx.actor.clientId) {
      return { items: [], nextCursor: null };
    }
    clientId = ctx.actor.clientId;
  }
  if (clientId?.includes("\u0000")) return { items: [], nextCursor: null };
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, "query.cursor");
  const rows = await orderPage(deps.db, { clientId, after, limit: input.limit });
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(presentOrder),
    nextCursor:
      rows.length > input.limit && last !== undefined
        ? encodeCursor(last.placed_at, last.id)
        : null,
  };
}
