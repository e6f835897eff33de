// Components of the /payouts routes (ADR 0018): a payout as finance and clients read it, the
// summary, and the bodies of finance's actions and of a client's crypto destination.

import { PAYOUT_STATUSES } from "../../core/payouts/index.js";
import { PAYMENT_METHODS } from "../../core/policy/index.js";
import { expectedVersion, pageOf, ref, type Component } from "../openapi/components.js";

const money = ref("Money");
const nullableString = { type: ["string", "null"] } as const;

const PAYOUT_EXAMPLE = {
  id: "po_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  requestId: "req_7d1e2f3a-4b5c-4d7e-8f90-a1b2c3d4e5f6",
  decisionId: "dec_9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
  paymentId: "ORD-1001-PAY-1",
  method: "card",
  amount: { amount: "4800.00", currency: "USD" },
  status: "succeeded",
  dueEarliest: "2026-03-12",
  dueLatest: "2026-03-23",
  deadline: "settled",
  approvalsNeeded: 2,
  approvals: [
    { userId: "usr_fran", at: "2026-03-03T15:00:00.000Z" },
    { userId: "usr_ada", at: "2026-03-03T16:00:00.000Z" },
  ],
  released: true,
  awaiting: null,
  destination: null,
  reference: null,
  providerRef: "re_3PqR8sT2uV4wX6yZ",
  failureReason: null,
  crypto: null,
  parked: false,
  attempts: 1,
  createdAt: "2026-03-03T14:00:00.000Z",
  updatedAt: "2026-03-03T16:00:05.000Z",
  succeededAt: "2026-03-03T16:00:05.000Z",
  version: 4,
};

export const Payout = {
  $id: "Payout",
  type: "object",
  description:
    "Money going back to a client for one payment of an approved request: its status, the window in which it must arrive (7-14 business days after approval), approvals (four-eyes above the threshold) and what it waits for.",
  properties: {
    id: { type: "string" },
    requestId: { type: "string" },
    decisionId: { type: "string" },
    paymentId: { type: "string" },
    method: { type: "string", enum: [...PAYMENT_METHODS] },
    amount: money,
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
    reference: { ...nullableString, description: "Bank reference or transaction hash (manual)." },
    providerRef: { ...nullableString, description: "The card provider's refund id." },
    failureReason: nullableString,
    crypto: {
      type: ["object", "null"],
      properties: { rate: { type: "string" }, coins: money },
    },
    parked: { type: "boolean" },
    attempts: { type: "integer" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
    succeededAt: nullableString,
    version: { type: "integer", description: "Send back as expectedVersion with an action." },
  },
  examples: [PAYOUT_EXAMPLE],
} as const satisfies Component;

export const PayoutSummary = {
  $id: "PayoutSummary",
  type: "object",
  description: "Finance's counts of payouts by urgency and state.",
  properties: {
    today: { type: "string", description: "Today in the policy's time zone (YYYY-MM-DD)." },
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
  examples: [
    {
      today: "2026-03-04",
      dueToday: 1,
      overdue: 0,
      atRisk: 2,
      awaitingApproval: 3,
      awaitingSecondApproval: 1,
      inFlight: 0,
      unknown: 0,
      parked: 0,
      failed: 0,
    },
  ],
} as const satisfies Component;

const version = expectedVersion("payout");

export const PayoutVersion = {
  $id: "PayoutVersion",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion"],
  description: "An action on a payout as last read.",
  properties: { expectedVersion: version },
  examples: [{ expectedVersion: 1 }],
} as const satisfies Component;

export const PayoutRecord = {
  $id: "PayoutRecord",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", "reference"],
  description: "A manual payout finance made outside the desk.",
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
        coins: ref("Money"),
      },
    },
  },
  examples: [{ expectedVersion: 2, reference: "NWB-2026-03-04-118842" }],
} as const satisfies Component;

export const PayoutDestination = {
  $id: "PayoutDestination",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", "network", "address"],
  description: "Where a crypto refund is to be sent.",
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
  examples: [
    {
      expectedVersion: 1,
      network: "bitcoin",
      address: "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
    },
  ],
} as const satisfies Component;

export const PayoutPage = pageOf("Payout", PAYOUT_EXAMPLE);

export const PAYOUT_COMPONENTS: readonly Component[] = [
  Payout,
  PayoutPage,
  PayoutSummary,
  PayoutVersion,
  PayoutRecord,
  PayoutDestination,
];
