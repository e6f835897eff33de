// The core's refusals as AppErrors: one place decides status, field and problem members.

import { refusal, type Actor } from "../../core/access/index.js";
import { formatMinor, moneyToJson } from "../../core/money/money.js";
import type {
  IntakeError,
  RequestEventType,
  RequestSnapshot,
  RequestStatus,
  TransitionError,
} from "../../core/requests/index.js";
import { AppError, invalidField } from "../errors.js";

/** What each event does, in words that finish "you cannot ...". */
const EVENT_WORDS: Readonly<Record<RequestEventType, string>> = {
  classify_reason: "classify its reason (only a request in triage waits for one)",
  start_review: "start reviewing it",
  request_info: "ask the client a question",
  resume_review: "resume the review",
  approve: "approve it",
  deny: "deny it",
  offer_alternative: "offer an alternative",
  answer: "answer a question (no question is open)",
  accept_alternative: "accept an alternative (none is on offer)",
  decline_alternative: "decline an alternative (none is on offer)",
  withdraw: "withdraw it",
  appeal: "appeal it (only a denial can be appealed)",
  reopen: "reopen it (only an accepted alternative that is overdue can be)",
  fulfil_follow_up: "mark a follow-up fulfilled (there is none open)",
};

/** Where a request stands, in words that finish "the request ...". */
const STATE_WORDS: Readonly<Record<RequestStatus, string>> = {
  triage: "came by e-mail and waits for a reviewer to classify its reason",
  submitted: "is submitted and waits for a reviewer",
  in_review: "is being reviewed",
  info_requested: "waits for the client's answer",
  approved: "is closed: it was approved",
  denied: "is closed: it was denied",
  alternative_offered: "waits for the client to accept or decline the alternative offered",
  alternative_accepted: "is closed: the client accepted the alternative",
  withdrawn: "is closed: the client withdrew it",
};

/** "The request is being reviewed, so you cannot answer a question (no question is open)." */
export function transitionRefusal(state: RequestStatus, event: RequestEventType): string {
  return `The request ${STATE_WORDS[state]}, so you cannot ${EVENT_WORDS[event]}.`;
}

/** A refused transition: 409 with the current state and version, 400/422 naming the field. */
export function transitionError(
  e: TransitionError,
  current: Pick<RequestSnapshot, "status" | "version">,
  actor: Actor | null = null,
): AppError {
  const where = { state: current.status, currentVersion: current.version };
  switch (e.code) {
    case "invalid_transition":
      return new AppError("invalid_transition", transitionRefusal(e.state, e.event), [], {
        ...where,
        event: e.event,
      });
    case "version_conflict":
      return new AppError(
        "version_conflict",
        `Someone changed the request since you loaded it (you saw an older version; it is now at version ${e.currentVersion}). Reload it and try again.`,
        [
          {
            path: "body.expectedVersion",
            message: `is stale; current version is ${e.currentVersion}`,
          },
        ],
        { ...where, currentVersion: e.currentVersion },
      );
    case "forbidden":
      return new AppError("forbidden", refusal(actor, e.action));
    case "justification_required":
      return new AppError(
        "unprocessable",
        "body.justification: a decision that departs from the recommendation needs a written justification, and a denial always needs one",
        [
          {
            path: "body.justification",
            message:
              "is required when the decision departs from the recommendation, and on every denial",
          },
        ],
      );
    case "already_appealed":
      return new AppError(
        "invalid_transition",
        "This denial was appealed already; a denial can be appealed once.",
        [],
        where,
      );
    case "appeal_window_closed":
      return new AppError(
        "invalid_transition",
        `The time to appeal this denial ended at ${new Date(e.closedAt).toISOString()}.`,
        [],
        { ...where, appealClosedAt: new Date(e.closedAt).toISOString() },
      );
    case "appeal_needs_other_reviewer":
      return new AppError(
        "forbidden",
        "You denied this request; its appeal must be decided by another reviewer.",
      );
    case "follow_up_not_overdue":
      return new AppError(
        "invalid_transition",
        e.dueAt === null
          ? "There is no follow-up to reopen this request for."
          : `The alternative is due by ${new Date(e.dueAt).toISOString()} or was delivered; the request can be reopened only once it is overdue and not delivered.`,
        [],
        { ...where, ...(e.dueAt === null ? {} : { dueAt: new Date(e.dueAt).toISOString() }) },
      );
    case "amount_not_positive":
      return new AppError("unprocessable", "body.amount.amount: must be greater than 0", [
        { path: "body.amount.amount", message: "must be greater than 0" },
      ]);
    case "amount_exceeds_refundable": {
      const max = `${formatMinor(e.refundable.minor, e.refundable.currency)} ${e.refundable.currency}`;
      return new AppError(
        "unprocessable",
        `body.amount.amount: exceeds what the payments can still give back (${max})`,
        [{ path: "body.amount.amount", message: `must not exceed ${max}` }],
        { refundable: moneyToJson(e.refundable) },
      );
    }
    case "currency_mismatch":
      return new AppError(
        "unprocessable",
        `body.amount.currency: must be the order's currency ${e.expected}`,
        [{ path: "body.amount.currency", message: `must be ${e.expected}, not ${e.actual}` }],
      );
    case "field_required":
      return e.field === "clauses"
        ? new AppError(
            "unprocessable",
            "body.clauses: name at least one policy clause the denial rests on",
            [{ path: "body.clauses", message: "must name at least one clause" }],
          )
        : invalidField(`body.${e.field}`, "must not be blank");
  }
}

/** A refused intake: 400 naming the field, 409 naming the open request. */
export function intakeError(e: IntakeError, actor: Actor | null = null): AppError {
  switch (e.code) {
    case "field_required":
      return invalidField(`body.${e.field}`, "must not be blank");
    case "duplicate_open_request":
      return new AppError(
        "duplicate_open_request",
        `an open request on this order for this reason exists already: ${e.openRequestId}`,
        [],
        { openRequestId: e.openRequestId },
      );
    case "forbidden":
      // The order was found and is visible; a role without request.create never gets this far.
      return new AppError("forbidden", refusal(actor, e.action));
  }
}
