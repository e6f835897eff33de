// Components of the /requests routes (ADR 0018): what a client submits, a request as read (with
// its recommendation, decision and the caller's actions), list items, messages and decisions.

import { ALTERNATIVES, REASONS } from "../../core/policy/index.js";
import { REQUEST_STATUSES } from "../../core/requests/index.js";
import { pageOf, ref, type Component } from "../openapi/components.js";
import { EXAMPLE_CLIENT_ID } from "./order-schemas.js";

export const MAX_TEXT = 10_000;

const money = ref("Money");
const nullableMoney = { anyOf: [ref("Money"), { type: "null" }] } as const;
const nullableString = { type: ["string", "null"] } as const;
const OUTCOMES = ["refund", "review", "deny", "incomplete"] as const;

const text = (description: string) =>
  ({ type: "string", maxLength: MAX_TEXT, description }) as const;

export const RequestCreate = {
  $id: "RequestCreate",
  type: "object",
  additionalProperties: false,
  required: ["orderId", "reason", "description"],
  description: "A client's refund request on one of its orders.",
  properties: {
    orderId: { type: "string", maxLength: 200, description: "One of the client's own orders." },
    reason: { type: "string", enum: [...REASONS] },
    description: text("What went wrong, in the client's words (required, not blank)."),
    attachmentsCount: {
      type: "integer",
      minimum: 0,
      maximum: 100,
      description: "Documents the client will attach (uploaded afterwards).",
    },
  },
  examples: [
    {
      orderId: "ORD-1001",
      reason: "not_delivered",
      description: "The penetration test never started and nobody answers our e-mails.",
      attachmentsCount: 0,
    },
  ],
} as const satisfies Component;

const RECOMMENDATION_EXAMPLE = {
  id: "rec_0b6f4d2a-1c3e-4f5a-8b7c-9d0e1f2a3b4c",
  createdAt: "2026-03-02T09:00:00.000Z",
  outcome: "refund",
  amount: { amount: "4800.00", currency: "USD" },
  refunds: [
    { paymentId: "ORD-1001-PAY-1", method: "card", amount: { amount: "4800.00", currency: "USD" } },
  ],
  clauses: ["eligible.not-delivered"],
  alternatives: [],
  deadlines: {
    requestWindowEndsAt: "2026-03-12T09:00:00.000Z",
    payoutEarliest: null,
    payoutLatest: null,
  },
  policyVersion: "2026-01",
  explanation: "Work never started and the promised start date has passed: a full refund.",
  autoApprove: false,
};

export const Recommendation = {
  $id: "Recommendation",
  type: "object",
  description:
    "What the policy engine recommends for a request, with the clauses it rests on; evaluated again whenever the order's facts change.",
  properties: {
    id: { type: "string" },
    createdAt: { type: "string" },
    outcome: { type: "string", enum: [...OUTCOMES] },
    amount: nullableMoney,
    refunds: {
      type: "array",
      description: "How the amount is paid back: per payment, by its method.",
      items: {
        type: "object",
        properties: {
          paymentId: { type: "string" },
          method: { type: "string" },
          amount: money,
        },
      },
    },
    clauses: { type: "array", items: { type: "string" }, description: "Policy clause ids." },
    alternatives: { type: "array", items: { type: "string" } },
    deadlines: {
      type: "object",
      properties: {
        requestWindowEndsAt: nullableString,
        payoutEarliest: nullableString,
        payoutLatest: nullableString,
      },
    },
    policyVersion: { type: "string" },
    explanation: { type: "string" },
    autoApprove: { type: "boolean" },
  },
  examples: [RECOMMENDATION_EXAMPLE],
} as const satisfies Component;

const REQUEST_EXAMPLE = {
  id: "req_7d1e2f3a-4b5c-4d7e-8f90-a1b2c3d4e5f6",
  orderId: "ORD-1001",
  clientId: EXAMPLE_CLIENT_ID,
  reason: "not_delivered",
  description: "The penetration test never started and nobody answers our e-mails.",
  status: "in_review",
  version: 2,
  submittedAt: "2026-03-02T09:00:00.000Z",
  updatedAt: "2026-03-02T10:30:00.000Z",
  closedAt: null,
  waitingOn: "staff",
  reviewerId: "usr_quinn",
  openQuestion: null,
  policyVersion: "2026-01",
  recommendation: RECOMMENDATION_EXAMPLE,
  decision: null,
  alternative: null,
  refundable: { amount: "4800.00", currency: "USD" },
  actions: ["request_info", "approve", "deny", "offer_alternative"],
};

export const Request = {
  $id: "Request",
  type: "object",
  // Every member of the request view is always there, except `refundable` (staff only).
  required: [
    "id",
    "orderId",
    "clientId",
    "reason",
    "description",
    "status",
    "version",
    "submittedAt",
    "updatedAt",
    "closedAt",
    "waitingOn",
    "reviewerId",
    "openQuestion",
    "recommendation",
    "decision",
    "alternative",
    "actions",
  ],
  description:
    "A refund request as the caller may see it: its status and version, the recommendation, the decision, the alternative offered, and `actions`, the events the caller may send now.",
  properties: {
    id: { type: "string" },
    reference: { type: "string", description: "The short reference e-mails show: REQ-1A2B3C4D." },
    orderId: { type: "string" },
    clientId: { type: "string" },
    reason: {
      type: ["string", "null"],
      enum: [...REASONS, null],
      description: "null while the request waits in `triage` for a reviewer to classify it.",
    },
    description: { type: "string" },
    status: { type: "string", enum: [...REQUEST_STATUSES] },
    version: { type: "integer", description: "Send back as expectedVersion with staff events." },
    submittedAt: { type: "string" },
    updatedAt: { type: "string" },
    closedAt: nullableString,
    waitingOn: { type: ["string", "null"], enum: ["staff", "client", null] },
    reviewerId: nullableString,
    openQuestion: nullableString,
    policyVersion: {
      ...nullableString,
      description:
        "The policy version the request is judged under: the one in force at its submission. Every re-evaluation after new facts uses it (GET /policy/versions/{id}).",
    },
    recommendation: { anyOf: [ref("Recommendation"), { type: "null" }] },
    decision: {
      type: ["object", "null"],
      required: [
        "id",
        "outcome",
        "amount",
        "justification",
        "followsRecommendation",
        "decidedBy",
        "decidedAt",
        "appealUntil",
      ],
      properties: {
        id: nullableString,
        outcome: { type: "string", enum: ["approved", "denied"] },
        amount: nullableMoney,
        justification: nullableString,
        followsRecommendation: {
          type: "boolean",
          description: "True only when the decision is what the engine recommended.",
        },
        decidedBy: { type: "string" },
        decidedAt: { type: "string" },
        clauses: {
          type: "array",
          description: "The clauses the decision rests on, in plain words (always on a denial).",
          items: {
            type: "object",
            properties: { id: { type: "string" }, text: { type: ["string", "null"] } },
          },
        },
        appealUntil: {
          ...nullableString,
          description:
            "A denial: until when the client may contest it (`workflow.appealWindowDays` after `decidedAt`); null for an approval.",
        },
      },
    },
    alternative: {
      type: ["object", "null"],
      required: ["kind", "note", "offeredBy", "offeredAt", "accepted", "respondedAt"],
      properties: {
        kind: { type: "string" },
        note: { type: "string" },
        offeredBy: { type: "string" },
        offeredAt: { type: "string" },
        accepted: { type: ["boolean", "null"] },
        respondedAt: nullableString,
        followUp: {
          type: ["object", "null"],
          description: "After acceptance: by when and by whom the alternative is delivered.",
          properties: {
            dueAt: { type: "string" },
            ownerId: { type: "string" },
            fulfilledAt: nullableString,
          },
        },
      },
    },
    replyBy: { ...nullableString, description: "When the open question's answer is due." },
    waitingSince: nullableString,
    flags: {
      type: "object",
      properties: {
        replyOverdue: { type: "boolean", description: "The client's answer is past its reply-by." },
        atRisk: {
          type: "boolean",
          description: "Waiting on QA longer than the policy's workflow.qaAtRiskBusinessDays.",
        },
      },
    },
    appeal: {
      type: ["object", "null"],
      properties: { appealedAt: { type: "string" }, deniedBy: { type: "string" } },
    },
    refundable: { ...money, description: "Staff only: what the payments can still give back." },
    actions: {
      type: "array",
      items: { type: "string" },
      description: "The events the caller may send now (each has its route).",
    },
  },
  examples: [REQUEST_EXAMPLE],
} as const satisfies Component;

const SUMMARY_EXAMPLE = {
  id: REQUEST_EXAMPLE.id,
  orderId: "ORD-1001",
  clientId: EXAMPLE_CLIENT_ID,
  reason: "not_delivered",
  status: "in_review",
  version: 2,
  submittedAt: "2026-03-02T09:00:00.000Z",
  updatedAt: "2026-03-02T10:30:00.000Z",
  closedAt: null,
  waitingOn: "staff",
  recommendation: {
    outcome: "refund",
    amount: { amount: "4800.00", currency: "USD" },
    policyVersion: "2026-01",
    payoutLatest: null,
  },
};

export const RequestSummary = {
  $id: "RequestSummary",
  type: "object",
  required: [
    "id",
    "orderId",
    "clientId",
    "reason",
    "status",
    "version",
    "submittedAt",
    "updatedAt",
    "closedAt",
    "waitingOn",
    "recommendation",
  ],
  description:
    "A request as listed: status, who it waits on, the client's and order's names, the price, the assignee, deadline flags and the recommendation in short, so a row reads without opening it.",
  properties: {
    id: { type: "string" },
    reference: { type: "string" },
    orderId: { type: "string" },
    orderName: { type: "string", description: "The order's service name." },
    orderAmount: { ...nullableMoney, description: "The order's price." },
    clientId: { type: "string" },
    clientName: { type: "string" },
    assignee: {
      type: ["object", "null"],
      properties: { id: { type: "string" }, name: { type: "string" } },
    },
    lastClientReplyAt: nullableString,
    flags: {
      type: "object",
      properties: { replyOverdue: { type: "boolean" }, atRisk: { type: "boolean" } },
    },
    reason: {
      type: ["string", "null"],
      enum: [...REASONS, null],
      description: "null while the request waits in `triage` for a reviewer to classify it.",
    },
    status: { type: "string", enum: [...REQUEST_STATUSES] },
    version: { type: "integer" },
    submittedAt: { type: "string" },
    updatedAt: { type: "string" },
    closedAt: nullableString,
    waitingOn: { type: ["string", "null"], enum: ["staff", "client", null] },
    recommendation: {
      type: ["object", "null"],
      properties: {
        outcome: { type: "string", enum: [...OUTCOMES] },
        amount: nullableMoney,
        policyVersion: { type: "string" },
        payoutLatest: nullableString,
      },
    },
  },
  examples: [SUMMARY_EXAMPLE],
} as const satisfies Component;

const MESSAGE_EXAMPLE = {
  id: "msg_4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8",
  kind: "question",
  body: "Could you send the e-mails in which you asked for the start date?",
  author: { userId: "usr_quinn", side: "staff" },
  createdAt: "2026-03-02T11:00:00.000Z",
};

export const Message = {
  $id: "Message",
  type: "object",
  description: "A message on a request: a reviewer's question, the client's answer, or a note.",
  properties: {
    id: { type: "string" },
    kind: { type: "string", enum: ["question", "answer", "note"] },
    body: { type: "string" },
    author: {
      type: "object",
      properties: { userId: { type: "string" }, side: { type: "string" } },
    },
    internal: {
      type: "boolean",
      description: "An internal note: staff only, never shown or mailed to the client.",
    },
    createdAt: { type: "string" },
  },
  examples: [MESSAGE_EXAMPLE],
} as const satisfies Component;

const DECISION_EXAMPLE = {
  id: "dec_9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
  kind: "approve",
  amount: { amount: "4800.00", currency: "USD" },
  justification: null,
  alternative: null,
  recommendationId: RECOMMENDATION_EXAMPLE.id,
  decidedBy: "usr_quinn",
  decidedAt: "2026-03-03T14:00:00.000Z",
};

export const Decision = {
  $id: "Decision",
  type: "object",
  description:
    "One decision on a request: approve (with the amount), deny, or offer an alternative; a justification when it departs from the recommendation.",
  properties: {
    id: { type: "string" },
    kind: { type: "string", enum: ["approve", "deny", "offer_alternative"] },
    amount: nullableMoney,
    justification: nullableString,
    alternative: nullableString,
    clauses: { type: "array", items: { type: "string" }, description: "Clause ids (denials)." },
    recommendationId: nullableString,
    decidedBy: { type: "string" },
    decidedAt: { type: "string" },
  },
  examples: [DECISION_EXAMPLE],
} as const satisfies Component;

export const MessageCreate = {
  $id: "MessageCreate",
  type: "object",
  additionalProperties: false,
  required: ["body"],
  description: "A message to the other side of a request.",
  properties: {
    body: { type: "string", maxLength: MAX_TEXT, description: "Plain text." },
    internal: {
      type: "boolean",
      description:
        "Reviewers: an internal note, for staff only (the client neither sees it nor is told).",
    },
  },
  examples: [{ body: "The kick-off call was booked for 17 February; nobody joined." }],
} as const satisfies Component;

export const Alternative = {
  $id: "AlternativeKind",
  type: "string",
  enum: [...ALTERNATIVES],
  description: "What may be offered instead of a refund.",
  examples: ["re-delivery"],
} as const satisfies Component;

const TIMELINE_EXAMPLE = {
  id: "a:000000000042",
  at: "2026-03-02T09:00:00.000Z",
  kind: "request.submit",
  actor: "user:usr_alice",
  details: { from: null, to: "submitted" },
};

export const TimelineItem = {
  $id: "TimelineItem",
  type: "object",
  additionalProperties: false,
  required: ["id", "at", "kind", "actor", "details"],
  description:
    "One thing that happened to a request: an audit event, a question or answer with its words, or an e-mail sent.",
  properties: {
    id: {
      type: "string",
      description:
        "Stable within the request: `a:<audit seq>`, `m:<message id>` or `e:<outbox id>:<recipient>`.",
    },
    at: { type: "string", format: "date-time", description: "When it happened." },
    kind: {
      type: "string",
      description:
        "The audit action (e.g. request.deny, request.reply_reminded, payout.succeeded), message.question, message.answer or email.sent.",
    },
    actor: {
      type: "string",
      description: "Who: `user:<id>`, `token:<id>`, `system` or `anonymous`.",
    },
    details: {
      type: "object",
      additionalProperties: true,
      description: "The recorded facts (justification, clauses, amounts, states, recipients).",
    },
    text: { type: "string", description: "The words of a message, question or answer." },
  },
  examples: [TIMELINE_EXAMPLE],
} as const satisfies Component;

export const TimelineItemPage = pageOf("TimelineItem", TIMELINE_EXAMPLE);
export const RequestSummaryPage = pageOf("RequestSummary", SUMMARY_EXAMPLE);
export const MessagePage = pageOf("Message", MESSAGE_EXAMPLE);
export const DecisionPage = pageOf("Decision", DECISION_EXAMPLE);

export const REQUEST_COMPONENTS: readonly Component[] = [
  RequestCreate,
  Recommendation,
  Request,
  RequestSummary,
  RequestSummaryPage,
  Message,
  MessagePage,
  MessageCreate,
  Decision,
  DecisionPage,
  TimelineItem,
  TimelineItemPage,
  Alternative,
];
