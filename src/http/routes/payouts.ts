// /payouts: finance's views (due today, overdue, at risk, awaiting approval, parked) and actions
// (approve with four-eyes, record a manual payout, send a parked one back to the worker); clients
// read their own payouts with the window in which to expect the money, and give the address a
// crypto refund goes to. Thin: schema, one use case.

import { approvePayout } from "../../app/payouts/approve-payout.js";
import { exportPayouts } from "../../app/payouts/export-payouts.js";
import { getPayout } from "../../app/payouts/get-payout.js";
import { listPayouts, type ListPayoutsQuery } from "../../app/payouts/list-payouts.js";
import { payoutSummary } from "../../app/payouts/payout-summary.js";
import { recordPayout, type RecordPayoutInput } from "../../app/payouts/record-payout.js";
import { retryPayout } from "../../app/payouts/retry-payout.js";
import {
  setPayoutDestination,
  type DestinationInput,
} from "../../app/payouts/set-payout-destination.js";
import {
  AWAITING,
  CLIENT_STAGES,
  DEADLINE_FILTERS,
  DEADLINE_STATES,
  PAYOUT_STATUSES,
  REISSUE_METHODS,
} from "../../core/payouts/index.js";
import { reissuePayout, type ReissueInput } from "../../app/payouts/reissue-payout.js";
import {
  recordPayoutOutside,
  type RecordOutsideInput,
} from "../../app/payouts/record-outside-payout.js";
import { PAYMENT_METHODS } from "../../core/policy/index.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["payouts"];

const moneyJson = {
  type: "object",
  required: ["amount", "currency"],
  properties: { amount: { type: "string" }, currency: { type: "string" } },
} as const;

const nullableString = { type: ["string", "null"] } as const;

const destinationJson = {
  type: ["object", "null"],
  description: "Crypto: asset, network, address. Bank (a reissue by transfer): holder, IBAN, BIC.",
  properties: {
    asset: { type: "string" },
    network: { type: "string" },
    address: { type: "string" },
    accountHolder: { type: "string" },
    iban: { type: "string" },
    bic: nullableString,
  },
} as const;

/**
 * Both views of a payout: `view: "client"` (plain words, the window, what to do) carries only the
 * first group of fields; `view: "staff"` carries every field.
 */
export const payoutJson = {
  type: "object",
  properties: {
    view: { type: "string", enum: ["client", "staff"] },
    id: { type: "string" },
    requestId: { type: "string" },
    orderId: nullableString,
    method: { type: "string", enum: [...PAYMENT_METHODS] },
    amount: moneyJson,
    dueEarliest: { type: "string", description: "First day the money may arrive (policy zone)." },
    dueLatest: { type: "string", description: "Last day of the 7-14 business-day promise." },
    stage: { type: "string", enum: [...CLIENT_STAGES] },
    statusText: { type: "string", description: "Where the refund is, in plain words." },
    whatNext: { type: "string", description: "What happens next, and when." },
    yourAction: { ...nullableString, description: "What the client must do, if anything." },
    destination: destinationJson,
    reissueOf: nullableString,
    replacedBy: nullableString,
    succeededAt: nullableString,
    version: { type: "integer" },
    // Staff view only.
    clientName: nullableString,
    decisionId: { type: "string" },
    paymentId: { type: "string" },
    status: { type: "string", enum: [...PAYOUT_STATUSES] },
    deadline: { type: "string", enum: [...DEADLINE_STATES] },
    approvalsNeeded: { type: "integer" },
    approvals: {
      type: "array",
      items: {
        type: "object",
        properties: { userId: { type: "string" }, at: { type: "string" } },
      },
    },
    released: { type: "boolean" },
    awaiting: { type: ["string", "null"], enum: [...AWAITING, null] },
    reference: nullableString,
    providerRef: nullableString,
    failureReason: nullableString,
    crypto: {
      type: ["object", "null"],
      properties: { rate: { type: "string" }, coins: moneyJson },
    },
    parked: { type: "boolean" },
    attempts: { type: "integer" },
    attempt: { type: "integer" },
    note: nullableString,
    paidOutside: { type: "boolean" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
} as const;

const version = {
  type: "integer",
  minimum: 0,
  maximum: 2_147_483_647,
  description: "The payout's version as the caller last read it (optimistic concurrency).",
} as const;

const versionOnly = {
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion"],
  properties: { expectedVersion: version },
} as const;

const recordBody = {
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", "reference"],
  properties: {
    expectedVersion: version,
    reference: {
      type: "string",
      minLength: 1,
      maxLength: 200,
      description: "Bank reference (bank transfer, other) or the transaction hash (crypto).",
    },
    crypto: {
      type: "object",
      additionalProperties: false,
      required: ["rate", "coins"],
      description: "Crypto refunds of a fiat price (fiat-at-payout): the rate used and coins sent.",
      properties: {
        rate: { type: "string", maxLength: 40, description: "Fiat per coin, decimal string." },
        coins: {
          type: "object",
          additionalProperties: false,
          required: ["amount", "currency"],
          properties: {
            amount: { type: "string", maxLength: 64 },
            currency: { type: "string", minLength: 1, maxLength: 12 },
          },
        },
      },
    },
  },
} as const;

const destinationBody = {
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion"],
  description:
    "A crypto refund: network and address. A payout reissued by bank transfer: accountHolder, " +
    "iban and optionally bic.",
  properties: {
    expectedVersion: version,
    network: {
      type: "string",
      minLength: 1,
      maxLength: 40,
      description: "e.g. bitcoin, ethereum, tron, solana",
    },
    address: { type: "string", minLength: 1, maxLength: 200 },
    accountHolder: { type: "string", minLength: 1, maxLength: 140 },
    iban: { type: "string", minLength: 1, maxLength: 50 },
    bic: { type: "string", maxLength: 20 },
  },
} as const;

const justification = {
  type: "string",
  minLength: 1,
  maxLength: 1000,
  description: "Why (10 to 1000 characters): kept in the payout and the audit trail.",
} as const;

const reissueBody = {
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", "method", "justification"],
  properties: {
    expectedVersion: version,
    method: {
      type: "string",
      enum: [...REISSUE_METHODS],
      description: "The new payout's method (not the failed one's).",
    },
    justification,
  },
} as const;

const recordOutsideBody = {
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", "reference", "justification"],
  properties: {
    expectedVersion: version,
    reference: {
      type: "string",
      minLength: 1,
      maxLength: 200,
      description: "The proof's reference (bank reference, receipt number).",
    },
    justification,
  },
} as const;

const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    status: { type: "string", enum: [...PAYOUT_STATUSES] },
    deadline: { type: "string", enum: [...DEADLINE_FILTERS] },
    method: { type: "string", enum: [...PAYMENT_METHODS] },
    requestId: { type: "string", maxLength: 200 },
    parked: { type: "string", enum: ["true", "false"] },
    awaiting: { type: "string", enum: [...AWAITING] },
    limit: { type: "string", maxLength: 5 },
    cursor: { type: "string", maxLength: 1000 },
  },
} as const;

const exportQuery = {
  ...listQuery,
  properties: Object.fromEntries(
    Object.entries(listQuery.properties).filter(([k]) => k !== "limit" && k !== "cursor"),
  ),
} as const;

type ListQuery = Omit<ListPayoutsQuery, "parked"> & { parked?: "true" | "false" };

export const payoutRoutes: RoutePlugin = (app, deps) => {
  app.get<{ Querystring: ListQuery }>(
    "/payouts",
    {
      config: { permission: "payout.read" },
      schema: {
        tags: TAGS,
        summary: "List payouts, most urgent first (clients: their own)",
        querystring: listQuery,
        response: {
          200: {
            type: "object",
            properties: { items: { type: "array", items: payoutJson }, nextCursor: nullableString },
          },
        },
      },
    },
    async (request) => {
      const { parked, ...rest } = request.query;
      return listPayouts(deps, ctxOf(request), {
        ...rest,
        ...(parked === undefined ? {} : { parked: parked === "true" }),
      });
    },
  );

  app.get(
    "/payouts/summary",
    {
      config: { permission: "payout.execute" },
      schema: {
        tags: TAGS,
        summary: "Finance's counts: by deadline state and by what the payouts wait on",
        response: {
          200: {
            type: "object",
            properties: {
              today: { type: "string" },
              dueToday: { type: "integer" },
              overdue: { type: "integer" },
              atRisk: { type: "integer" },
              onTrack: { type: "integer" },
              needsAction: { type: "integer", description: "Failed or parked, not yet overdue." },
              awaitingApproval: { type: "integer" },
              awaitingSecondApproval: { type: "integer" },
              awaitingDestination: { type: "integer" },
              awaitingRecord: { type: "integer" },
              awaitingProvider: { type: "integer" },
              awaitingAction: { type: "integer" },
              inFlight: { type: "integer" },
              unknown: { type: "integer" },
              parked: { type: "integer" },
              failed: { type: "integer" },
            },
          },
        },
      },
    },
    async (request) => payoutSummary(deps, ctxOf(request)),
  );

  app.get<{ Querystring: Omit<ListQuery, "limit" | "cursor"> }>(
    "/payouts/export.csv",
    {
      config: { permission: "payout.execute" },
      schema: {
        tags: TAGS,
        operationId: "exportPayouts",
        summary: "Finance's filtered payout list as CSV (bank uploads, reconciliation)",
        description:
          "The payouts the same filters as the list select, most urgent first, one row each: " +
          "client, order, method, amount (decimal string) and currency, status, what it waits on, " +
          "deadline state and due window, approvals, destination, references. RFC 4180 quoting; " +
          "text a spreadsheet would take for a formula is prefixed with an apostrophe.",
        querystring: exportQuery,
      },
    },
    async (request, reply) => {
      const { parked, ...rest } = request.query;
      const csv = await exportPayouts(deps, ctxOf(request), {
        ...rest,
        ...(parked === undefined ? {} : { parked: parked === "true" }),
      });
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="payouts.csv"')
        .header("cache-control", "no-store")
        .send(csv);
    },
  );

  app.get<{ Params: IdParams }>(
    "/payouts/:id",
    {
      config: { permission: "payout.read" },
      schema: {
        tags: TAGS,
        summary: "Read a payout",
        params: idParams,
        response: { 200: payoutJson },
      },
    },
    async (request) => getPayout(deps, ctxOf(request), request.params.id),
  );

  app.post<{ Params: IdParams; Body: { expectedVersion: number } }>(
    "/payouts/:id/approve",
    {
      config: { permission: "payout.execute" },
      schema: {
        tags: TAGS,
        summary: "Approve a payout (first approval, or the second above the four-eyes threshold)",
        params: idParams,
        body: versionOnly,
        response: { 200: payoutJson },
      },
    },
    async (request) =>
      approvePayout(deps, ctxOf(request), request.params.id, request.body.expectedVersion),
  );

  app.post<{ Params: IdParams; Body: RecordPayoutInput }>(
    "/payouts/:id/record",
    {
      config: { permission: "payout.execute" },
      schema: {
        tags: TAGS,
        summary: "Record a manual payout as sent (bank reference, or crypto hash and rate)",
        params: idParams,
        body: recordBody,
        response: { 200: payoutJson },
      },
    },
    async (request) => recordPayout(deps, ctxOf(request), request.params.id, request.body),
  );

  app.post<{ Params: IdParams; Body: { expectedVersion: number } }>(
    "/payouts/:id/retry",
    {
      config: { permission: "payout.execute" },
      schema: {
        tags: TAGS,
        summary:
          "Send a parked payout back to the worker, or retry a failed card payout (new attempt)",
        description:
          "Parked: the worker asks the provider about the last attempt before anything else. " +
          "Failed card payout: a new attempt with its own idempotency key (payout id + attempt); " +
          "the failed attempt is looked up at the provider first, so a refund never goes out " +
          "twice. Refused (409) when the card cannot take refunds any more: reissue instead.",
        params: idParams,
        body: versionOnly,
        response: { 200: payoutJson },
      },
    },
    async (request) =>
      retryPayout(deps, ctxOf(request), request.params.id, request.body.expectedVersion),
  );

  app.post<{ Params: IdParams; Body: ReissueInput }>(
    "/payouts/:id/reissue",
    {
      config: { permission: "payout.reissue" },
      schema: {
        tags: TAGS,
        operationId: "reissuePayout",
        summary: "Reissue a failed payout by another method (returns the new payout)",
        description:
          "The failed payout is closed as `reissued`; a new payout of the same amount on the same " +
          "payment, with the same due window, is created with the caller's approval as its first " +
          "(four-eyes: above the threshold a different finance person gives the second). By bank " +
          "transfer, the client is asked for the account. Never for a decision one made oneself.",
        params: idParams,
        body: reissueBody,
        response: { 200: payoutJson },
      },
    },
    async (request) => reissuePayout(deps, ctxOf(request), request.params.id, request.body),
  );

  app.post<{ Params: IdParams; Body: RecordOutsideInput }>(
    "/payouts/:id/record-outside",
    {
      config: { permission: "payout.record_outside" },
      schema: {
        tags: TAGS,
        operationId: "recordPayoutOutside",
        summary: "Record a failed payout as paid outside the system (reference and justification)",
        description:
          "Finance has proof the money went back another way: the payout is succeeded, the " +
          "payment's refunded total grows (never past what it may still give back), the client " +
          "is told. Never for a decision one made oneself.",
        params: idParams,
        body: recordOutsideBody,
        response: { 200: payoutJson },
      },
    },
    async (request) => recordPayoutOutside(deps, ctxOf(request), request.params.id, request.body),
  );

  app.put<{ Params: IdParams; Body: DestinationInput }>(
    "/payouts/:id/destination",
    {
      config: { permission: "payout.set_destination" },
      schema: {
        tags: TAGS,
        summary: "Give the address a crypto refund goes to (the asset is the payment's)",
        params: idParams,
        body: destinationBody,
        response: { 200: payoutJson },
      },
    },
    async (request) => setPayoutDestination(deps, ctxOf(request), request.params.id, request.body),
  );
};
