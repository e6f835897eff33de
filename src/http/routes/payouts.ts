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
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["payouts"];

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
    limit: { type: "string", maxLength: 5, description: "1-200, default 50." },
    cursor: { type: "string", maxLength: 1000, description: "nextCursor of the previous page." },
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
        operationId: "listPayouts",
        summary: "List payouts, most urgent first (clients: their own)",
        description:
          "A Page of payouts ordered by their latest due date; finance's queues filter by status, deadline (due today, overdue, at risk), method, request, parked, or the approval awaited. This is the list to reconcile payouts against the bank.",
        querystring: listQuery,
        response: { 200: ref("PayoutPage") },
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
        operationId: "getPayoutSummary",
        summary: "Finance's counts: due today, overdue, at risk, awaiting approval, parked",
        description:
          "The counts behind finance's dashboard, as of today in the policy's time zone.",
        response: { 200: ref("PayoutSummary") },
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
        operationId: "getPayout",
        summary: "Read a payout",
        description:
          "The payout with its status, the window in which the money should arrive (`dueEarliest`..`dueLatest`), its approvals and what it is waiting for.",
        params: idParams,
        response: { 200: ref("Payout") },
      },
    },
    async (request) => getPayout(deps, ctxOf(request), request.params.id),
  );

  app.post<{ Params: IdParams; Body: { expectedVersion: number } }>(
    "/payouts/:id/approve",
    {
      config: {
        permission: "payout.execute",
        problems: {
          409: "The payout is not awaiting an approval (`invalid_transition` or `conflict`, with `state` and `currentVersion`), or a crypto payout has no address yet.",
          422: "The payout cannot be approved as it stands (`unprocessable`, naming the field).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "approvePayout",
        summary: "Approve a payout (first approval, or the second above the four-eyes threshold)",
        description:
          "Never by the person who made the decision; the second approval never by the first approver. Card payouts then go to the provider; manual ones wait for `record`.",
        params: idParams,
        body: ref("PayoutVersion"),
        response: { 200: ref("Payout") },
      },
    },
    async (request) =>
      approvePayout(deps, ctxOf(request), request.params.id, request.body.expectedVersion),
  );

  app.post<{ Params: IdParams; Body: RecordPayoutInput }>(
    "/payouts/:id/record",
    {
      config: {
        permission: "payout.execute",
        problems: {
          409: "The payout is not awaiting a manual record (`invalid_transition` or `conflict`), or it would give back more than the payment captured.",
          422: "The record does not fit the payout (`unprocessable`, naming the field: e.g. crypto rate or coins).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "recordPayout",
        summary: "Record a manual payout as sent (bank reference, or crypto hash and rate)",
        description:
          "For bank transfers, crypto and other methods, finance pays outside and records the reference here; the payout succeeds.",
        params: idParams,
        body: ref("PayoutRecord"),
        response: { 200: ref("Payout") },
      },
    },
    async (request) => recordPayout(deps, ctxOf(request), request.params.id, request.body),
  );

  app.post<{ Params: IdParams; Body: { expectedVersion: number } }>(
    "/payouts/:id/retry",
    {
      config: {
        permission: "payout.execute",
        problems: { 409: "Only a parked payout can be sent back (`conflict`)." },
      },
      schema: {
        tags: TAGS,
        operationId: "retryPayout",
        summary: "Send a parked payout back to the worker (it reconciles before sending)",
        description:
          "A payout parked after repeated provider failures goes back to the worker, which first asks the provider whether it was paid after all.",
        params: idParams,
        body: ref("PayoutVersion"),
        response: { 200: ref("Payout") },
      },
    },
    async (request) =>
      retryPayout(deps, ctxOf(request), request.params.id, request.body.expectedVersion),
  );

  app.put<{ Params: IdParams; Body: DestinationInput }>(
    "/payouts/:id/destination",
    {
      config: {
        permission: "payout.set_destination",
        problems: {
          409: "Not a crypto payout, or no longer waiting for its address (`conflict` or `invalid_transition`).",
          422: "The address does not fit the asset and network (`unprocessable`, naming the field).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "setPayoutDestination",
        summary: "Give the address a crypto refund goes to (the asset is the payment's)",
        description: "The client of a crypto payout names the network and address to pay to.",
        params: idParams,
        body: ref("PayoutDestination"),
        response: { 200: ref("Payout") },
      },
    },
    async (request) => setPayoutDestination(deps, ctxOf(request), request.params.id, request.body),
  );
};
