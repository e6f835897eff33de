// /inbound-mail (issue 19, ADR 0033): QA's triage of the e-mail the desk could not file by
// itself. A list (Page, oldest first; `?status=open` by default), one item, and four actions,
// each audited. Thin: schema, permission (`mail.triage`), one use case, present.

import { parsePageQuery } from "../../app/auth/index.js";
import { attachmentLimitsFromEnv } from "../../app/attachments/storage.js";
import {
  getInboundMail,
  listInboundMail,
  parseInboundStatuses,
  resolveInboundMail,
  type TriageAction,
} from "../../app/inbound/triage.js";
import type { Reason } from "../../core/policy/index.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["inbound e-mail"];

interface ListQuery {
  limit?: string;
  cursor?: string;
  status?: string;
}

const PROBLEMS = {
  409: "The e-mail is not waiting for triage (resolved already, or another reviewer is resolving it).",
  422: "The client, request or order named does not exist or does not fit (`unprocessable`, naming the field).",
};

export const inboundMailRoutes: RoutePlugin = (app, deps) => {
  const limits = attachmentLimitsFromEnv(process.env);

  app.get<{ Querystring: ListQuery }>(
    "/inbound-mail",
    {
      config: { permission: "mail.triage" },
      schema: {
        tags: TAGS,
        operationId: "listInboundMail",
        summary: "List inbound e-mail waiting for triage (reviewers), oldest first",
        description:
          "A Page of the e-mail the desk received and could not file by itself: unknown senders, no single order named, a reason not said plainly, a reply to a closed request, DMARC failures for a known client's domain (`quarantined`), forged replies (`refused`), and what could not be processed (`failed`). `status` takes `open` (the default: all of those) or states separated by commas.",
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            status: {
              type: "string",
              maxLength: 200,
              description:
                "`open` (default), or one or more of stored, done, ignored, triage, quarantined, refused, failed, discarded, separated by commas.",
              examples: ["open", "triage,quarantined"],
            },
          },
        },
        response: { 200: ref("InboundMailPage") },
      },
    },
    async (request) =>
      listInboundMail(deps, ctxOf(request), {
        statuses: parseInboundStatuses(request.query.status),
        page: parsePageQuery(request.query),
      }),
  );

  app.get<{ Params: IdParams }>(
    "/inbound-mail/:id",
    {
      config: { permission: "mail.triage" },
      schema: {
        tags: TAGS,
        operationId: "getInboundMail",
        summary: "Read one inbound e-mail and what became of it (reviewers)",
        description:
          "Its sender, subject, the start of its text, authentication results and outcome.",
        params: idParams,
        response: { 200: ref("InboundMail") },
      },
    },
    async (request) => getInboundMail(deps, ctxOf(request), request.params.id),
  );

  const action = <B>(
    path: string,
    operationId: string,
    summary: string,
    description: string,
    body: string,
    toAction: (body: B) => TriageAction,
  ) =>
    app.post<{ Params: IdParams; Body: B }>(
      `/inbound-mail/:id/${path}`,
      {
        config: { permission: "mail.triage", problems: PROBLEMS },
        schema: {
          tags: TAGS,
          operationId,
          summary,
          description: `${description} Audited.`,
          params: idParams,
          body: ref(body),
          response: { 200: ref("InboundMail") },
        },
      },
      async (request) =>
        resolveInboundMail(
          deps,
          ctxOf(request),
          limits,
          request.params.id,
          toAction(request.body as B),
        ),
    );

  action<{ clientId: string }>(
    "assign-to-client",
    "assignInboundMailToClient",
    "Say which client an e-mail is from (reviewers)",
    "The e-mail goes through the intake again with that client: it becomes a request when its order and reason are plain, or waits again for them.",
    "InboundMailAssign",
    (b) => ({ action: "assign_to_client", clientId: b.clientId }),
  );
  action<{ requestId: string }>(
    "attach-to-request",
    "attachInboundMailToRequest",
    "Attach an e-mail to a request (reviewers)",
    "From a contact of the request's client it is their message (their answer when a question is open); otherwise your internal note quoting it. Attachments become documents of the request after the uploads' checks.",
    "InboundMailAttach",
    (b) => ({ action: "attach_to_request", requestId: b.requestId }),
  );
  action<{ reason: Reason; orderId?: string }>(
    "classify-reason",
    "classifyInboundMailReason",
    "Say the reason (and order) of an e-mail's refund request (reviewers)",
    "The request is made as the client's contact (or by the system on the client's behalf), judged by the engine, and the client gets the usual acknowledgement.",
    "InboundMailClassify",
    (b) => ({
      action: "classify_reason",
      reason: b.reason,
      ...(b.orderId === undefined ? {} : { orderId: b.orderId }),
    }),
  );
  action<{ note?: string }>(
    "discard",
    "discardInboundMail",
    "Discard an e-mail (reviewers)",
    "It is kept, out of the triage list.",
    "InboundMailDiscard",
    (b) => ({ action: "discard", ...(b.note === undefined ? {} : { note: b.note }) }),
  );
};
