// The client's orders and their payments, and the requests already open on them.

import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../shared/api/client";
import type { paths } from "../../shared/api/schema";

export type Order =
  paths["/api/v1/orders"]["get"]["responses"][200]["content"]["application/json"]["items"][number];

export const myOrdersQuery = queryOptions({
  queryKey: ["orders", "mine"],
  queryFn: async () =>
    unwrap(await api.GET("/api/v1/orders", { params: { query: { limit: "200" } } })),
});

/** The newest request on each order (the list is newest first), and whether it is still open. */
export const requestsByOrderQuery = queryOptions({
  queryKey: ["requests", "mine", "by-order"],
  queryFn: async () => {
    const page = unwrap(await api.GET("/api/v1/requests", { params: { query: { limit: "100" } } }));
    const byOrder = new Map<
      string,
      { id: string; reference: string; status: string; open: boolean }
    >();
    for (const r of page.items ?? []) {
      if (r.orderId === undefined || r.id === undefined) continue;
      const known = byOrder.get(r.orderId);
      // An open request wins over a closed one; else the newest (first listed) stays.
      if (known === undefined || (!known.open && r.closedAt == null)) {
        byOrder.set(r.orderId, {
          id: r.id,
          reference: r.reference ?? r.id,
          status: r.status ?? "",
          open: r.closedAt == null,
        });
      }
    }
    return byOrder;
  },
});
