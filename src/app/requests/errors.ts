// The core's refusals as AppErrors: one place decides status, field and problem members.

import { formatMinor, moneyToJson } from "../../core/money/money.js";
import type { IntakeError, RequestSnapshot, TransitionError } from "../../core/requests/index.js";
import { AppError, invalidField } from "../errors.js";

/** A refused transition: 409 with the current state and version, 400/422 naming the field. */
export function transitionError(
  e: TransitionError,
  current: Pick<RequestSnapshot, "status" | "version">,
): AppError {
  const where = { state: current.status, currentVersion: current.version };
  switch (e.code) {
    case "invalid_transition":
      return new AppError(
        "invalid_transition",
        `cannot ${e.event.replace(/_/g, " ")} a request that is ${e.state.replace(/_/g, " ")}`,
        [],
        { ...where, event: e.event },
      );
    case "version_conflict":
      return new AppError(
        "version_conflict",
        `the request changed since version you saw; it is now at version ${e.currentVersion}`,
        [
          {
            path: "body.expectedVersion",
            message: `is stale; current version is ${e.currentVersion}`,
          },
        ],
        { ...where, currentVersion: e.currentVersion },
      );
    case "forbidden":
      return new AppError("forbidden", `not allowed: ${e.action}`);
    case "justification_required":
      return new AppError(
        "unprocessable",
        "body.justification: a decision that departs from the recommendation needs a written justification",
        [
          {
            path: "body.justification",
            message: "is required when the decision departs from the recommendation",
          },
        ],
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
      return invalidField(`body.${e.field}`, "must not be blank");
  }
}

/** A refused intake: 400 naming the field, 409 naming the open request. */
export function intakeError(e: IntakeError): AppError {
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
      return new AppError("forbidden", `not allowed: ${e.action}`);
  }
}
