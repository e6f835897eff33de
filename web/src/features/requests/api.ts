// The client's refund requests: list, one request with its messages, files and payouts, and the
// writes a client makes (file, answer, accept or decline an alternative).

import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../shared/api/client";
import type { paths } from "../../shared/api/schema";

export type RequestSummary = NonNullable<
  paths["/api/v1/requests"]["get"]["responses"][200]["content"]["application/json"]["items"]
>[number];
export type RefundRequest =
  paths["/api/v1/requests/{id}"]["get"]["responses"][200]["content"]["application/json"];
export type Reason =
  paths["/api/v1/requests"]["post"]["requestBody"]["content"]["application/json"]["reason"];

/** The reasons a client may give, in the order the form offers them. */
export const REASONS: readonly Reason[] = [
  "not_delivered",
  "mismatch",
  "duplicate_payment",
  "unused_subscription",
  "other",
];

export const myRequestsQuery = queryOptions({
  queryKey: ["requests", "mine"],
  queryFn: async () =>
    unwrap(await api.GET("/api/v1/requests", { params: { query: { limit: "100" } } })),
});

export const requestQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/requests/{id}", { params: { path: { id } } })),
  });

export const messagesQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id, "messages"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/requests/{id}/messages", { params: { path: { id } } })),
  });

export const attachmentsQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id, "attachments"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/requests/{id}/attachments", { params: { path: { id } } })),
  });

export const payoutsQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id, "payouts"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/payouts", { params: { query: { requestId: id } } })),
  });

export const ordersForFilingQuery = queryOptions({
  queryKey: ["orders", "mine"],
  queryFn: async () =>
    unwrap(await api.GET("/api/v1/orders", { params: { query: { limit: "200" } } })),
});

export async function fileRequest(body: {
  orderId: string;
  reason: Reason;
  description: string;
  attachmentsCount: number;
}) {
  return unwrap(await api.POST("/api/v1/requests", { body }));
}

export async function answerQuestion(id: string, message: string, expectedVersion: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/answer", {
      params: { path: { id } },
      body: { message, expectedVersion },
    }),
  );
}

export async function respondToAlternative(id: string, accept: boolean, expectedVersion: number) {
  const path = accept
    ? ("/api/v1/requests/{id}/accept-alternative" as const)
    : ("/api/v1/requests/{id}/decline-alternative" as const);
  return unwrap(await api.POST(path, { params: { path: { id } }, body: { expectedVersion } }));
}

export async function setPayoutDestination(
  payoutId: string,
  body: { network: string; address: string; expectedVersion: number },
) {
  return unwrap(
    await api.PUT("/api/v1/payouts/{id}/destination", { params: { path: { id: payoutId } }, body }),
  );
}
