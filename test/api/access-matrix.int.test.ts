// The access matrix: every route that takes an id (in its path, its query or its body), called on
// client A's resources by anonymous, client A, client B, qa, finance, admin and an all-scopes API
// token, through the real authenticator (session cookie + CSRF header, or bearer token). Each cell
// is declared below. Every refusal (401/403/404) must also be indistinguishable from the answer
// to the same call with an id that does not exist, so a refusal tells nothing about ids; and
// client B's 404 for A's resources is byte-for-byte (except `instance`) the 404 of a missing id.
//
// A route added with an id and no row here fails the coverage test.

import { readFileSync } from "node:fs";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_NAMES } from "../../src/core/reports/index.js";
import { policyDocument } from "../../src/core/policy/index.js";
import { shortRef } from "../../src/core/requests/reference.js";
import type { RouteRecord } from "../../src/http/server.js";
import { DEFAULT_POLICY_PATH } from "../../src/policy-file/load.js";
import {
  CALLER_NAMES,
  seedWorld,
  textUpload,
  type ApiRequest,
  type CallerName,
  type World,
  type WorldIds,
} from "../support/api-world.js";

/**
 * What a cell expects: an exact status; "list": 200 with at least one item; "empty": 200 with no
 * items (a filter naming someone else's id matches nothing, exactly like an unknown id).
 */
type Expect = 200 | 201 | 202 | 204 | 401 | 403 | 404 | 409 | 422 | "list" | "empty";
type Cells = Record<CallerName, Expect>;

interface Row {
  /** `METHOD /api/v1/path/:id` as registered. */
  readonly route: string;
  /** Where the id goes: "path", or `query.<name>` / `body.<name>`; "none" for a route without. */
  readonly idIn: string;
  readonly label: string;
  /** The call on A's resource, and the same call with ids that exist nowhere. */
  readonly call: (ids: WorldIds) => ApiRequest;
  readonly cells: Cells;
  /** The same call on ids that do not exist (default: every id of the world replaced). */
  readonly missing?: (ids: WorldIds, missing: WorldIds) => ApiRequest;
  /**
   * Callers whose refusal may differ from the missing-id answer: staff or the owner, who may see
   * the resource anyway (a 403 for a field they may not change, where a missing id is a 404).
   */
  readonly mayDifferFromMissing?: readonly CallerName[];
}

const STALE = 999_999;
const MISSING = "does-not-exist-7c1e";

/** The same ids with every resource id replaced by one that exists nowhere. */
function missingIds(ids: WorldIds): WorldIds {
  const out = { ...ids };
  for (const k of Object.keys(out) as (keyof WorldIds)[]) out[k] = `${MISSING}-${k}`;
  return out;
}

// Shorthands for whole rows of cells.
const c = (
  anonymous: Expect,
  clientA: Expect,
  clientB: Expect,
  qa: Expect,
  finance: Expect,
  admin: Expect,
  token: Expect,
): Cells => ({ anonymous, clientA, clientB, qa, finance, admin, token });

// Staff-only workflow steps (qa and admin decide; a stale version answers 409 and changes nothing).
const REVIEWER = c(401, 403, 403, 409, 403, 409, 403);
// The client's own steps (admins may act for a client); B's call on A's request is a 404.
const CLIENT_STEP = c(401, 409, 404, 403, 403, 409, 403);

const ROWS: readonly Row[] = [
  // Orders and their payments and service events.
  {
    route: "GET /api/v1/orders/:id",
    idIn: "path",
    label: "read A's order",
    call: (i) => ({ method: "GET", url: `/orders/${i.orderA}` }),
    cells: c(401, 200, 404, 200, 200, 200, 200),
  },
  {
    route: "PATCH /api/v1/orders/:id",
    idIn: "path",
    label: "change A's order (stale version)",
    call: (i) => ({
      method: "PATCH",
      url: `/orders/${i.orderA}`,
      payload: { expectedVersion: STALE, startedAt: null },
    }),
    cells: c(401, 403, 403, 403, 403, 409, 409),
  },
  {
    route: "GET /api/v1/orders/:id/payments",
    idIn: "path",
    label: "list the payments of A's order",
    call: (i) => ({ method: "GET", url: `/orders/${i.orderA}/payments` }),
    cells: c(401, 200, 404, 200, 200, 200, 200),
  },
  {
    route: "GET /api/v1/orders/:id/events",
    idIn: "path",
    label: "list the service events of A's order",
    call: (i) => ({ method: "GET", url: `/orders/${i.orderA}/events` }),
    cells: c(401, 403, 403, 200, 403, 200, 200),
  },
  {
    route: "POST /api/v1/orders/:id/events",
    idIn: "path",
    label: "record a service event on A's order",
    call: (i) => ({
      method: "POST",
      url: `/orders/${i.orderA}/events`,
      payload: {
        kind: "external_incident",
        from: "2026-02-12T08:00:00Z",
        to: "2026-02-12T09:00:00Z",
        note: "Provider outage.",
      },
    }),
    cells: c(401, 403, 403, 403, 403, 201, 201),
  },
  {
    route: "PATCH /api/v1/orders/:id/events/:eventId",
    idIn: "path",
    label: "change a service event of A's order",
    call: (i) => ({
      method: "PATCH",
      url: `/orders/${i.orderA}/events/${i.eventA}`,
      payload: { note: "Credentials arrived late." },
    }),
    cells: c(401, 403, 403, 403, 403, 200, 200),
  },
  {
    route: "PATCH /api/v1/orders/:id/events/:eventId",
    idIn: "path",
    label: "change B's service event through A's order",
    call: (i) => ({
      method: "PATCH",
      url: `/orders/${i.orderA}/events/${i.eventB}`,
      payload: { note: "Not this order's event." },
    }),
    cells: c(401, 403, 403, 403, 403, 404, 404),
    missing: (i, m) => ({
      method: "PATCH",
      url: `/orders/${i.orderA}/events/${m.eventB}`,
      payload: { note: "Not this order's event." },
    }),
  },
  {
    route: "GET /api/v1/payments/:id",
    idIn: "path",
    label: "read A's payment",
    call: (i) => ({ method: "GET", url: `/payments/${i.paymentA}` }),
    cells: c(401, 200, 404, 200, 200, 200, 200),
  },

  // Requests, their messages, decisions and attachments.
  {
    route: "GET /api/v1/requests/:id",
    idIn: "path",
    label: "read A's request",
    call: (i) => ({ method: "GET", url: `/requests/${i.requestA}` }),
    cells: c(401, 200, 404, 200, 200, 200, 403),
  },
  {
    route: "GET /api/v1/requests/:id/decisions",
    idIn: "path",
    label: "read the decisions of A's request",
    call: (i) => ({ method: "GET", url: `/requests/${i.requestA}/decisions` }),
    cells: c(401, 200, 404, 200, 200, 200, 403),
  },
  {
    route: "GET /api/v1/requests/:id/messages",
    idIn: "path",
    label: "read the messages of A's request",
    call: (i) => ({ method: "GET", url: `/requests/${i.requestA2}/messages` }),
    cells: c(401, 200, 404, 200, 403, 200, 403),
  },
  {
    route: "POST /api/v1/requests/:id/messages",
    idIn: "path",
    label: "write a message on A's request",
    call: (i) => ({
      method: "POST",
      url: `/requests/${i.requestA}/messages`,
      payload: { body: "Any news?" },
    }),
    cells: c(401, 201, 404, 201, 403, 201, 403),
  },
  {
    route: "GET /api/v1/requests/:id/attachments",
    idIn: "path",
    label: "list the files of A's request",
    call: (i) => ({ method: "GET", url: `/requests/${i.requestA}/attachments` }),
    cells: c(401, 200, 404, 200, 403, 200, 403),
  },
  {
    route: "POST /api/v1/requests/:id/attachments",
    idIn: "path",
    label: "upload a file to A's request",
    call: (i) => {
      const body = textUpload();
      return {
        method: "POST",
        url: `/requests/${i.requestA}/attachments`,
        payload: body.payload,
        headers: body.headers,
      };
    },
    cells: c(401, 201, 404, 201, 403, 201, 403),
  },
  {
    route: "GET /api/v1/attachments/:id",
    idIn: "path",
    label: "download A's attachment",
    call: (i) => ({ method: "GET", url: `/attachments/${i.attachmentA}` }),
    cells: c(401, 200, 404, 200, 403, 200, 403),
  },
  ...(
    [
      ["classify-reason", "request.classify", { reason: "mismatch" }],
      ["start-review", "request.start_review", {}],
      ["request-info", "request.request_info", { question: "Which invoice?" }],
      ["resume-review", "request.start_review", {}],
      ["approve", "request.decide", { amount: { amount: "100.00", currency: "USD" } }],
      ["deny", "request.decide", { justification: "Delivered in full." }],
      ["offer-alternative", "request.decide", { kind: "re-delivery", note: "We redo it." }],
      ["fulfil-follow-up", "request.fulfil_follow_up", {}],
    ] as const
  ).map(([step, , extra]): Row => ({
    route: `POST /api/v1/requests/:id/${step}`,
    idIn: "path",
    label: `${step} on A's request (stale version)`,
    call: (i) => ({
      method: "POST",
      url: `/requests/${i.requestA}/${step}`,
      payload: { expectedVersion: STALE, ...extra },
    }),
    cells: REVIEWER,
  })),
  ...(
    [
      ["answer", { message: "The VPN was ready on day one." }],
      ["accept-alternative", {}],
      ["decline-alternative", {}],
      ["withdraw", {}],
      ["appeal", { message: "The report was never delivered." }],
      ["reopen", { message: "The re-delivery never happened." }],
    ] as const
  ).map(([step, extra]): Row => ({
    route: `POST /api/v1/requests/:id/${step}`,
    idIn: "path",
    label: `${step} on A's request (stale version)`,
    call: (i) => ({
      method: "POST",
      url: `/requests/${i.requestA2}/${step}`,
      payload: { expectedVersion: STALE, ...extra },
    }),
    cells: CLIENT_STEP,
  })),

  // The review queue (issue 12): the timeline, the reference e-mails show, assignment, counts.
  {
    route: "GET /api/v1/requests/:id/timeline",
    idIn: "path",
    label: "read the timeline of A's request",
    call: (i) => ({ method: "GET", url: `/requests/${i.requestA}/timeline` }),
    cells: c(401, 200, 404, 200, 200, 200, 403),
  },
  {
    route: "GET /api/v1/requests/by-reference/:reference",
    idIn: "path",
    label: "find A's request by its reference",
    call: (i) => ({ method: "GET", url: `/requests/by-reference/${shortRef(i.requestA)}` }),
    missing: () => ({ method: "GET", url: "/requests/by-reference/REQ-00000000" }),
    cells: c(401, 200, 404, 200, 200, 200, 403),
  },
  ...(["claim", "unassign"] as const).map((step): Row => ({
    route: `POST /api/v1/requests/:id/${step}`,
    idIn: "path",
    label: `${step} A's request (stale version)`,
    call: (i) => ({
      method: "POST",
      url: `/requests/${i.requestA}/${step}`,
      payload: { expectedVersion: STALE },
    }),
    cells: REVIEWER,
  })),
  {
    route: "POST /api/v1/requests/:id/assign",
    idIn: "path",
    label: "assign A's request to qa (stale version)",
    call: (i) => ({
      method: "POST",
      url: `/requests/${i.requestA}/assign`,
      payload: { userId: i.qa, expectedVersion: STALE },
    }),
    missing: (i, m) => ({
      method: "POST",
      url: `/requests/${m.requestA}/assign`,
      payload: { userId: i.qa, expectedVersion: STALE },
    }),
    cells: REVIEWER,
  },
  {
    route: "POST /api/v1/requests/:id/assign",
    idIn: "body.userId",
    label: "assign A's request to qa, by the body's user id (stale version)",
    call: (i) => ({
      method: "POST",
      url: `/requests/${i.requestA}/assign`,
      payload: { userId: i.qa, expectedVersion: STALE },
    }),
    cells: REVIEWER,
    // A user id that does not exist is a 400 naming body.userId for reviewers.
    mayDifferFromMissing: ["qa", "admin"],
  },
  ...(["clientId", "orderId"] as const).map((field): Row => ({
    route: "GET /api/v1/requests/counts",
    idIn: `query.${field}`,
    label: `count A's requests by ${field}`,
    call: (i) => ({
      method: "GET",
      url: `/requests/counts?${field}=${field === "clientId" ? i.clientA : i.orderA}`,
    }),
    cells: c(401, 200, 200, 200, 200, 200, 403),
  })),

  // Payouts: clients read their own; finance and admins release and record them (a stale version
  // answers 409 and changes nothing); only the client gives a crypto address.
  {
    route: "GET /api/v1/payouts/:id",
    idIn: "path",
    label: "read A's payout",
    call: (i) => ({ method: "GET", url: `/payouts/${i.payoutA}` }),
    cells: c(401, 200, 404, 200, 200, 200, 403),
  },
  {
    route: "GET /api/v1/payouts",
    idIn: "query.requestId",
    label: "list the payouts of A's request",
    call: (i) => ({ method: "GET", url: `/payouts?requestId=${i.requestA4}` }),
    cells: c(401, "list", "empty", "list", "list", "list", 403),
  },
  {
    route: "GET /api/v1/payouts/export.csv",
    idIn: "query.requestId",
    label: "export the payouts of A's request as CSV (finance)",
    call: (i) => ({ method: "GET", url: `/payouts/export.csv?requestId=${i.requestA4}` }),
    cells: c(401, 403, 403, 403, 200, 200, 403),
  },
  ...(
    [
      ["approve", "POST", {}],
      ["record", "POST", { reference: "SEPA-REF-1" }],
      ["retry", "POST", {}],
      [
        "reissue",
        "POST",
        { method: "bank_transfer", justification: "The card expired; reissue by transfer." },
      ],
      [
        "record-outside",
        "POST",
        { reference: "RCPT-1", justification: "Paid in cash at the desk, receipt on file." },
      ],
    ] as const
  ).map(([step, , extra]): Row => ({
    route: `POST /api/v1/payouts/:id/${step}`,
    idIn: "path",
    label: `${step} A's payout (stale version)`,
    call: (i) => ({
      method: "POST",
      url: `/payouts/${i.payoutA}/${step}`,
      payload: { expectedVersion: STALE, ...extra },
    }),
    cells: c(401, 403, 403, 403, 409, 409, 403),
  })),
  // Card disputes (issue 20): finance and admins only; a stale version answers 409.
  {
    route: "GET /api/v1/disputes/:id",
    idIn: "path",
    label: "read a dispute of A's payment with its evidence draft",
    call: (i) => ({ method: "GET", url: `/disputes/${i.disputeA}` }),
    cells: c(401, 403, 403, 403, 200, 200, 403),
  },
  {
    route: "PATCH /api/v1/disputes/:id/evidence",
    idIn: "path",
    label: "edit the evidence draft of a dispute of A's payment (stale version)",
    call: (i) => ({
      method: "PATCH",
      url: `/disputes/${i.disputeA}/evidence`,
      payload: { expectedVersion: STALE, text: { uncategorized_text: "More." } },
    }),
    cells: c(401, 403, 403, 403, 409, 409, 403),
  },
  {
    route: "POST /api/v1/disputes/:id/submit",
    idIn: "path",
    label: "submit the evidence of a dispute of A's payment (stale version)",
    call: (i) => ({
      method: "POST",
      url: `/disputes/${i.disputeA}/submit`,
      payload: { expectedVersion: STALE },
    }),
    cells: c(401, 403, 403, 403, 409, 409, 403),
  },
  {
    route: "PUT /api/v1/payouts/:id/destination",
    idIn: "path",
    label: "give the crypto address of A's payout (stale version)",
    call: (i) => ({
      method: "PUT",
      url: `/payouts/${i.payoutA}/destination`,
      payload: {
        expectedVersion: STALE,
        network: "bitcoin",
        address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      },
    }),
    cells: c(401, 409, 404, 403, 403, 409, 403),
  },

  // Reports (issue 15): no ids, one route per report; staff read them, clients and tokens never.
  ...REPORT_NAMES.map((name): Row => ({
    route: `GET /api/v1/reports/${name}`,
    idIn: "none",
    label: `read the ${name} report`,
    call: () => ({ method: "GET", url: `/reports/${name}?from=2026-01-01&to=2026-03-31` }),
    cells: c(401, 403, 403, 200, 200, 200, 403),
  })),

  // Policy versions (issue 16): staff read them and their differences; admins publish and
  // withdraw. The version in force may not be withdrawn (409); publishing its id again is refused
  // (409), so no cell changes the policy.
  {
    route: "GET /api/v1/policy/versions",
    idIn: "none",
    label: "list the policy versions",
    call: () => ({ method: "GET", url: "/policy/versions" }),
    cells: c(401, 403, 403, "list", "list", "list", 403),
  },
  {
    route: "POST /api/v1/policy/versions",
    idIn: "none",
    label: "publish the version in force again (its id is taken: 409)",
    call: () => ({
      method: "POST",
      url: "/policy/versions",
      payload: {
        document: JSON.stringify(policyDocument(w.t.policy)),
        effectiveAt: "2099-01-01T00:00:00Z",
      },
    }),
    cells: c(401, 403, 403, 403, 403, 409, 403),
  },
  {
    route: "GET /api/v1/policy/versions/:id",
    idIn: "path",
    label: "read the policy version in force",
    call: (i) => ({ method: "GET", url: `/policy/versions/${i.policyVersion}` }),
    cells: c(401, 403, 403, 200, 200, 200, 403),
  },
  {
    route: "DELETE /api/v1/policy/versions/:id",
    idIn: "path",
    label: "withdraw the policy version in force (it took effect: 409)",
    call: (i) => ({ method: "DELETE", url: `/policy/versions/${i.policyVersion}` }),
    cells: c(401, 403, 403, 403, 403, 409, 403),
  },
  {
    route: "GET /api/v1/policy/versions/:a/diff/:b",
    idIn: "path",
    label: "compare the policy version in force with itself",
    call: (i) => ({
      method: "GET",
      url: `/policy/versions/${i.policyVersion}/diff/${i.policyVersion}`,
    }),
    cells: c(401, 403, 403, 200, 200, 200, 403),
  },

  // Policy simulations (admins).
  {
    route: "GET /api/v1/policy/simulations/:id",
    idIn: "path",
    label: "read a policy simulation",
    call: (i) => ({ method: "GET", url: `/policy/simulations/${i.policySimulation}` }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
  {
    route: "GET /api/v1/policy/simulations",
    idIn: "none",
    label: "list policy simulations",
    call: () => ({ method: "GET", url: "/policy/simulations" }),
    cells: c(401, 403, 403, 403, 403, "list", 403),
  },
  {
    route: "POST /api/v1/policy/simulations",
    idIn: "none",
    label: "simulate a candidate policy",
    call: () => ({
      method: "POST",
      url: "/policy/simulations",
      payload: { policy: readFileSync(DEFAULT_POLICY_PATH, "utf8"), from: "2026-01-01" },
    }),
    cells: c(401, 403, 403, 403, 403, 202, 403),
  },

  // Users and tokens.
  {
    route: "GET /api/v1/users/:id",
    idIn: "path",
    label: "read A's user",
    call: (i) => ({ method: "GET", url: `/users/${i.userA}` }),
    cells: c(401, 200, 404, 200, 200, 200, 403),
  },
  {
    route: "DELETE /api/v1/users/:id/sign-in-lock",
    idIn: "path",
    label: "lift the sign-in lock of A's user",
    call: (i) => ({ method: "DELETE", url: `/users/${i.userA}/sign-in-lock` }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
  // Client companies: staff read every one, a client user its own; admins change them.
  {
    route: "GET /api/v1/clients/:id",
    idIn: "path",
    label: "read client A",
    call: (i) => ({ method: "GET", url: `/clients/${i.clientA}` }),
    cells: c(401, 200, 404, 200, 200, 200, 403),
  },
  {
    route: "GET /api/v1/clients/:id/contacts",
    idIn: "path",
    label: "list client A's contacts",
    call: (i) => ({ method: "GET", url: `/clients/${i.clientA}/contacts` }),
    cells: c(401, "list", 404, "list", "list", "list", 403),
  },
  {
    route: "PATCH /api/v1/clients/:id",
    idIn: "path",
    label: "rename client A (to its own name)",
    call: (i) => ({
      method: "PATCH",
      url: `/clients/${i.clientA}`,
      payload: { name: "Acme GmbH" },
    }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
  // One's own sessions: a session id is only ever the caller's; any other answers like a missing
  // one (the people suite ends a real session of another user and gets this 404).
  {
    route: "DELETE /api/v1/sessions/:id",
    idIn: "path",
    label: "end a session that is not the caller's",
    call: () => ({ method: "DELETE", url: "/sessions/ses_00000000000000000000000000000000" }),
    cells: c(401, 404, 404, 404, 404, 404, 403),
  },
  // A person's sessions: admins see and end them (the people suite ends real ones).
  {
    route: "GET /api/v1/users/:id/sessions",
    idIn: "path",
    label: "list the sessions of A's user",
    call: (i) => ({ method: "GET", url: `/users/${i.userA}/sessions` }),
    cells: c(401, 403, 403, 403, 403, "list", 403),
  },
  {
    route: "DELETE /api/v1/users/:id/sessions/:sessionId",
    idIn: "path",
    label: "end a session of A's user that is not theirs",
    call: (i) => ({
      method: "DELETE",
      url: `/users/${i.userA}/sessions/ses_00000000000000000000000000000000`,
    }),
    cells: c(401, 403, 403, 403, 403, 404, 403),
    // Admins read every user: "session not found" for a user who exists tells them nothing new.
    mayDifferFromMissing: ["admin"],
  },
  {
    route: "DELETE /api/v1/users/:id/sessions",
    idIn: "path",
    label: "end every session of A's colleague",
    call: (i) => ({ method: "DELETE", url: `/users/${i.spareUserA}/sessions` }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
  {
    route: "PATCH /api/v1/users/:id",
    idIn: "path",
    label: "rename A's user",
    call: (i) => ({ method: "PATCH", url: `/users/${i.userA}`, payload: { name: "Carla C." } }),
    cells: c(401, 403, 404, 403, 403, 200, 403),
    mayDifferFromMissing: ["clientA", "qa", "finance"],
  },
  {
    route: "PATCH /api/v1/users/:id",
    idIn: "body.clientId",
    label: "move A's colleague to client A (body clientId)",
    call: (i) => ({
      method: "PATCH",
      url: `/users/${i.spareUserA}`,
      payload: { clientId: i.clientA },
    }),
    cells: c(401, 404, 404, 403, 403, 200, 403),
    mayDifferFromMissing: ["qa", "finance"],
  },
  {
    route: "DELETE /api/v1/tokens/:id",
    idIn: "path",
    label: "revoke an API token",
    call: (i) => ({ method: "DELETE", url: `/tokens/${i.spareToken}` }),
    cells: c(401, 403, 403, 403, 403, 204, 403),
  },
  {
    route: "GET /api/v1/webhook-endpoints/:id/deliveries",
    idIn: "path",
    label: "list a webhook endpoint's deliveries",
    call: (i) => ({ method: "GET", url: `/webhook-endpoints/${i.webhookEndpoint}/deliveries` }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
  {
    // The world has no failed delivery: admins get the 404 of a missing one, others refusals.
    route: "POST /api/v1/webhook-endpoints/:id/deliveries/:deliveryId/retry",
    idIn: "path",
    label: "retry a webhook delivery",
    call: (i) => ({
      method: "POST",
      url: `/webhook-endpoints/${i.webhookEndpoint}/deliveries/whd_none/retry`,
    }),
    cells: c(401, 403, 403, 403, 403, 404, 403),
  },
  {
    route: "PATCH /api/v1/webhook-endpoints/:id",
    idIn: "path",
    label: "change a webhook endpoint",
    call: (i) => ({
      method: "PATCH",
      url: `/webhook-endpoints/${i.webhookEndpoint}`,
      payload: { description: "ERP" },
    }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
  {
    route: "DELETE /api/v1/webhook-endpoints/:id",
    idIn: "path",
    label: "delete a webhook endpoint",
    call: (i) => ({ method: "DELETE", url: `/webhook-endpoints/${i.webhookEndpoint}` }),
    cells: c(401, 403, 403, 403, 403, 204, 403),
  },

  // Ids in queries.
  {
    route: "GET /api/v1/requests",
    idIn: "query.orderId",
    label: "list requests of A's order",
    call: (i) => ({ method: "GET", url: `/requests?orderId=${i.orderA}` }),
    cells: c(401, "list", "empty", "list", "list", "list", 403),
  },
  {
    route: "GET /api/v1/requests",
    idIn: "query.clientId",
    label: "list requests of client A",
    call: (i) => ({ method: "GET", url: `/requests?clientId=${i.clientA}` }),
    cells: c(401, "list", "empty", "list", "list", "list", 403),
  },
  // Bulk imports: who may write orders (admins, order-writing tokens) sends and follows them; an
  // import is read only by whoever sent it and by admins.
  {
    route: "POST /api/v1/imports",
    idIn: "none",
    label: "send an events file of one row (202, queued)",
    call: () => ({
      method: "POST",
      url: "/imports?kind=events",
      payload: "orderId,kind,from,to,note\nACME-1001,internal_fault,2026-02-04T00:00:00Z,,Disk\n",
      headers: { "content-type": "text/csv" },
    }),
    cells: c(401, 403, 403, 403, 403, 202, 202),
  },
  {
    route: "GET /api/v1/imports",
    idIn: "none",
    label: "list imports",
    call: () => ({ method: "GET", url: "/imports" }),
    cells: c(401, 403, 403, 403, 403, "list", "list"),
  },
  {
    route: "GET /api/v1/imports/:id",
    idIn: "path",
    label: "read the token's import",
    call: (i) => ({ method: "GET", url: `/imports/${i.importA}` }),
    cells: c(401, 403, 403, 403, 403, 200, 200),
  },
  {
    route: "GET /api/v1/orders",
    idIn: "query.clientId",
    label: "list orders of client A",
    call: (i) => ({ method: "GET", url: `/orders?clientId=${i.clientA}` }),
    cells: c(401, "list", "empty", "list", "list", "list", "list"),
  },
  // The audit trail: admins only (audit.read); an id naming nothing answers an empty page.
  {
    route: "GET /api/v1/audit",
    idIn: "query.requestId",
    label: "read the audit trail of A's request",
    call: (i) => ({ method: "GET", url: `/audit?requestId=${i.requestA}` }),
    cells: c(401, 403, 403, 403, 403, "list", 403),
  },
  {
    route: "GET /api/v1/audit",
    idIn: "query.userId",
    label: "read the audit trail of A's user",
    call: (i) => ({ method: "GET", url: `/audit?userId=${i.userA}` }),
    cells: c(401, 403, 403, 403, 403, "list", 403),
  },
  {
    route: "GET /api/v1/users",
    idIn: "query.clientId",
    label: "list users of client A",
    call: (i) => ({ method: "GET", url: `/users?clientId=${i.clientA}` }),
    // Staff read the names of the people on the requests they handle (issue 12).
    cells: c(401, 403, 403, "list", "list", "list", 403),
  },
  {
    route: "POST /api/v1/invitations",
    idIn: "body.clientId",
    label: "invite a contact of client A",
    call: (i) => ({
      method: "POST",
      url: "/invitations",
      payload: {
        email: `invitee-${Date.now()}-${Math.random().toString(36).slice(2)}@acme.test`,
        name: "Ivy Invitee",
        role: "client",
        clientId: i.clientA,
      },
    }),
    cells: c(401, 403, 403, 403, 403, 201, 403),
  },

  // Ids in bodies.
  {
    route: "POST /api/v1/requests",
    idIn: "body.orderId",
    label: "open a request on A's order (an open one exists: 409)",
    call: (i) => ({
      method: "POST",
      url: "/requests",
      payload: { orderId: i.orderA, reason: "not_delivered", description: "Never started." },
    }),
    cells: c(401, 409, 404, 403, 403, 409, 403),
  },
  {
    route: "POST /api/v1/payments",
    idIn: "body.orderId",
    label: "record A's payment again (a replay: 200)",
    call: () => ({ method: "POST", url: "/payments", payload: PAYMENT_A }),
    cells: c(401, 403, 403, 403, 403, 200, 200),
  },
  {
    route: "POST /api/v1/orders",
    idIn: "body.clientId",
    label: "create an order for client A with a taken id (409)",
    call: () => ({ method: "POST", url: "/orders", payload: ORDER_A }),
    cells: c(401, 403, 403, 403, 403, 409, 409),
  },
  {
    route: "POST /api/v1/users",
    idIn: "body.clientId",
    label: "create a user of client A with a taken address (409)",
    call: (i) => ({
      method: "POST",
      url: "/users",
      payload: {
        email: "carla@acme.test",
        name: "Carla Again",
        role: "client",
        clientId: i.clientA,
        password: "another long passphrase",
      },
    }),
    cells: c(401, 403, 403, 403, 403, 409, 403),
  },

  // Inbound e-mail triage (issue 19): reviewers (qa, admin). The world's e-mail is an unknown
  // sender's naming no order: assigning it to A leaves it waiting (order unclear); classifying it
  // on A's order with a reason A already has open is refused by the intake and it waits again;
  // attaching it to A's request files it (qa), after which it is no longer waiting (admin: 409).
  {
    route: "GET /api/v1/inbound-mail",
    idIn: "none",
    label: "list inbound e-mail waiting for triage",
    call: () => ({ method: "GET", url: "/inbound-mail" }),
    cells: c(401, 403, 403, "list", 403, "list", 403),
  },
  {
    route: "GET /api/v1/inbound-mail/:id",
    idIn: "path",
    label: "read an inbound e-mail",
    call: (i) => ({ method: "GET", url: `/inbound-mail/${i.inboundMail}` }),
    cells: c(401, 403, 403, 200, 403, 200, 403),
  },
  {
    route: "POST /api/v1/inbound-mail/:id/assign-to-client",
    idIn: "path",
    label: "assign an e-mail to A",
    call: (i) => ({
      method: "POST",
      url: `/inbound-mail/${i.inboundMail}/assign-to-client`,
      payload: { clientId: i.clientA },
    }),
    cells: c(401, 403, 403, 200, 403, 200, 403),
  },
  {
    route: "POST /api/v1/inbound-mail/:id/assign-to-client",
    idIn: "body.clientId",
    label: "assign an e-mail to a client that does not exist (422)",
    call: (i) => ({
      method: "POST",
      url: `/inbound-mail/${i.inboundMail}/assign-to-client`,
      payload: { clientId: `${MISSING}-client` },
    }),
    cells: c(401, 403, 403, 422, 403, 422, 403),
  },
  {
    route: "POST /api/v1/inbound-mail/:id/classify-reason",
    idIn: "path",
    label: "classify an e-mail on an order that does not exist (422)",
    call: (i) => ({
      method: "POST",
      url: `/inbound-mail/${i.inboundMail}/classify-reason`,
      payload: { reason: "not_delivered", orderId: `${MISSING}-order` },
    }),
    cells: c(401, 403, 403, 422, 403, 422, 403),
  },
  {
    route: "POST /api/v1/inbound-mail/:id/classify-reason",
    idIn: "body.orderId",
    label:
      "classify an e-mail on A's order (the intake refuses a second open request: waits again)",
    call: (i) => ({
      method: "POST",
      url: `/inbound-mail/${i.inboundMail}/classify-reason`,
      payload: { reason: "not_delivered", orderId: i.orderA },
    }),
    cells: c(401, 403, 403, 200, 403, 200, 403),
  },
  {
    route: "POST /api/v1/inbound-mail/:id/attach-to-request",
    idIn: "path",
    label: "attach an e-mail to a request that does not exist (422)",
    call: (i) => ({
      method: "POST",
      url: `/inbound-mail/${i.inboundMail}/attach-to-request`,
      payload: { requestId: `${MISSING}-request` },
    }),
    cells: c(401, 403, 403, 422, 403, 422, 403),
  },
  {
    route: "POST /api/v1/inbound-mail/:id/attach-to-request",
    idIn: "body.requestId",
    label: "attach an e-mail to A's request",
    call: (i) => ({
      method: "POST",
      url: `/inbound-mail/${i.inboundMail}/attach-to-request`,
      payload: { requestId: i.requestA },
    }),
    cells: c(401, 403, 403, 200, 403, 409, 403),
  },
  {
    route: "POST /api/v1/inbound-mail/:id/discard",
    idIn: "path",
    label: "discard an e-mail",
    call: (i) => ({
      method: "POST",
      url: `/inbound-mail/${i.inboundMail2}/discard`,
      payload: { note: "Spam." },
    }),
    cells: c(401, 403, 403, 200, 403, 409, 403),
  },

  // Personal data (issue 17): admins only, never a token. The export reads A's user; the erasure
  // is refused for a staff account (422) and, last of all rows, erases the spare contact of A.
  {
    route: "GET /api/v1/users/:id/personal-data",
    idIn: "path",
    label: "export the personal data of A's user",
    call: (i) => ({ method: "GET", url: `/users/${i.userA}/personal-data` }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
  {
    route: "POST /api/v1/users/:id/personal-data/erasure",
    idIn: "path",
    label: "erase the personal data of a staff account (422)",
    call: (i) => ({ method: "POST", url: `/users/${i.qa}/personal-data/erasure` }),
    cells: c(401, 403, 403, 403, 403, 422, 403),
  },
  {
    route: "POST /api/v1/users/:id/personal-data/erasure",
    idIn: "path",
    label: "erase the personal data of A's spare contact",
    call: (i) => ({ method: "POST", url: `/users/${i.spareUserA}/personal-data/erasure` }),
    cells: c(401, 403, 403, 403, 403, 200, 403),
  },
];

// Bodies that carry the world's own ids; filled in beforeAll (the order id is fixed by the seed).
let PAYMENT_A: Record<string, unknown> = {};
let ORDER_A: Record<string, unknown> = {};

let w: World;
let missing: WorldIds;
let routeRecords: RouteRecord[];

beforeAll(async () => {
  w = await seedWorld();
  missing = missingIds(w.ids);
  PAYMENT_A = w.bodies.paymentA;
  ORDER_A = w.bodies.orderA;
  routeRecords = (w.app as typeof w.app & { routeRecords: RouteRecord[] }).routeRecords;
}, 60_000);
afterAll(() => w.close());

/** The same call with every id (path, query, body) replaced by one that does not exist. */
function missingCall(row: Row, ids: WorldIds): ApiRequest {
  if (row.missing !== undefined) return row.missing(ids, missing);
  const req = row.call(missing);
  // Bodies taken from the seed carry literal ids: swap them too.
  if (row.route === "POST /api/v1/payments") {
    return { ...req, payload: { ...PAYMENT_A, id: `${MISSING}-pay`, orderId: `${MISSING}-ord` } };
  }
  if (row.route === "POST /api/v1/orders") {
    return { ...req, payload: { ...ORDER_A, id: `${MISSING}-ord`, clientId: `${MISSING}-cl` } };
  }
  return req;
}

const withoutInstance = (body: string): unknown => {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  delete parsed["instance"];
  return parsed;
};

function describeRes(res: LightMyRequestResponse): string {
  return `${res.statusCode} ${res.body.slice(0, 300)}`;
}

function checkCell(expected: Expect, res: LightMyRequestResponse): void {
  if (expected === "list" || expected === "empty") {
    expect(res.statusCode, describeRes(res)).toBe(200);
    const items = res.json<{ items?: unknown[] }>().items;
    expect(Array.isArray(items), describeRes(res)).toBe(true);
    if (expected === "list") expect(items?.length, describeRes(res)).toBeGreaterThan(0);
    else expect(items, describeRes(res)).toEqual([]);
    return;
  }
  expect(res.statusCode, describeRes(res)).toBe(expected);
  if (expected >= 400) {
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json<{ status: number }>().status).toBe(expected);
  }
}

describe("access matrix", () => {
  it("covers every route with an id in its path, and every id-named query or body field", async () => {
    const declared = new Set(ROWS.map((r) => `${r.route} ${r.idIn}`));
    const required: string[] = [];
    for (const r of routeRecords) {
      if (r.url.startsWith("/api/v1/") && r.url.includes(":")) {
        required.push(`${r.method} ${r.url} path`);
      }
    }
    const doc = (await w.app.inject({ method: "GET", url: "/openapi.json" })).json<{
      paths: Record<string, Record<string, OpenApiOperation>>;
    }>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith("/api/v1/")) continue;
      const route = path.replace(/\{(\w+)\}/g, ":$1");
      for (const [method, op] of Object.entries(ops)) {
        for (const p of op.parameters ?? []) {
          if (p.in === "query" && /Id$/.test(p.name)) {
            required.push(`${method.toUpperCase()} ${route} query.${p.name}`);
          }
        }
        const props = op.requestBody?.content?.["application/json"]?.schema?.properties ?? {};
        for (const name of Object.keys(props)) {
          if (/.Id$/.test(name)) required.push(`${method.toUpperCase()} ${route} body.${name}`);
        }
      }
    }
    expect(required.length).toBeGreaterThan(30);
    expect(required.filter((r) => !declared.has(r))).toEqual([]);
  });

  for (const row of ROWS) {
    describe(`${row.route} [${row.idIn}]: ${row.label}`, () => {
      for (const caller of CALLER_NAMES) {
        const expected = row.cells[caller];
        it(`${caller} -> ${expected}`, async () => {
          const res = await w.send(caller, row.call(w.ids));
          checkCell(expected, res);
          // A 403 says in words what was refused (never "not allowed: <action id>").
          if (res.statusCode === 403) {
            const detail = res.json<{ detail: string }>().detail;
            expect(detail).not.toMatch(/not allowed|\b[a-z]+\.[a-z_]+\b/);
          }

          // A refusal must read exactly like the refusal of an id that does not exist.
          const refused =
            typeof expected === "number" &&
            [401, 403, 404].includes(expected) &&
            !(row.mayDifferFromMissing ?? []).includes(caller);
          if (refused || expected === "empty") {
            const other = await w.send(caller, missingCall(row, w.ids));
            expect(other.statusCode, describeRes(other)).toBe(res.statusCode);
            expect(other.headers["content-type"]).toBe(res.headers["content-type"]);
            if (expected === "empty") {
              expect(other.json()).toEqual(res.json());
            } else {
              expect(withoutInstance(other.body)).toEqual(withoutInstance(res.body));
            }
          }
        });
      }
    });
  }

  it("client B's 404 for A's request equals the 404 for a random id, except instance", async () => {
    const foreign = await w.send("clientB", { method: "GET", url: `/requests/${w.ids.requestA}` });
    const random = await w.send("clientB", {
      method: "GET",
      url: `/requests/req_${crypto.randomUUID()}`,
    });
    expect(foreign.statusCode).toBe(404);
    expect(random.statusCode).toBe(404);
    expect(foreign.headers["content-type"]).toBe(random.headers["content-type"]);
    expect(foreign.json<{ instance: string }>().instance).toBe(
      `/api/v1/requests/${w.ids.requestA}`,
    );
    expect(random.json<{ detail: string }>().detail).toBe(
      foreign.json<{ detail: string }>().detail,
    );
    expect(withoutInstance(foreign.body)).toEqual(withoutInstance(random.body));
    // And B's own request is there for B: the 404 above is about ownership, not a broken route.
    const own = await w.send("clientB", { method: "GET", url: `/requests/${w.ids.requestB}` });
    expect(own.statusCode).toBe(200);
  });

  it("nothing of B's leaks into A's lists, nor A's into B's", async () => {
    for (const [caller, mine, theirs] of [
      ["clientA", w.ids.clientA, w.ids.clientB],
      ["clientB", w.ids.clientB, w.ids.clientA],
    ] as const) {
      for (const url of ["/requests", "/orders", "/requests?limit=100"]) {
        const res = await w.send(caller, { method: "GET", url });
        expect(res.statusCode).toBe(200);
        const items = res.json<{ items: { clientId: string }[] }>().items;
        expect(items.length).toBeGreaterThan(0);
        expect(items.every((it) => it.clientId === mine)).toBe(true);
        expect(res.body).not.toContain(theirs);
      }
    }
  });
});

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: {
    content?: Record<string, { schema?: { properties?: Record<string, unknown> } }>;
  };
}
