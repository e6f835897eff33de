// The review console's calls: the queue (list, counts, reviewers, clients), one request with its
// evidence (order, payments, service events, timeline, messages, documents, earlier requests,
// payouts) and the reviewer's writes. Every write names the version the page was read at; the
// server answers 409 when it changed since.

import { queryOptions } from "@tanstack/react-query";
// The console's strings come with its code (not in the client portal's first page).
import "../../shared/i18n/console";
import { api, unwrap } from "../../shared/api/client";
import { allPages } from "../../shared/api/pages";
import type { components, paths } from "../../shared/api/schema";
import { apiFiltersOf, apiListQueryOf, type QueueReason, type QueueSearch } from "./queue-search";

type Json<P extends keyof paths, M extends "get" | "post"> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer T } } };
}
  ? T
  : never;

export type QueueRow = Json<"/api/v1/requests", "get">["items"][number];
export type StaffRequest = Json<"/api/v1/requests/{id}", "get">;
export type TimelineItem = Json<"/api/v1/requests/{id}/timeline", "get">["items"][number];
export type Order = components["schemas"]["Order"];
export type Payment = components["schemas"]["Payment"];
export type ServiceEvent = components["schemas"]["ServiceEvent"];
export type Message = components["schemas"]["Message"];
export type Attachment = components["schemas"]["Attachment"];
export type Money = components["schemas"]["Money"];
export type ClauseId = NonNullable<
  NonNullable<
    paths["/api/v1/requests/{id}/deny"]["post"]["requestBody"]
  >["content"]["application/json"]["clauses"]
>[number];
export type AlternativeKind = components["schemas"]["AlternativeKind"];

/** Rows per page of the queue. */
export const QUEUE_PAGE_SIZE = 25;

export const queueQuery = (search: QueueSearch) =>
  queryOptions({
    queryKey: ["requests", "queue", search],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/requests", {
          params: { query: apiListQueryOf(search, QUEUE_PAGE_SIZE) },
        }),
      ),
  });

export const queueCountsQuery = (search: QueueSearch) =>
  queryOptions({
    queryKey: ["requests", "counts", apiFiltersOf(search)],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/requests/counts", { params: { query: apiFiltersOf(search) } })),
  });

/** The people a request can be assigned to: active QA specialists and admins. */
export const reviewersQuery = queryOptions({
  queryKey: ["users", "reviewers"],
  queryFn: async () => {
    const byRole = (role: "qa" | "admin") =>
      allPages(async (query) =>
        unwrap(await api.GET("/api/v1/users", { params: { query: { ...query, role } } })),
      );
    const [qa, admins] = await Promise.all([byRole("qa"), byRole("admin")]);
    return [...qa.items, ...admins.items].filter((u) => !u.disabled);
  },
  staleTime: 5 * 60_000,
});

/** Everyone staff may name (reviewers, clients' contacts), by id: for "who did what". */
export const usersQuery = queryOptions({
  queryKey: ["users", "all"],
  queryFn: async () =>
    (await allPages(async (query) => unwrap(await api.GET("/api/v1/users", { params: { query } }))))
      .items,
  staleTime: 5 * 60_000,
});

export const clientsQuery = queryOptions({
  queryKey: ["clients"],
  queryFn: async () =>
    (
      await allPages(async (query) =>
        unwrap(await api.GET("/api/v1/clients", { params: { query } })),
      )
    ).items,
  staleTime: 5 * 60_000,
});

export const staffRequestQuery = (id: string) =>
  queryOptions({
    queryKey: ["requests", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/requests/{id}", { params: { path: { id } } })),
  });

/** A request by the short reference e-mails show (REQ-1A2B3C4D). */
export const requestByReferenceQuery = (reference: string) =>
  queryOptions({
    queryKey: ["requests", "by-reference", reference],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/requests/by-reference/{reference}", {
          params: { path: { reference } },
        }),
      ),
  });

export const orderQuery = (orderId: string) =>
  queryOptions({
    queryKey: ["orders", orderId],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/orders/{id}", { params: { path: { id: orderId } } })),
  });

export const orderEventsQuery = (orderId: string) =>
  queryOptions({
    queryKey: ["orders", orderId, "events"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(
          await api.GET("/api/v1/orders/{id}/events", { params: { path: { id: orderId }, query } }),
        ),
      ),
  });

/** Every request on the same order (the earlier ones are evidence). */
export const requestsOnOrderQuery = (orderId: string) =>
  queryOptions({
    queryKey: ["requests", "on-order", orderId],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(await api.GET("/api/v1/requests", { params: { query: { ...query, orderId } } })),
      ),
  });

// ---- Writes ------------------------------------------------------------------------------------

export async function claimRequest(id: string, expectedVersion?: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/claim", {
      params: { path: { id } },
      body: expectedVersion === undefined ? {} : { expectedVersion },
    }),
  );
}

export async function assignRequest(id: string, userId: string, expectedVersion?: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/assign", {
      params: { path: { id } },
      body: { userId, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
    }),
  );
}

export async function unassignRequest(id: string, expectedVersion?: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/unassign", {
      params: { path: { id } },
      body: expectedVersion === undefined ? {} : { expectedVersion },
    }),
  );
}

export async function startReview(id: string, expectedVersion: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/start-review", {
      params: { path: { id } },
      body: { expectedVersion },
    }),
  );
}

/** Say the reason of a request made from an e-mail (triage): it is submitted and recommended. */
export async function classifyReason(id: string, expectedVersion: number, reason: QueueReason) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/classify-reason", {
      params: { path: { id } },
      body: { expectedVersion, reason },
    }),
  );
}

export async function resumeReview(id: string, expectedVersion: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/resume-review", {
      params: { path: { id } },
      body: { expectedVersion },
    }),
  );
}

export async function askClient(id: string, expectedVersion: number, question: string) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/request-info", {
      params: { path: { id } },
      body: { expectedVersion, question },
    }),
  );
}

export async function approveRequest(
  id: string,
  expectedVersion: number,
  amount: Money,
  justification: string,
) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/approve", {
      params: { path: { id } },
      body: {
        expectedVersion,
        amount,
        ...(justification.trim() === "" ? {} : { justification }),
      },
    }),
  );
}

export async function denyRequest(
  id: string,
  expectedVersion: number,
  justification: string,
  clauses: ClauseId[],
) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/deny", {
      params: { path: { id } },
      body: { expectedVersion, justification, ...(clauses.length === 0 ? {} : { clauses }) },
    }),
  );
}

export async function offerAlternative(
  id: string,
  expectedVersion: number,
  kind: AlternativeKind,
  note: string,
) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/offer-alternative", {
      params: { path: { id } },
      body: { expectedVersion, kind, note },
    }),
  );
}

export async function fulfilFollowUp(id: string, expectedVersion: number) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/fulfil-follow-up", {
      params: { path: { id } },
      body: { expectedVersion },
    }),
  );
}

/** An internal note: staff only, the client neither sees it nor is told. */
export async function writeNote(id: string, body: string) {
  return unwrap(
    await api.POST("/api/v1/requests/{id}/messages", {
      params: { path: { id } },
      body: { body, internal: true },
    }),
  );
}

/** The URL a document downloads from (the API sends it as an attachment). */
export function attachmentUrl(attachmentId: string): string {
  return `/api/v1/attachments/${encodeURIComponent(attachmentId)}`;
}

/** A document's bytes for previewing in the page (an object URL of the stored type). */
export async function fetchAttachmentBlob(attachment: Attachment): Promise<Blob> {
  const res = await fetch(attachmentUrl(attachment.id), { credentials: "same-origin" });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const bytes = await res.arrayBuffer();
  return new Blob([bytes], { type: attachment.contentType });
}
