// Finance's list of card disputes (issue 20): the most urgent due-by first, filtered by the
// provider's status or open/closed, paged by (due-by, id).

import type { ActionContext, AppDeps } from "../context.js";
import { scopeFor } from "../authorize.js";
import { decodeCursor, encodeCursor, parseLimit, type Page } from "../orders/page.js";
import { presentDispute, type DisputeJson } from "./present.js";
import { disputePage, NO_DUE_BY_KEY } from "./repository.js";

export interface ListDisputesQuery {
  readonly status?: string;
  /** "true": disputes not closed; "false": closed ones. */
  readonly open?: boolean;
  readonly limit?: string;
  readonly cursor?: string;
}

export async function listDisputes(
  deps: AppDeps,
  ctx: ActionContext,
  query: ListDisputesQuery,
): Promise<Page<DisputeJson>> {
  // Finance and admins see every dispute; the route's permission checks it, and so does this.
  scopeFor(ctx.actor, "dispute.read", "dispute");
  const limit = parseLimit(query.limit, "limit");
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, "cursor");
  const rows = await disputePage(
    deps.db,
    {
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.open === undefined ? {} : { open: query.open }),
    },
    after,
    limit,
  );
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(presentDispute),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor(last.due_by ?? NO_DUE_BY_KEY, last.id)
        : null,
  };
}
