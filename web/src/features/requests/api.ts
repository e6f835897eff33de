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

export type Payout =
  paths["/api/v1/payouts/{id}"]["get"]["responses"][200]["content"]["application/json"];
export type TimelineItem =
  paths["/api/v1/requests/{id}/timeline"]["get"]["responses"][200]["content"]["application/json"]["items"][number];
export type Message = NonNullable<
  paths["/api/v1/requests/{id}/messages"]["get"]["responses"][200]["content"]["application/json"]["items"]
>[number];

/** The short reference e-mails show (REQ- and 8 hex digits); links may carry it instead of the id. */
export const REFERENCE = /^REQ-[0-9A-F]{8}$/i;

/** One request, by its id or by the REQ- reference e-mails show (both answer 404 when not yours). */
export const requestQuery = (idOrReference: string) =>
  queryOptions({
    queryKey: ["requests", idOrReference],
    queryFn: async () =>
      REFERENCE.test(idOrReference)
        ? unwrap(
            await api.GET("/api/v1/requests/by-reference/{reference}", {
              params: { path: { reference: idOrReference.toUpperCase() } },
            }),
          )
        : unwrap(
            await api.GET("/api/v1/requests/{id}", { params: { path: { id: idOrReference } } }),
          ),
  });

/** One payout as its client sees it (the page e-mails link to when a payout needs details). */
export const payoutQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", "payout", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/payouts/{id}", { params: { path: { id } } })),
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

export async function postMessage(id: string, body: string) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/messages", { params: { path: { id } }, body: { body } }),
  );
}

export async function appealDenial(id: string, message: string, expectedVersion: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/appeal", {
      params: { path: { id } },
      body: { message, expectedVersion },
    }),
  );
}

export async function reopenRequest(id: string, message: string, expectedVersion: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/reopen", {
      params: { path: { id } },
      body: { message, expectedVersion },
    }),
  );
}

export async function withdrawRequest(id: string, expectedVersion: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/withdraw", {
      params: { path: { id } },
      body: { expectedVersion },
    }),
  );
}

export type DestinationBody =
  | { network: string; address: string; expectedVersion: number }
  | { accountHolder: string; iban: string; bic?: string; expectedVersion: number };

export async function setPayoutDestination(payoutId: string, body: DestinationBody) {
  return unwrap(
    await api.PUT("/api/v1/payouts/{id}/destination", { params: { path: { id: payoutId } }, body }),
  );
}
