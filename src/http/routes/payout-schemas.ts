// Components of the /payouts routes (ADR 0018): a payout as finance and clients read it (two
// views), the summary, and the bodies of finance's actions and of a client's destination.

import {
  AWAITING,
  CLIENT_STAGES,
  DEADLINE_STATES,
  PAYOUT_ACTION_REFUSALS,
  PAYOUT_ACTIONS,
  PAYOUT_STATUSES,
  REISSUE_METHODS,
} from "../../core/payouts/index.js";
import { ACTIONS } from "../../core/access/index.js";
import { PAYMENT_METHODS } from "../../core/policy/index.js";
import { expectedVersion, pageOf, ref, type Component } from "../openapi/components.js";

const money = ref("Money");
const nullableString = { type: ["string", "null"] } as const;

const PAYOUT_EXAMPLE = {
  view: "staff",
  id: "po_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  requestId: "req_7d1e2f3a-4b5c-4d7e-8f90-a1b2c3d4e5f6",
  orderId: "ORD-1001",
  method: "card",
  amount: { amount: "4800.00", currency: "USD" },
  dueEarliest: "2026-03-12",
  dueLatest: "2026-03-23",
  stage: "sent",
  statusText: "Your refund was sent to the card you paid with on 2026-03-03.",
  whatNext: "Your bank usually shows it within 5 to 10 business days.",
  yourAction: null,
  destination: null,
  reissueOf: null,
  replacedBy: null,
  succeededAt: "2026-03-03T16:00:05.000Z",
  version: 4,
  actions: [],
  clientName: "Acme Networks",
  decisionId: "dec_9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
  paymentId: "ORD-1001-PAY-1",
  status: "succeeded",
  deadline: "settled",
  approvalsNeeded: 2,
  approvals: [
    { userId: "usr_fran", at: "2026-03-03T15:00:00.000Z" },
    { userId: "usr_finn", at: "2026-03-03T16:00:00.000Z" },
  ],
  released: true,
  awaiting: null,
  reference: null,
  providerRef: "re_3PqR8sT2uV4wX6yZ",
  failureReason: null,
  crypto: null,
  parked: false,
  attempts: 1,
  attempt: 1,
  note: null,
  paidOutside: false,
  createdAt: "2026-03-03T14:00:00.000Z",
  updatedAt: "2026-03-03T16:00:05.000Z",
};

const CLIENT_PAYOUT_EXAMPLE = {
  view: "client",
  id: "po_5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
  requestId: "req_2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
  orderId: "ORD-1008",
  method: "crypto",
  amount: { amount: "4800.00", currency: "USD" },
  dueEarliest: "2026-03-12",
  dueLatest: "2026-03-23",
  stage: "needs_your_details",
  statusText: "Your crypto refund is approved and waits for your wallet address.",
  whatNext: "Once you give it, we send the refund between 2026-03-12 and 2026-03-23.",
  yourAction: "Give the wallet address (and network) the refund should go to.",
  destination: null,
  reissueOf: null,
  replacedBy: null,
  succeededAt: null,
  version: 1,
  actions: [
    {
      name: "set_destination",
      permission: "payout.set_destination",
      allowed: true,
      reasonCode: null,
      reason: null,
    },
  ],
};

const SECOND_APPROVAL_REFUSED = {
  name: "approve",
  permission: "payout.approve_second",
  allowed: false,
  reasonCode: "gave_first_approval",
  reason:
    "you already approved this payout; a different finance person must give the second approval",
};

/** A card payout waiting on its second approval, as read by the person who gave the first. */
const AWAITING_SECOND_EXAMPLE = {
  ...PAYOUT_EXAMPLE,
  id: "po_3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
  stage: "preparing",
  statusText: "Your refund is approved and our team is preparing it.",
  whatNext: "The money should arrive between 2026-03-12 and 2026-03-23.",
  succeededAt: null,
  version: 2,
  actions: [SECOND_APPROVAL_REFUSED],
  status: "scheduled",
  deadline: "on_track",
  approvals: [{ userId: "usr_fran", at: "2026-03-03T15:00:00.000Z" }],
  released: false,
  awaiting: "second_approval",
  providerRef: null,
  attempts: 0,
  updatedAt: "2026-03-03T15:00:00.000Z",
};

export const PayoutAction = {
  $id: "PayoutAction",
  type: "object",
  additionalProperties: false,
  required: ["name", "permission", "allowed", "reasonCode", "reason"],
  description:
    "Something the caller may do with a payout now, decided by the server from the access rules and the payout's state. An action the payout's state offers and the caller's role may take is listed; when four-eyes refuses it to this person (they made the decision, or gave the first approval) or the card cannot take refunds any more, it is listed with `allowed: false` and the reason in words. Routes: `approve` POST .../approve, `record` POST .../record, `retry` POST .../retry, `reissue` POST .../reissue, `record_outside` POST .../record-outside, `set_destination` PUT .../destination.",
  properties: {
    name: { type: "string", enum: [...PAYOUT_ACTIONS] },
    permission: {
      type: "string",
      enum: [...ACTIONS],
      description: "The access action the route checks (e.g. `payout.approve_second`).",
    },
    allowed: { type: "boolean", description: "False: shown so the reason can be read." },
    reasonCode: {
      type: ["string", "null"],
      enum: [...PAYOUT_ACTION_REFUSALS, null],
      description: "Why it is not allowed, as a stable code (null when allowed).",
    },
    reason: { ...nullableString, description: "Why it is not allowed, in words." },
  },
  examples: [
    {
      name: "approve",
      permission: "payout.execute",
      allowed: true,
      reasonCode: null,
      reason: null,
    },
    SECOND_APPROVAL_REFUSED,
  ],
} as const satisfies Component;

export const Payout = {
  $id: "Payout",
  type: "object",
  // Members both views always carry (null where they do not apply); the staff view's other members
  // are always present in it too, but a client's view never has them.
  required: [
    "view",
    "id",
    "requestId",
    "method",
    "amount",
    "dueEarliest",
    "dueLatest",
    "destination",
    "succeededAt",
    "version",
    "actions",
  ],
  description:
    "Money going back to a client for one payment of an approved request. Two views: `view: \"client\"` (a client's own payouts) carries only the first group of fields: where the refund is in plain words, the window in which it must arrive (7-14 business days after approval) and what the client must do; never staff ids, approvals or the provider's text. `view: \"staff\"` carries every field: status, deadline state, approvals (four-eyes above the threshold), what the payout waits on, the provider's answer, and finance's list fields (client, order).",
  properties: {
    view: { type: "string", enum: ["client", "staff"] },
    id: { type: "string" },
    requestId: { type: "string" },
    orderId: nullableString,
    method: { type: "string", enum: [...PAYMENT_METHODS] },
    amount: money,
    dueEarliest: { type: "string", description: "First day the money may arrive (policy zone)." },
    dueLatest: { type: "string", description: "Last day of the 7-14 business-day promise." },
    stage: { type: "string", enum: [...CLIENT_STAGES] },
    statusText: { type: "string", description: "Where the refund is, in plain words." },
    whatNext: { type: "string", description: "What happens next, and when." },
    yourAction: { ...nullableString, description: "What the client must do, if anything." },
    destination: {
      type: ["object", "null"],
      description:
        "Crypto: asset, network, address. Bank (a reissue by transfer): holder, IBAN, BIC.",
      properties: {
        asset: { type: "string" },
        network: { type: "string" },
        address: { type: "string" },
        accountHolder: { type: "string" },
        iban: { type: "string" },
        bic: nullableString,
      },
    },
    reissueOf: { ...nullableString, description: "The failed payout this one replaces." },
    replacedBy: { ...nullableString, description: "The payout that replaced this one." },
    succeededAt: nullableString,
    version: { type: "integer", description: "Send back as expectedVersion with an action." },
    actions: {
      type: "array",
      items: ref("PayoutAction"),
      description:
        "What the caller may do with the payout now (both views): each action, whether this person may take it, and if not, why.",
    },
    clientName: { ...nullableString, description: "Staff view." },
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
    reference: { ...nullableString, description: "Bank reference or transaction hash (manual)." },
    providerRef: { ...nullableString, description: "The card provider's refund id." },
    failureReason: nullableString,
    crypto: {
      type: ["object", "null"],
      properties: { rate: { type: "string" }, coins: money },
    },
    parked: { type: "boolean" },
    attempts: { type: "integer", description: "Provider calls of the current attempt." },
    attempt: { type: "integer", description: "1, then 2, ... after each retry of a failure." },
    note: { ...nullableString, description: "Finance's justification (reissue, paid outside)." },
    paidOutside: { type: "boolean" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
  examples: [PAYOUT_EXAMPLE, AWAITING_SECOND_EXAMPLE, CLIENT_PAYOUT_EXAMPLE],
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
  examples: [
    {
      today: "2026-03-04",
      dueToday: 1,
      overdue: 0,
      atRisk: 2,
      onTrack: 5,
      needsAction: 1,
      awaitingApproval: 3,
      awaitingSecondApproval: 1,
      awaitingDestination: 1,
      awaitingRecord: 2,
      awaitingProvider: 1,
      awaitingAction: 1,
      inFlight: 0,
      unknown: 0,
      parked: 0,
      failed: 1,
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
  required: ["expectedVersion"],
  description:
    "Where a refund is to be sent: a crypto refund's network and address, or the bank account of a payout reissued by transfer (holder, IBAN, optional BIC).",
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
  examples: [
    {
      expectedVersion: 1,
      network: "bitcoin",
      address: "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
    },
    { expectedVersion: 3, accountHolder: "Acme Networks", iban: "DE89370400440532013000" },
  ],
} as const satisfies Component;

const justification = {
  type: "string",
  minLength: 1,
  maxLength: 1000,
  description: "Why (10 to 1000 characters): kept with the payout and in the audit trail.",
} as const;

export const PayoutReissue = {
  $id: "PayoutReissue",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", "method", "justification"],
  description: "Reissue a failed payout by another method.",
  properties: {
    expectedVersion: version,
    method: {
      type: "string",
      enum: [...REISSUE_METHODS],
      description: "The new payout's method (not the failed one's).",
    },
    justification,
  },
  examples: [
    {
      expectedVersion: 5,
      method: "bank_transfer",
      justification: "The card expired; the client asked for a bank transfer.",
    },
  ],
} as const satisfies Component;

export const PayoutRecordOutside = {
  $id: "PayoutRecordOutside",
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", "reference", "justification"],
  description: "A failed payout finance paid outside the desk, with its proof.",
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
  examples: [
    {
      expectedVersion: 5,
      reference: "RCPT-2026-77",
      justification: "Refunded at the front desk in cash; signed receipt scanned.",
    },
  ],
} as const satisfies Component;

export const PayoutPage = pageOf("Payout", PAYOUT_EXAMPLE);

export const PAYOUT_COMPONENTS: readonly Component[] = [
  PayoutAction,
  Payout,
  PayoutPage,
  PayoutSummary,
  PayoutVersion,
  PayoutRecord,
  PayoutDestination,
  PayoutReissue,
  PayoutRecordOutside,
];
