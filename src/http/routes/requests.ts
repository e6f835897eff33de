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
import { postMessage } from "../../app/requests/post-message.js";
import { submitRequest, type SubmitRequestInput } from "../../app/requests/submit-request.js";
import { parseMoney } from "../../core/money/money.js";
import { CLAUSE_IDS, REASONS, type Alternative, type Reason } from "../../core/policy/index.js";
import {
  EVENT_ACTIONS,
  REQUEST_STATUSES,
  type RequestEvent,
  type RequestEventType,
} from "../../core/requests/index.js";
import { parsePageQuery } from "../../app/auth/index.js";
import { expectedVersion, ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery, type PageQueryString } from "./account-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

import { MAX_TEXT } from "./request-schemas.js";

const TAGS = ["requests"];

const version = expectedVersion("request");

const text = (description: string) =>
  ({ type: "string", maxLength: MAX_TEXT, description }) as const;

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
        "Whose move it is: client (a question or an offer is open), qa (triage, submitted or in review), finance (approved, money not out yet).",
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
    flag: {
      type: "string",
      enum: ["reply_overdue", "at_risk"],
      description:
        "Only the flagged: reply_overdue, the client's answer is past its reply-by; at_risk, waiting on QA longer than the policy's `workflow.qaAtRiskBusinessDays` (the row's `flags`).",
    },
  },
} as const;

type EventBody = Record<string, unknown>;

/** One route per event: its path segment, body schema, summary and how the body becomes the event. */
interface EventRoute {
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly body: object;
  readonly toEvent: (body: EventBody) => RequestEvent;
}

const staffBody = (
  example: EventBody,
  extra: Record<string, object> = {},
  required: string[] = [],
) => ({
  type: "object",
  additionalProperties: false,
  required: ["expectedVersion", ...required],
  properties: { expectedVersion: version, ...extra },
  examples: [example],
});

const clientBody = (
  example: EventBody,
  extra: Record<string, object> = {},
  required: string[] = [],
) => ({
  type: "object",
  additionalProperties: false,
  required,
  properties: { expectedVersion: version, ...extra },
  examples: [example],
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
  classify_reason: {
    path: "classify-reason",
    operationId: "classifyRequestReason",
    summary: "Say the reason of a request made from an e-mail (triage -> submitted)",
    description:
      "A request made from a client's e-mail that did not say its reason plainly waits in " +
      "`triage`, without a recommendation. Classifying it sets the reason and submits it: the " +
      "engine then recommends under the policy version in force when the e-mail arrived. 409 " +
      "`invalid_transition` on a request not in triage; 409 `duplicate_open_request` when the " +
      "order already has an open request for that reason.",
    body: staffBody(
      { expectedVersion: 1, reason: "not_delivered" },
      { reason: { type: "string", enum: [...REASONS], description: "The refund reason." } },
      ["reason"],
    ),
    toEvent: (b) => ({
      type: "classify_reason",
      expectedVersion: num(b),
      reason: b["reason"] as Reason,
    }),
  },
  start_review: {
    path: "start-review",
    operationId: "startRequestReview",
    summary: "Take a submitted request into review",
    description: "Moves a submitted request to in_review with the caller as its reviewer.",
    body: staffBody({ expectedVersion: 1 }),
    toEvent: (b) => ({ type: "start_review", expectedVersion: num(b) }),
  },
  request_info: {
    path: "request-info",
    operationId: "askRequestQuestion",
    summary: "Ask the client a question (the request waits for the answer)",
    description:
      "Posts the question as a message; the request waits on the client (info_requested) until it answers or the reviewer resumes.",
    body: staffBody(
      {
        expectedVersion: 2,
        question: "Could you send the e-mails in which you asked for the start date?",
      },
      { question: text("The question to the client.") },
      ["question"],
    ),
    toEvent: (b) => ({
      type: "request_info",
      expectedVersion: num(b),
      question: str(b, "question"),
    }),
  },
  answer: {
    path: "answer",
    operationId: "answerRequest",
    summary: "Answer the reviewer's question (the review resumes)",
    description:
      "The client answers the open question; the answer is posted as a message and the review resumes.",
    body: clientBody(
      { message: "Attached: our three e-mails of 17, 20 and 24 February." },
      { message: text("The client's answer.") },
      ["message"],
    ),
    toEvent: (b) => ({ type: "answer", message: str(b, "message"), ...optVersion(b) }),
  },
  resume_review: {
    path: "resume-review",
    operationId: "resumeRequestReview",
    summary: "Resume the review without waiting for an answer",
    description: "Returns an info_requested request to in_review without the client's answer.",
    body: staffBody({ expectedVersion: 3 }),
    toEvent: (b) => ({ type: "resume_review", expectedVersion: num(b) }),
  },
  approve: {
    path: "approve",
    operationId: "approveRequest",
    summary: "Approve a refund (justification required when it departs from the recommendation)",
    description:
      "Approves a refund of `amount` (in the order's currency, at most what the payments can still give back). A justification is required when the decision departs from the recommendation. The payouts follow from the approval.",
    body: staffBody(
      { expectedVersion: 2, amount: { amount: "4800.00", currency: "USD" } },
      {
        amount: ref("Money"),
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
    operationId: "denyRequest",
    summary: "Deny the request with a written reason and the clauses it rests on",
    description:
      "The reason is always required: the client reads it, with the text of each clause, in the " +
      "request and in the decision e-mail. `clauses` defaults to the recommendation's clauses; a " +
      "request without a recommendation must name at least one. On a submitted request the " +
      "review starts implicitly.",
    body: staffBody(
      {
        expectedVersion: 2,
        justification: "The VPN access was never given, so the test could not start.",
        clauses: ["excluded.client-side"],
      },
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
    operationId: "offerRequestAlternative",
    summary: "Offer an alternative instead of a refund",
    description:
      "Offers an alternative (re-delivery, support extension, additional consulting); the request waits on the client to accept or decline.",
    body: staffBody(
      {
        expectedVersion: 2,
        kind: "re-delivery",
        note: "We re-run the internal network part of the test in the week of 16 March.",
      },
      {
        kind: ref("AlternativeKind"),
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
    operationId: "acceptRequestAlternative",
    summary: "Accept the alternative offered (closes the request)",
    description: "The client accepts the alternative offered; the request is closed.",
    body: clientBody({}),
    toEvent: (b) => ({ type: "accept_alternative", ...optVersion(b) }),
  },
  decline_alternative: {
    path: "decline-alternative",
    operationId: "declineRequestAlternative",
    summary: "Decline the alternative offered (the review resumes)",
    description: "The client declines the alternative offered; the review resumes.",
    body: clientBody({}),
    toEvent: (b) => ({ type: "decline_alternative", ...optVersion(b) }),
  },
  withdraw: {
    path: "withdraw",
    operationId: "withdrawRequest",
    summary: "Withdraw the request before it is decided",
    description: "The client withdraws its request before it is decided; the request is closed.",
    body: clientBody({}),
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
    body: clientBody(
      { message: "The audit report never reached us; see the attached e-mail log." },
      { message: text("Why the denial is wrong, in the client's words.") },
      ["message"],
    ),
    toEvent: (b) => ({ type: "appeal", message: str(b, "message"), ...optVersion(b) }),
  },
  reopen: {
    path: "reopen",
    operationId: "reopenRequest",
    summary: "Reopen a request whose accepted alternative is overdue",
    description:
      "Allowed once the follow-up's due date has passed without it being marked fulfilled; " +
      "the request returns to review. 409 before the due date or after fulfilment.",
    body: clientBody(
      { message: "The re-test was due last week and never happened." },
      { message: text("What was not delivered.") },
      ["message"],
    ),
    toEvent: (b) => ({ type: "reopen", message: str(b, "message"), ...optVersion(b) }),
  },
  fulfil_follow_up: {
    path: "fulfil-follow-up",
    operationId: "fulfilFollowUp",
    summary: "Record that the accepted alternative was delivered",
    description:
      "Closes the follow-up of an accepted alternative; the client can no longer reopen the request for it.",
    body: staffBody({ expectedVersion: 7 }),
    toEvent: (b) => ({ type: "fulfil_follow_up", expectedVersion: num(b) }),
  },
};

export const requestRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: SubmitRequestInput }>(
    "/requests",
    {
      config: {
        permission: "request.create",
        problems: {
          404: "`orderId` is not one of the client's orders (or does not exist) (`not_found`).",
          409: "An open request on the same order and reason exists (`duplicate_open_request`, naming it).",
          422: "The order cannot take a request now (`unprocessable`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "createRequest",
        summary: "Open a refund request on one of the client's orders",
        description:
          "A client opens a request on one of its orders; the policy engine evaluates it at once and the answer carries the recommendation. A second open request on the same order and reason answers 409 `duplicate_open_request`.",
        body: ref("RequestCreate"),
        response: { 201: ref("Request") },
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
        operationId: "listRequests",
        summary: "List requests, newest first (clients: their own), with filters",
        description:
          "A Page of request summaries; filters combine (status, reason, recommended outcome, client, order, submission period, payout due dates).",
        querystring: listQuery,
        response: { 200: ref("RequestSummaryPage") },
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
            examples: [
              {
                counts: {
                  triage: 1,
                  submitted: 3,
                  in_review: 2,
                  info_requested: 1,
                  approved: 4,
                  denied: 1,
                  alternative_offered: 0,
                  alternative_accepted: 0,
                  withdrawn: 0,
                },
                total: 12,
              },
            ],
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
        response: { 200: ref("Request") },
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
          response: { 200: ref("Request") },
        },
      },
      async (request) =>
        assignRequest(deps, ctxOf(request), request.params.id, toInput(request.body ?? {})),
    );
  const optionalVersion = {
    type: "object",
    additionalProperties: false,
    properties: { expectedVersion: version },
    examples: [{ expectedVersion: 3 }],
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
      examples: [{ userId: "usr_quinn", expectedVersion: 3 }],
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
        operationId: "getRequest",
        summary: "Read a request with its recommendation, decision and the caller's actions",
        description:
          "`actions` lists the events the caller may send now; `version` goes back as `expectedVersion` with a staff event.",
        params: idParams,
        response: { 200: ref("Request") },
      },
    },
    async (request) => getRequest(deps, ctxOf(request), request.params.id),
  );

  app.get<{ Params: IdParams; Querystring: PageQueryString }>(
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
          "to staff; payout steps only where its refund stands, without the provider's answer, " +
          "finance's notes, approvals or staff ids: `actor` is `staff`). Oldest first, a page at " +
          "a time (`limit`, `cursor`).",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("TimelineItemPage") },
      },
    },
    async (request) =>
      requestTimeline(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );

  app.get<{ Params: IdParams; Querystring: PageQueryString }>(
    "/requests/:id/decisions",
    {
      config: { permission: "request.read" },
      schema: {
        tags: TAGS,
        operationId: "listRequestDecisions",
        summary: "The decision history of a request, oldest first",
        description:
          "Every approval, denial and alternative offered, with who decided and why, a page at a time (`limit`, `cursor`).",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("DecisionPage") },
      },
    },
    async (request) =>
      listDecisions(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );

  app.get<{ Params: IdParams; Querystring: PageQueryString }>(
    "/requests/:id/messages",
    {
      config: { permission: "message.read" },
      schema: {
        tags: TAGS,
        operationId: "listRequestMessages",
        summary: "The messages of a request (questions, answers, notes), oldest first",
        description:
          "The conversation between the client and the reviewers, a page at a time (`limit`, `cursor`); internal notes only for reviewers.",
        params: idParams,
        querystring: pageQuery,
        response: { 200: ref("MessagePage") },
      },
    },
    async (request) =>
      listMessages(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
  );

  app.post<{ Params: IdParams; Body: { body: string; internal?: boolean } }>(
    "/requests/:id/messages",
    {
      config: {
        permission: "message.create",
        problems: {
          409: "A client writing on a closed request (`invalid_transition`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "createRequestMessage",
        summary: "Write a message on a request (clients: while it is open)",
        description: "The other side is notified by e-mail (and webhook `message_posted`).",
        params: idParams,
        body: ref("MessageCreate"),
        response: { 201: ref("Message") },
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
        config: {
          permission: EVENT_ACTIONS[type],
          problems: {
            409: "The event is not allowed in the request's status (`invalid_transition`, with `state` and `currentVersion`).",
            422: "The decision breaks a rule (`unprocessable`): a justification is required to depart from the recommendation; the amount must be above 0, in the order's currency and within what the payments can still give back.",
          },
        },
        // A client event has only optional fields, so it may be sent without a body at all.
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
        schema: {
          tags: TAGS,
          operationId: route.operationId,
          summary: route.summary,
          description: route.description,
          params: idParams,
          body: route.body,
          response: { 200: ref("Request") },
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
