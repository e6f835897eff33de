// /requests: intake, reads and lists, the review workflow (one route per event, each with the
// permission of its event), messages and the decision history. Thin: schema, one use case.

import { invalidField } from "../../app/errors.js";
import { applyRequestEvent } from "../../app/requests/apply-request-event.js";
import { getRequest } from "../../app/requests/get-request.js";
import { listDecisions } from "../../app/requests/list-decisions.js";
import { listMessages } from "../../app/requests/list-messages.js";
import {
  countRequests,
  findRequestIdByReference,
  listRequests,
  type ListRequestsQuery,
} from "../../app/requests/list-requests.js";
import { assignRequest, type AssignInput } from "../../app/requests/assign-request.js";
import { requestTimeline } from "../../app/requests/timeline.js";
import { MAX_MESSAGE_LENGTH, postMessage } from "../../app/requests/post-message.js";
import { submitRequest, type SubmitRequestInput } from "../../app/requests/submit-request.js";
import { parseMoney } from "../../core/money/money.js";
import { ALTERNATIVES, CLAUSE_IDS, REASONS, type Alternative } from "../../core/policy/index.js";
import {
  EVENT_ACTIONS,
  REQUEST_STATUSES,
  type RequestEvent,
  type RequestEventType,
} from "../../core/requests/index.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["requests"];
const MAX_TEXT = 10_000;

const moneySchema = {
  type: "object",
  additionalProperties: false,
  required: ["amount", "currency"],
  properties: {
    amount: {
      type: "string",
      maxLength: 64,
      description: 'Decimal string in the currency\'s units, e.g. "4800.00"; never a JSON number.',
    },
    currency: { type: "string", minLength: 1, maxLength: 12 },
  },
} as const;

const nullableMoney = { ...moneySchema, type: ["object", "null"] } as const;
const nullableString = { type: ["string", "null"] } as const;

const version = {
  type: "integer",
  minimum: 0,
  maximum: 2_147_483_647,
  description:
    "The request's version as the caller last read it (optimistic concurrency): required on " +
    "reviewer steps, optional on the client's. When the request has changed since, the answer is " +
    "409 `version_conflict` with `currentVersion`; reload and decide again.",
} as const;

const text = (description: string) =>
  ({ type: "string", maxLength: MAX_TEXT, description }) as const;

const submitBody = {
  type: "object",
  additionalProperties: false,
  required: ["orderId", "reason", "description"],
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
} as const;

const recommendationJson = {
  type: ["object", "null"],
  properties: {
    id: { type: "string" },
    createdAt: { type: "string" },
    outcome: { type: "string", enum: ["refund", "review", "deny", "incomplete"] },
    amount: nullableMoney,
    refunds: {
      type: "array",
      items: {
        type: "object",
        properties: {
          paymentId: { type: "string" },
          method: { type: "string" },
          amount: moneySchema,
        },
      },
    },
    clauses: { type: "array", items: { type: "string" } },
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
} as const;

const clauseJson = {
  type: "object",
  properties: {
    id: { type: "string", description: "A policy clause id, e.g. excluded.completed." },
    text: {
      type: ["string", "null"],
      description: "The clause's words in the policy in force (null if it no longer has it).",
    },
  },
} as const;

const requestJson = {
  type: "object",
  properties: {
    id: { type: "string" },
    reference: { type: "string", description: "The short reference e-mails show: REQ-1A2B3C4D." },
    orderId: { type: "string" },
    clientId: { type: "string" },
    reason: { type: "string" },
    description: { type: "string" },
    status: { type: "string", enum: [...REQUEST_STATUSES] },
    version: { type: "integer" },
    submittedAt: { type: "string" },
    updatedAt: { type: "string" },
    closedAt: nullableString,
    waitingOn: { type: ["string", "null"], enum: ["staff", "client", null] },
    reviewerId: nullableString,
    openQuestion: nullableString,
    recommendation: recommendationJson,
    decision: {
      type: ["object", "null"],
      properties: {
        id: nullableString,
        outcome: { type: "string" },
        amount: nullableMoney,
        justification: nullableString,
        followsRecommendation: { type: "boolean" },
        decidedBy: { type: "string" },
        decidedAt: { type: "string" },
        clauses: {
          type: "array",
          items: clauseJson,
          description: "The clauses the decision rests on, in plain words (always on a denial).",
        },
      },
    },
    alternative: {
      type: ["object", "null"],
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
    refundable: {
      ...moneySchema,
      description: "Staff only: what the payments can still give back.",
    },
    actions: {
      type: "array",
      items: { type: "string" },
      description: "The events the caller may send now (each has its route).",
    },
  },
} as const;

const listItemJson = {
  type: "object",
  properties: {
    id: { type: "string" },
    reference: { type: "string", description: "REQ-1A2B3C4D, as e-mails show it." },
    orderId: { type: "string" },
    orderName: { type: "string", description: "The order's service name." },
    orderAmount: { ...nullableMoney, description: "The order's price." },
    clientId: { type: "string" },
    clientName: { type: "string" },
    reason: { type: "string" },
    status: { type: "string" },
    version: { type: "integer" },
    submittedAt: { type: "string" },
    updatedAt: { type: "string" },
    closedAt: nullableString,
    waitingOn: { type: ["string", "null"], enum: ["staff", "client", null] },
    assignee: {
      type: ["object", "null"],
      description: "The reviewer who has the request (claimed or assigned).",
      properties: { id: { type: "string" }, name: { type: "string" } },
    },
    lastClientReplyAt: nullableString,
    flags: {
      type: "object",
      properties: { replyOverdue: { type: "boolean" }, atRisk: { type: "boolean" } },
    },
    recommendation: {
      type: ["object", "null"],
      properties: {
        outcome: { type: "string" },
        amount: nullableMoney,
        policyVersion: { type: "string" },
        payoutLatest: nullableString,
      },
    },
  },
} as const;

const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "string", pattern: "^[0-9]{1,3}$", description: "1-100, default 25." },
    cursor: { type: "string", maxLength: 400, description: "nextCursor of the previous page." },
    status: {
      type: "string",
      maxLength: 200,
      description: `One status or several separated by commas (${REQUEST_STATUSES.join(", ")}).`,
    },
    waitingOn: {
      type: "string",
      enum: ["client", "qa", "finance"],
      description:
        "Whose move it is: client (a question or an offer is open), qa (submitted or in review), finance (approved, money not out yet).",
    },
    assignee: {
      type: "string",
      minLength: 1,
      maxLength: 200,
      description: "`me`, `unassigned`, or a reviewer's user id.",
    },
    sort: {
      type: "string",
      enum: ["newest", "age", "window_end", "last_client_reply"],
      description:
        "newest first (default); age: oldest first; window_end: the request window's end, soonest first; last_client_reply: the client's latest answer or message first.",
    },
    reason: { type: "string", enum: [...REASONS] },
    recommendedOutcome: { type: "string", enum: ["refund", "review", "deny", "incomplete"] },
    clientId: { type: "string", minLength: 1, maxLength: 200, description: "Staff: one client." },
    orderId: { type: "string", minLength: 1, maxLength: 200 },
    submittedFrom: { type: "string", maxLength: 64, description: "ISO instant, inclusive." },
    submittedTo: { type: "string", maxLength: 64, description: "ISO instant, exclusive." },
    dueFrom: {
      type: "string",
      maxLength: 10,
      description: "YYYY-MM-DD: the recommendation's latest payout date, inclusive.",
    },
    dueTo: { type: "string", maxLength: 10, description: "YYYY-MM-DD, inclusive." },
  },
} as const;

const messageJson = {
  type: "object",
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
} as const;

const decisionRowJson = {
  type: "object",
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
} as const;

const itemsOf = (items: object) =>
  ({
    type: "object",
    properties: { items: { type: "array", items }, nextCursor: nullableString },
  }) as const;

type EventBody = Record<string, unknown>;

/** One route per event: its path segment, body schema, summary and how the body becomes the event. */
interface EventRoute {
  readonly path: string;
  readonly summary: string;
  /** For the OpenAPI document (routes added since issue 12 carry theirs). */
  readonly operationId?: string;
  readonly description?: string;
  readonly body: object;
  readonly toEvent: (body: EventBody) => RequestEvent;
}

const staffBody = (extra: Record<string, object> = {}, required: string[] = []) => ({
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", ...required],
  properties: { expectedVersion: version, ...extra },
});

const clientBody = (extra: Record<string, object> = {}, required: string[] = []) => ({
  type: "object",
  additionalProperties: false,
  required,
  properties: { expectedVersion: version, ...extra },
});

const optVersion = (b: EventBody) =>
  typeof b["expectedVersion"] === "number" ? { expectedVersion: b["expectedVersion"] } : {};
const num = (b: EventBody) => b["expectedVersion"] as number;
const str = (b: EventBody, k: string) => b[k] as string;
const optStr = (b: EventBody, k: string) =>
  typeof b[k] === "string" ? { [k]: b[k] as string } : {};

function amountOf(b: EventBody) {
  const m = b["amount"] as { amount: string; currency: string };
  const parsed = parseMoney(m.amount, m.currency);
  if (!parsed.ok) throw invalidField(`body.amount.${parsed.field}`, parsed.message);
  return parsed.value;
}

const EVENT_ROUTES: Readonly<Record<RequestEventType, EventRoute>> = {
  start_review: {
    path: "start-review",
    summary: "Take a submitted request into review",
    body: staffBody(),
    toEvent: (b) => ({ type: "start_review", expectedVersion: num(b) }),
  },
  request_info: {
    path: "request-info",
    summary: "Ask the client a question (the request waits for the answer)",
    body: staffBody({ question: text("The question to the client.") }, ["question"]),
    toEvent: (b) => ({
      type: "request_info",
      expectedVersion: num(b),
      question: str(b, "question"),
    }),
  },
  answer: {
    path: "answer",
    summary: "Answer the reviewer's question (the review resumes)",
    body: clientBody({ message: text("The client's answer.") }, ["message"]),
    toEvent: (b) => ({ type: "answer", message: str(b, "message"), ...optVersion(b) }),
  },
  resume_review: {
    path: "resume-review",
    summary: "Resume the review without waiting for an answer",
    body: staffBody(),
    toEvent: (b) => ({ type: "resume_review", expectedVersion: num(b) }),
  },
  approve: {
    path: "approve",
    summary: "Approve a refund (justification required when it departs from the recommendation)",
    body: staffBody(
      {
        amount: moneySchema,
        justification: text("Why, when the decision departs from the recommendation."),
      },
      ["amount"],
    ),
    toEvent: (b) => ({
      type: "approve",
      expectedVersion: num(b),
      amount: amountOf(b),
      ...optStr(b, "justification"),
    }),
  },
  deny: {
    path: "deny",
    summary: "Deny the request with a written reason and the clauses it rests on",
    description:
      "The reason is always required: the client reads it, with the text of each clause, in the " +
      "request and in the decision e-mail. `clauses` defaults to the recommendation's clauses; a " +
      "request without a recommendation must name at least one. On a submitted request the " +
      "review starts implicitly.",
    body: staffBody(
      {
        justification: text("Why, in words for the client (required, not blank)."),
        clauses: {
          type: "array",
          minItems: 1,
          maxItems: CLAUSE_IDS.length,
          uniqueItems: true,
          items: { type: "string", enum: [...CLAUSE_IDS] },
          description: "Policy clause ids the denial rests on (default: the recommendation's).",
        },
      },
      ["justification"],
    ),
    toEvent: (b) => ({
      type: "deny",
      expectedVersion: num(b),
      ...optStr(b, "justification"),
      ...(Array.isArray(b["clauses"]) ? { clauses: b["clauses"] as string[] } : {}),
    }),
  },
  offer_alternative: {
    path: "offer-alternative",
    summary: "Offer an alternative instead of a refund",
    body: staffBody(
      {
        kind: { type: "string", enum: [...ALTERNATIVES] },
        note: text("What is offered, in words for the client."),
      },
      ["kind", "note"],
    ),
    toEvent: (b) => ({
      type: "offer_alternative",
      expectedVersion: num(b),
      kind: b["kind"] as Alternative,
      note: str(b, "note"),
    }),
  },
  accept_alternative: {
    path: "accept-alternative",
    summary: "Accept the alternative offered (closes the request)",
    body: clientBody(),
    toEvent: (b) => ({ type: "accept_alternative", ...optVersion(b) }),
  },
  decline_alternative: {
    path: "decline-alternative",
    summary: "Decline the alternative offered (the review resumes)",
    body: clientBody(),
    toEvent: (b) => ({ type: "decline_alternative", ...optVersion(b) }),
  },
  withdraw: {
    path: "withdraw",
    summary: "Withdraw the request before it is decided",
    body: clientBody(),
    toEvent: (b) => ({ type: "withdraw", ...optVersion(b) }),
  },
  appeal: {
    path: "appeal",
    operationId: "appealRequest",
    summary: "Appeal a denial (once, within the policy's appeal window)",
    description:
      "The client contests the denial with a message (documents may be uploaded to the request " +
      "afterwards, while the appeal is open). The request returns to review without a reviewer; " +
      "the reviewer who denied may not decide it again (403). 409 when the window " +
      "(`workflow.appealWindowDays` after the denial) has passed or the denial was appealed already.",
    body: clientBody({ message: text("Why the denial is wrong, in the client's words.") }, [
      "message",
    ]),
    toEvent: (b) => ({ type: "appeal", message: str(b, "message"), ...optVersion(b) }),
  },
  reopen: {
    path: "reopen",
    operationId: "reopenRequest",
    summary: "Reopen a request whose accepted alternative is overdue",
    description:
      "Allowed once the follow-up's due date has passed without it being marked fulfilled; " +
      "the request returns to review. 409 before the due date or after fulfilment.",
    body: clientBody({ message: text("What was not delivered.") }, ["message"]),
    toEvent: (b) => ({ type: "reopen", message: str(b, "message"), ...optVersion(b) }),
  },
  fulfil_follow_up: {
    path: "fulfil-follow-up",
    operationId: "fulfilFollowUp",
    summary: "Record that the accepted alternative was delivered",
    description:
      "Closes the follow-up of an accepted alternative; the client can no longer reopen the request for it.",
    body: staffBody(),
    toEvent: (b) => ({ type: "fulfil_follow_up", expectedVersion: num(b) }),
  },
};

export const requestRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: SubmitRequestInput }>(
    "/requests",
    {
      config: { permission: "request.create" },
      schema: {
        tags: TAGS,
        summary: "Open a refund request on one of the client's orders",
        body: submitBody,
        response: { 201: requestJson },
      },
    },
    async (request, reply) => {
      const view = await submitRequest(deps, ctxOf(request), request.body);
      return reply
        .code(201)
        .header("location", `/api/v1/requests/${encodeURIComponent(view.id)}`)
        .send(view);
    },
  );

  app.get<{ Querystring: ListRequestsQuery }>(
    "/requests",
    {
      config: { permission: "request.list" },
      schema: {
        tags: TAGS,
        summary: "List requests, newest first (clients: their own), with filters",
        querystring: listQuery,
        response: {
          200: {
            type: "object",
            properties: {
              items: { type: "array", items: listItemJson },
              nextCursor: nullableString,
            },
          },
        },
      },
    },
    async (request) => listRequests(deps, ctxOf(request), request.query),
  );

  app.get<{ Querystring: ListRequestsQuery }>(
    "/requests/counts",
    {
      config: { permission: "request.list" },
      schema: {
        tags: TAGS,
        operationId: "countRequests",
        summary: "Count requests per status for the filters in force",
        description:
          "The same filters as the list (every one but `status`, `sort`, `limit` and `cursor`), " +
          "counted per status, so a queue shows how many wait in each.",
        querystring: {
          ...listQuery,
          properties: Object.fromEntries(
            Object.entries(listQuery.properties).filter(
              ([k]) => !["status", "sort", "limit", "cursor"].includes(k),
            ),
          ),
        },
        response: {
          200: {
            type: "object",
            required: ["counts", "total"],
            properties: {
              counts: {
                type: "object",
                properties: Object.fromEntries(
                  REQUEST_STATUSES.map((st) => [st, { type: "integer" }]),
                ),
              },
              total: { type: "integer" },
            },
          },
        },
      },
    },
    async (request) => countRequests(deps, ctxOf(request), request.query),
  );

  app.get<{ Params: { reference: string } }>(
    "/requests/by-reference/:reference",
    {
      config: { permission: "request.read" },
      schema: {
        tags: TAGS,
        operationId: "getRequestByReference",
        summary: "Find a request by the short reference e-mails show (REQ-1A2B3C4D)",
        description:
          "Answers the request like GET /requests/{id}. A client finds only its own; any other " +
          "reference answers 404 like an unknown one.",
        params: {
          type: "object",
          additionalProperties: false,
          required: ["reference"],
          properties: { reference: { type: "string", minLength: 1, maxLength: 40 } },
        },
        response: { 200: requestJson },
      },
    },
    async (request) =>
      getRequest(
        deps,
        ctxOf(request),
        await findRequestIdByReference(deps, ctxOf(request), request.params.reference),
      ),
  );

  const assignRoute = (
    path: string,
    operationId: string,
    summary: string,
    description: string,
    body: object,
    toInput: (b: Record<string, unknown>) => AssignInput,
  ) =>
    app.post<{ Params: IdParams; Body: Record<string, unknown> | undefined }>(
      `/requests/:id/${path}`,
      {
        config: { permission: "request.assign" },
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
        schema: {
          tags: TAGS,
          operationId,
          summary,
          description,
          params: idParams,
          body,
          response: { 200: requestJson },
        },
      },
      async (request) =>
        assignRequest(deps, ctxOf(request), request.params.id, toInput(request.body ?? {})),
    );
  const optionalVersion = {
    type: "object",
    additionalProperties: false,
    properties: { expectedVersion: version },
  };
  const withVersion = (b: Record<string, unknown>) =>
    typeof b["expectedVersion"] === "number" ? { expectedVersion: b["expectedVersion"] } : {};
  assignRoute(
    "claim",
    "claimRequest",
    "Take an open request as one's own (reviewers)",
    "The caller becomes its reviewer; audited. The reviewer who denied an appealed request may not.",
    optionalVersion,
    (b) => ({ mode: "claim", ...withVersion(b) }),
  );
  assignRoute(
    "assign",
    "assignRequest",
    "Give an open request to a reviewer (qa or admin)",
    "Audited with the previous reviewer. `userId` must be an active qa or admin user (400 otherwise).",
    {
      type: "object",
      additionalProperties: false,
      required: ["userId"],
      properties: {
        userId: { type: "string", minLength: 1, maxLength: 200 },
        expectedVersion: version,
      },
    },
    (b) => ({ mode: "assign", userId: b["userId"] as string, ...withVersion(b) }),
  );
  assignRoute(
    "unassign",
    "unassignRequest",
    "Take a request back from its reviewer (it goes back to the unassigned queue)",
    "Audited with the previous reviewer.",
    optionalVersion,
    (b) => ({ mode: "unassign", ...withVersion(b) }),
  );

  app.get<{ Params: IdParams }>(
    "/requests/:id",
    {
      config: { permission: "request.read" },
      schema: {
        tags: TAGS,
        summary: "Read a request with its recommendation, decision and the caller's actions",
        params: idParams,
        response: { 200: requestJson },
      },
    },
    async (request) => getRequest(deps, ctxOf(request), request.params.id),
  );

  app.get<{ Params: IdParams }>(
    "/requests/:id/timeline",
    {
      config: { permission: "request.read" },
      schema: {
        tags: TAGS,
        operationId: "getRequestTimeline",
        summary: "Everything that happened to a request, in order",
        description:
          "From the audit trail and the e-mail deliveries: submission, recommendations and " +
          "re-evaluations, review steps, questions and answers (with their words), decisions " +
          "with justification and clauses, alternatives, appeals, follow-ups, assignment, " +
          "messages, attachments, payouts and their states, e-mails sent. Staff see everything; " +
          "the client sees its subset (no internal notes, re-evaluations, assignments or e-mails " +
          "to staff).",
        params: idParams,
        response: {
          200: {
            type: "object",
            required: ["items", "nextCursor"],
            properties: {
              items: {
                type: "array",
                items: {
                  type: "object",
                  required: ["at", "kind", "actor", "details"],
                  properties: {
                    at: { type: "string" },
                    kind: {
                      type: "string",
                      description: "e.g. request.deny, payout.succeeded, email.sent",
                    },
                    actor: { type: "string" },
                    details: { type: "object", additionalProperties: true },
                    text: { type: "string" },
                  },
                },
              },
              nextCursor: nullableString,
            },
          },
        },
      },
    },
    async (request) => requestTimeline(deps, ctxOf(request), request.params.id),
  );

  app.get<{ Params: IdParams }>(
    "/requests/:id/decisions",
    {
      config: { permission: "request.read" },
      schema: {
        tags: TAGS,
        summary: "The decision history of a request, oldest first",
        params: idParams,
        response: { 200: itemsOf(decisionRowJson) },
      },
    },
    async (request) => listDecisions(deps, ctxOf(request), request.params.id),
  );

  app.get<{ Params: IdParams }>(
    "/requests/:id/messages",
    {
      config: { permission: "message.read" },
      schema: {
        tags: TAGS,
        summary: "The messages of a request (questions, answers, notes), oldest first",
        params: idParams,
        response: { 200: itemsOf(messageJson) },
      },
    },
    async (request) => listMessages(deps, ctxOf(request), request.params.id),
  );

  app.post<{ Params: IdParams; Body: { body: string; internal?: boolean } }>(
    "/requests/:id/messages",
    {
      config: { permission: "message.create" },
      schema: {
        tags: TAGS,
        summary: "Write a message on a request (clients: while it is open), or an internal note",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["body"],
          properties: {
            body: { type: "string", maxLength: MAX_MESSAGE_LENGTH },
            internal: {
              type: "boolean",
              description:
                "Reviewers: an internal note, for staff only (the client neither sees it nor is told).",
            },
          },
        },
        params: idParams,
        response: { 201: messageJson },
      },
    },
    async (request, reply) => {
      const message = await postMessage(deps, ctxOf(request), {
        requestId: request.params.id,
        body: request.body.body,
        ...(request.body.internal === undefined ? {} : { internal: request.body.internal }),
      });
      return reply.code(201).send(message);
    },
  );

  for (const [type, route] of Object.entries(EVENT_ROUTES) as [RequestEventType, EventRoute][]) {
    app.post<{ Params: IdParams; Body: EventBody | undefined }>(
      `/requests/:id/${route.path}`,
      {
        config: { permission: EVENT_ACTIONS[type] },
        // A client event has only optional fields, so it may be sent without a body at all.
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
        schema: {
          tags: TAGS,
          summary: route.summary,
          ...(route.operationId === undefined ? {} : { operationId: route.operationId }),
          ...(route.description === undefined ? {} : { description: route.description }),
          params: idParams,
          body: route.body,
          response: { 200: requestJson },
        },
      },
      async (request) =>
        applyRequestEvent(deps, ctxOf(request), {
          requestId: request.params.id,
          event: route.toEvent(request.body ?? {}),
        }),
    );
  }
};
