// /payouts: finance's views (due today, overdue, at risk, needing action, awaiting approval /
// destination / record, parked), its CSV export, and actions (approve with four-eyes, record a
// manual payout, retry a parked or failed payout, reissue a failed one by another method, record
// one paid outside); clients read their own payouts in plain words with the window in which to
// expect the money, and give the address or bank details a refund goes to. Thin: schema, one use
// case.

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
import { exportPayouts } from "../../app/payouts/export-payouts.js";
import { reissuePayout, type ReissueInput } from "../../app/payouts/reissue-payout.js";
import {
  recordPayoutOutside,
  type RecordOutsideInput,
} from "../../app/payouts/record-outside-payout.js";
import { AWAITING, DEADLINE_FILTERS, PAYOUT_STATUSES } from "../../core/payouts/index.js";
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
    awaiting: { type: "string", enum: [...AWAITING] },
    limit: { type: "string", maxLength: 5, description: "1-200, default 50." },
    cursor: { type: "string", maxLength: 1000, description: "nextCursor of the previous page." },
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
        operationId: "listPayouts",
        summary: "List payouts, most urgent first (clients: their own)",
        description:
          "A Page of payouts ordered by their latest due date; finance's queues filter by status, deadline (due today, overdue, at risk, needs action, on track, open), method, request, parked, or what the payout awaits (approval, second approval, the client's destination, finance's record, the provider, finance's action). The filters keep exactly the payouts whose own `deadline` / `awaiting` say so. Staff get the full view (client name, order, approvals, provider answer); clients their own payouts in plain words.",
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
        summary: "Finance's counts: by deadline state and by what the payouts wait on",
        description:
          "The counts behind finance's dashboard, as of today in the policy's time zone; each equals the number of payouts the matching `?deadline=` / `?awaiting=` filter lists.",
        response: { 200: ref("PayoutSummary") },
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
          "The payouts the same filters as the list select, most urgent first, one row each: client, order, method, amount (decimal string) and currency, status, what it waits on, deadline state and due window, approvals, destination, references. RFC 4180 quoting; text a spreadsheet would take for a formula is prefixed with an apostrophe. `text/csv; charset=utf-8`.",
        querystring: exportQuery,
        // Documented as a text/csv body (src/http/openapi/document.ts).
        produces: ["text/csv"],
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
        problems: {
          409: "Neither parked nor a failed card payout, or the card cannot take refunds any more: reissue instead (`conflict` or `invalid_transition`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "retryPayout",
        summary:
          "Send a parked payout back to the worker, or retry a failed card payout (new attempt)",
        description:
          "Parked: the worker first asks the provider whether it was paid after all. Failed card payout: a new attempt with its own idempotency key (payout id + attempt); the worker looks the failed attempt up at the provider first and, if it in fact went out, adopts it and sends nothing new. Refused when the card cannot take refunds any more (expired, lost): reissue instead.",
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
          409: "Not a crypto payout nor one reissued by bank transfer, or no longer waiting for its destination (`conflict` or `invalid_transition`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "setPayoutDestination",
        summary: "Give where a refund goes: a crypto address, or bank details for a reissue",
        description:
          "The client of a crypto payout names the network and address (the asset is the payment's); the client of a payout reissued by bank transfer gives the account holder, IBAN (check digits verified) and optionally the BIC. A wrong field is a 400 naming it.",
        params: idParams,
        body: ref("PayoutDestination"),
        response: { 200: ref("Payout") },
      },
    },
    async (request) => setPayoutDestination(deps, ctxOf(request), request.params.id, request.body),
  );

  app.post<{ Params: IdParams; Body: ReissueInput }>(
    "/payouts/:id/reissue",
    {
      config: {
        permission: "payout.reissue",
        problems: {
          409: "The payout has not failed (`invalid_transition`), or the payment cannot give the amount back any more (`conflict`).",
          422: "No justification, or the same method (`unprocessable`, naming the field).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "reissuePayout",
        summary: "Reissue a failed payout by another method (returns the new payout)",
        description:
          "The failed payout is closed as `reissued`; a new payout of the same amount on the same payment, with the same due window, is created with the caller's approval as its first (four-eyes: above the threshold a different finance person gives the second). By bank transfer the client is asked for the account. Never for a decision one made oneself.",
        params: idParams,
        body: ref("PayoutReissue"),
        response: { 200: ref("Payout") },
      },
    },
    async (request) => reissuePayout(deps, ctxOf(request), request.params.id, request.body),
  );

  app.post<{ Params: IdParams; Body: RecordOutsideInput }>(
    "/payouts/:id/record-outside",
    {
      config: {
        permission: "payout.record_outside",
        problems: {
          409: "The payout has not failed (`invalid_transition`), or it would give back more than the payment may (`conflict`).",
          422: "No reference or justification (`unprocessable`, naming the field).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "recordPayoutOutside",
        summary: "Record a failed payout as paid outside the system (reference and justification)",
        description:
          "Finance has proof the money went back another way: the payout succeeds, the payment's refunded total grows (never past what it may still give back), the client is told. Never for a decision one made oneself.",
        params: idParams,
        body: ref("PayoutRecordOutside"),
        response: { 200: ref("Payout") },
      },
    },
    async (request) => recordPayoutOutside(deps, ctxOf(request), request.params.id, request.body),
  );
};
