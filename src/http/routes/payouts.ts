// /payouts: finance's views (due today, overdue, at risk, awaiting approval, parked) and actions
// (approve with four-eyes, record a manual payout, send a parked one back to the worker); clients
// read their own payouts with the window in which to expect the money, and give the address a
// crypto refund goes to. Thin: schema, one use case.

import { approvePayout } from "../../app/payouts/approve-payout.js";
import { getPayout } from "../../app/payouts/get-payout.js";
import { listPayouts, type ListPayoutsQuery } from "../../app/payouts/list-payouts.js";
import { payoutSummary } from "../../app/payouts/payout-summary.js";
import { recordPayout, type RecordPayoutInput } from "../../app/payouts/record-payout.js";
import { retryPayout } from "../../app/payouts/retry-payout.js";
import {
  setPayoutDestination,
  type DestinationInput,
} from "../../app/payouts/set-payout-destination.js";
import { DEADLINE_FILTERS, PAYOUT_STATUSES } from "../../core/payouts/index.js";
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

export const payoutJson = {
  type: "object",
  properties: {
    id: { type: "string" },
    requestId: { type: "string" },
    decisionId: { type: "string" },
    paymentId: { type: "string" },
    method: { type: "string", enum: [...PAYMENT_METHODS] },
    amount: moneyJson,
    status: { type: "string", enum: [...PAYOUT_STATUSES] },
    dueEarliest: { type: "string", description: "First day the money may arrive (policy zone)." },
    dueLatest: { type: "string", description: "Last day of the 7-14 business-day promise." },
    deadline: {
      type: "string",
      enum: ["on_track", "at_risk", "due_today", "overdue", "settled"],
    },
    approvalsNeeded: { type: "integer" },
    approvals: {
      type: ["array", "null"],
      items: {
        type: "object",
        properties: { userId: { type: "string" }, at: { type: "string" } },
      },
    },
    released: { type: "boolean" },
    awaiting: {
      type: ["string", "null"],
      enum: ["approval", "second_approval", "destination", "finance_record", "provider", null],
    },
    destination: {
      type: ["object", "null"],
      properties: {
        asset: { type: "string" },
        network: { type: "string" },
        address: { type: "string" },
      },
    },
    reference: nullableString,
    providerRef: nullableString,
    failureReason: nullableString,
    crypto: {
      type: ["object", "null"],
      properties: { rate: { type: "string" }, coins: moneyJson },
    },
    parked: { type: "boolean" },
    attempts: { type: "integer" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
    succeededAt: nullableString,
    version: { type: "integer" },
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
  required: ["expectedVersion", "network", "address"],
  properties: {
    expectedVersion: version,
    network: {
      type: "string",
      minLength: 1,
      maxLength: 40,
      description: "e.g. bitcoin, ethereum, tron, solana",
    },
    address: { type: "string", minLength: 1, maxLength: 200 },
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
    awaiting: { type: "string", enum: ["approval", "second_approval"] },
    limit: { type: "string", maxLength: 5 },
    cursor: { type: "string", maxLength: 1000 },
  },
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
        summary: "Finance's counts: due today, overdue, at risk, awaiting approval, parked",
        response: {
          200: {
            type: "object",
            properties: {
              today: { type: "string" },
              dueToday: { type: "integer" },
              overdue: { type: "integer" },
              atRisk: { type: "integer" },
              awaitingApproval: { type: "integer" },
              awaitingSecondApproval: { type: "integer" },
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
        summary: "Send a parked payout back to the worker (it reconciles before sending)",
        params: idParams,
        body: versionOnly,
        response: { 200: payoutJson },
      },
    },
    async (request) =>
      retryPayout(deps, ctxOf(request), request.params.id, request.body.expectedVersion),
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
