// Finance's card disputes (issue 20): the list by due-by, one dispute with its evidence draft.

import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../shared/api/client";
import type { components } from "../../shared/api/schema";

export type Dispute = components["schemas"]["Dispute"];
export type DisputeDetail = components["schemas"]["DisputeDetail"];
export type EvidenceField = keyof DisputeDetail["evidence"]["text"];

/** The text fields finance edits, in the order Stripe's form shows them. */
export const TEXT_FIELDS: readonly EvidenceField[] = [
  "product_description",
  "service_date",
  "refund_refusal_explanation",
  "refund_policy_disclosure",
  "duplicate_charge_explanation",
  "uncategorized_text",
];

/** The documents the desk renders as PDFs, by Stripe's file field. */
export const FILE_FIELDS = [
  "service_documentation",
  "customer_communication",
  "refund_policy",
] as const;

export function disputeListQuery(open: boolean) {
  return queryOptions({
    queryKey: ["disputes", "list", open],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/disputes", {
          params: { query: { open: open ? "true" : "false", limit: "200" } },
        }),
      ),
  });
}

export function disputeQuery(id: string) {
  return queryOptions({
    queryKey: ["disputes", "one", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/disputes/{id}", { params: { path: { id } } })),
  });
}
