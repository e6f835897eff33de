// /requests: intake, reads and lists, the review workflow (one route per event, each with the
// permission of its event), messages and the decision history. Thin: schema, one use case.

import { invalidField } from "../../app/errors.js";
import { applyRequestEvent } from "../../app/requests/apply-request-event.js";
import { getRequest } from "../../app/requests/get-request.js";
import { listDecisions } from "../../app/requests/list-decisions.js";
import { listMessages } from "../../app/requests/list-messages.js";
import { listRequests, type ListRequestsQuery } from "../../app/requests/list-requests.js";
import { postMessage } from "../../app/requests/post-message.js";
import { submitRequest, type SubmitRequestInput } from "../../app/requests/submit-request.js";
import { parseMoney } from "../../core/money/money.js";
import { REASONS, type Alternative } from "../../core/policy/index.js";
import {
  EVENT_ACTIONS,
  REQUEST_STATUSES,
  type RequestEvent,
  type RequestEventType,
} from "../../core/requests/index.js";
import { expectedVersion, ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
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
    status: { type: "string", enum: [...REQUEST_STATUSES] },
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
    summary: "Deny the request (justification required when a refund was recommended)",
    description:
      "Denies the request; a justification is required when the recommendation was a refund.",
    body: staffBody(
      {
        expectedVersion: 2,
        justification: "The report was delivered on 2 March and accepted by Acme on 3 March.",
      },
      { justification: text("Why, when a refund was recommended.") },
    ),
    toEvent: (b) => ({ type: "deny", expectedVersion: num(b), ...optStr(b, "justification") }),
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

  app.get<{ Params: IdParams }>(
    "/requests/:id/decisions",
    {
      config: { permission: "request.read" },
      schema: {
        tags: TAGS,
        operationId: "listRequestDecisions",
        summary: "The decision history of a request, oldest first",
        description: "Every approval, denial and alternative offered, with who decided and why.",
        params: idParams,
        response: { 200: ref("DecisionList") },
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
        operationId: "listRequestMessages",
        summary: "The messages of a request (questions, answers, notes), oldest first",
        description: "The conversation between the client and the reviewers.",
        params: idParams,
        response: { 200: ref("MessageList") },
      },
    },
    async (request) => listMessages(deps, ctxOf(request), request.params.id),
  );

  app.post<{ Params: IdParams; Body: { body: string } }>(
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
