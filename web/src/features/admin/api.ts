// The administration's reads and writes: people (users, invitations, sign-in locks, sessions),
// client companies (and their contacts), the audit trail, API tokens and webhook endpoints. Lists are short (a desk has tens of people and clients), so each
// is read whole with `allPages`.

import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../shared/api/client";
import { allPages } from "../../shared/api/pages";
import type { components } from "../../shared/api/schema";

export type User = components["schemas"]["User"];
export type Role = User["role"];
export type ClientCompany = components["schemas"]["ClientCompany"];
export const ROLES: readonly Role[] = ["client", "qa", "finance", "admin"];

export const usersQuery = queryOptions({
  queryKey: ["admin", "users"],
  queryFn: () =>
    allPages(async (query) => unwrap(await api.GET("/api/v1/users", { params: { query } }))),
});

export type ArchivedFilter = "exclude" | "include" | "only";

export const clientsQuery = (archived: ArchivedFilter) =>
  queryOptions({
    queryKey: ["admin", "clients", archived],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(await api.GET("/api/v1/clients", { params: { query: { ...query, archived } } })),
      ),
  });

export const clientQuery = (id: string) =>
  queryOptions({
    queryKey: ["admin", "client", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/clients/{id}", { params: { path: { id } } })),
  });

export const clientContactsQuery = (id: string) =>
  queryOptions({
    queryKey: ["admin", "client", id, "contacts"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(await api.GET("/api/v1/clients/{id}/contacts", { params: { path: { id }, query } })),
      ),
  });

export interface InviteInput {
  email: string;
  name: string;
  role: Role;
  clientId: string | null;
}

export async function inviteUser(input: InviteInput) {
  return unwrap(
    await api.POST("/api/v1/invitations", {
      body: {
        email: input.email,
        name: input.name,
        role: input.role,
        ...(input.role === "client" ? { clientId: input.clientId } : {}),
      },
    }),
  );
}

export async function updateUser(
  id: string,
  body: { role?: Role; disabled?: boolean; name?: string; clientId?: string | null },
) {
  return unwrap(await api.PATCH("/api/v1/users/{id}", { params: { path: { id } }, body }));
}

export type UserSession = components["schemas"]["UserSession"];

/** Where a person is signed in (admins), newest first. */
export const userSessionsQuery = (id: string) =>
  queryOptions({
    queryKey: ["admin", "users", id, "sessions"],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(await api.GET("/api/v1/users/{id}/sessions", { params: { path: { id }, query } })),
      ),
  });

export async function endUserSession(id: string, sessionId: string) {
  return unwrap(
    await api.DELETE("/api/v1/users/{id}/sessions/{sessionId}", {
      params: { path: { id, sessionId } },
    }),
  );
}

export async function endUserSessions(id: string) {
  return unwrap(await api.DELETE("/api/v1/users/{id}/sessions", { params: { path: { id } } }));
}

export async function liftSignInLock(id: string) {
  return unwrap(await api.DELETE("/api/v1/users/{id}/sign-in-lock", { params: { path: { id } } }));
}

export async function createClient(body: { name: string; email: string | null }) {
  return unwrap(await api.POST("/api/v1/clients", { body }));
}

export async function updateClient(id: string, body: { name?: string; archived?: boolean }) {
  return unwrap(await api.PATCH("/api/v1/clients/{id}", { params: { path: { id } }, body }));
}

export type AuditEntry = components["schemas"]["AuditEntry"];
export type AuditVerification = components["schemas"]["AuditVerification"];

/** Whose trail: a request (by id) or a person (by user id). */
export type AuditSubject = { requestId: string } | { userId: string };

export const auditTrailQuery = (subject: AuditSubject) =>
  queryOptions({
    queryKey: ["admin", "audit", subject],
    queryFn: () =>
      allPages(async (query) =>
        unwrap(await api.GET("/api/v1/audit", { params: { query: { ...query, ...subject } } })),
      ),
  });

export async function verifyAuditChain(): Promise<AuditVerification> {
  return unwrap(await api.GET("/api/v1/audit/verification"));
}

/** A request's id from its reference (as people quote it) or its id. */
export async function requestIdOf(referenceOrId: string): Promise<string> {
  const value = referenceOrId.trim();
  if (value.startsWith("req_")) return value;
  const request = unwrap(
    await api.GET("/api/v1/requests/by-reference/{reference}", {
      params: { path: { reference: value } },
    }),
  );
  return request.id;
}

export type ApiToken = components["schemas"]["ApiToken"];
export type TokenScope = ApiToken["scopes"][number];
export const TOKEN_SCOPES: readonly TokenScope[] = [
  "orders:read",
  "orders:write",
  "payments:read",
  "payments:write",
  "events:read",
  "events:write",
];
export type WebhookEndpoint = components["schemas"]["WebhookEndpoint"];
export type WebhookEvent = WebhookEndpoint["events"][number];
export type WebhookDelivery = components["schemas"]["WebhookDelivery"];

export const tokensQuery = queryOptions({
  queryKey: ["admin", "tokens"],
  queryFn: () =>
    allPages(async (query) => unwrap(await api.GET("/api/v1/tokens", { params: { query } }))),
});

export async function createToken(body: { name: string; scopes: TokenScope[] }) {
  return unwrap(await api.POST("/api/v1/tokens", { body }));
}

export async function revokeToken(id: string) {
  return unwrap(await api.DELETE("/api/v1/tokens/{id}", { params: { path: { id } } }));
}

export const webhooksQuery = queryOptions({
  queryKey: ["admin", "webhooks"],
  queryFn: () =>
    allPages(async (query) =>
      unwrap(await api.GET("/api/v1/webhook-endpoints", { params: { query } })),
    ),
});

export const deliveriesQuery = (id: string) =>
  queryOptions({
    queryKey: ["admin", "webhooks", id, "deliveries"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/webhook-endpoints/{id}/deliveries", {
          params: { path: { id }, query: { limit: "50" } },
        }),
      ),
  });

export async function createWebhook(body: {
  url: string;
  events: WebhookEvent[];
  description: string | null;
}) {
  return unwrap(await api.POST("/api/v1/webhook-endpoints", { body }));
}

export async function updateWebhook(
  id: string,
  body: { url?: string; events?: WebhookEvent[]; description?: string | null; disabled?: boolean },
) {
  return unwrap(
    await api.PATCH("/api/v1/webhook-endpoints/{id}", { params: { path: { id } }, body }),
  );
}

export async function retryDelivery(id: string, deliveryId: string) {
  return unwrap(
    await api.POST("/api/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry", {
      params: { path: { id, deliveryId } },
    }),
  );
}

// Policy versions (ADR 0025): the list (short: a desk publishes a few a year), publish a policy
// file's text from a future instant, withdraw a scheduled one, and the differences of two.

export type PolicyVersionSummary = components["schemas"]["PolicyVersionSummary"];
export type PolicyDiff = components["schemas"]["PolicyDiff"];

export const policyVersionsQuery = queryOptions({
  queryKey: ["admin", "policy-versions"],
  queryFn: () =>
    allPages(async (query) =>
      unwrap(await api.GET("/api/v1/policy/versions", { params: { query } })),
    ),
});

export async function publishPolicyVersion(body: { document: string; effectiveAt: string }) {
  return unwrap(await api.POST("/api/v1/policy/versions", { body }));
}

export async function withdrawPolicyVersion(id: string) {
  return unwrap(await api.DELETE("/api/v1/policy/versions/{id}", { params: { path: { id } } }));
}

export const policyDiffQuery = (a: string, b: string) =>
  queryOptions({
    queryKey: ["admin", "policy-diff", a, b],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/policy/versions/{a}/diff/{b}", { params: { path: { a, b } } })),
  });
