import { can, type Actor } from "../access/access.js";
import type { Money } from "../money/money.js";
import type { Instant, Reason, Result } from "../policy/types.js";
import { notBlank } from "../text/white-space.js";
import { isOpen } from "./transition.js";
import type { Recommendation, RequestSnapshot, RequestStatus, TransitionOk } from "./types.js";

/** What intake needs to know about a request already on file. */
export interface ExistingRequest {
  readonly id: string;
  readonly orderId: string;
  /** null: a request in triage (its reason not said yet) is nobody's duplicate. */
  readonly reason: Reason | null;
  readonly status: RequestStatus;
}

/** The client's new request as submitted; reason null: made from an e-mail, it waits in triage. */
export interface IntakeCandidate {
  readonly orderId: string;
  readonly reason: Reason | null;
  readonly description: string;
}

/** Why a new request was refused: 422 on a field, 409 naming the open request, or no access. */
export type IntakeError =
  | { readonly code: "field_required"; readonly field: "orderId" | "description" }
  | { readonly code: "duplicate_open_request"; readonly openRequestId: string }
  | { readonly code: "forbidden"; readonly action: "request.create" };

/**
 * Intake rules: order id and description are required (not only white space, as rule 1 reads it);
 * a second open request on the same order
 * and reason is refused, naming the open one (the first such in `existing`).
 */
export function checkIntake(
  existing: readonly ExistingRequest[],
  candidate: IntakeCandidate,
): Result<null, IntakeError> {
  if (!notBlank(candidate.orderId)) {
    return { ok: false, error: { code: "field_required", field: "orderId" } };
  }
  if (!notBlank(candidate.description)) {
    return { ok: false, error: { code: "field_required", field: "description" } };
  }
  // A request without a reason yet (triage) duplicates nothing: QA's classification checks then.
  const open =
    candidate.reason === null
      ? undefined
      : existing.find(
          (r) =>
            r.orderId === candidate.orderId && r.reason === candidate.reason && isOpen(r.status),
        );
  if (open !== undefined) {
    return { ok: false, error: { code: "duplicate_open_request", openRequestId: open.id } };
  }
  return { ok: true, value: null };
}

/** Everything the first snapshot of a request needs; ids and the clock come from the shell. */
export interface NewRequest extends IntakeCandidate {
  readonly id: string;
  /** The client the stored order belongs to (never taken from the request body). */
  readonly clientId: string;
  /** The order's currency. */
  readonly currency: string;
  readonly recommendation: Recommendation | null;
  readonly refundableTotal: Money;
  /** When the client asked, if before now (an e-mail's arrival); default: now. */
  readonly submittedAt?: Instant;
}

/**
 * Opens a request: checks that the actor may create it on this order and the intake rules, then
 * returns the first snapshot (version 1) and its effects: status submitted, or triage when the
 * reason is not known yet (an e-mail that did not say it plainly: no recommendation until QA
 * classifies it). The client is acknowledged either way.
 */
export function createRequest(
  input: NewRequest,
  existing: readonly ExistingRequest[],
  ctx: { readonly actor: Actor; readonly now: Instant },
): Result<TransitionOk, IntakeError> {
  if (!can(ctx.actor, "request.create", { clientId: input.clientId })) {
    return { ok: false, error: { code: "forbidden", action: "request.create" } };
  }
  const checked = checkIntake(existing, input);
  if (!checked.ok) return checked;
  const triage = input.reason === null;
  const status: RequestStatus = triage ? "triage" : "submitted";
  const next: RequestSnapshot = {
    id: input.id,
    clientId: input.clientId,
    orderId: input.orderId,
    reason: input.reason,
    status,
    version: 1,
    currency: input.currency,
    submittedAt: input.submittedAt ?? ctx.now,
    updatedAt: ctx.now,
    closedAt: null,
    recommendation: triage ? null : input.recommendation,
    refundableTotal: input.refundableTotal,
    reviewerId: null,
    openQuestion: null,
    alternative: null,
    decision: null,
  };
  return {
    ok: true,
    value: {
      next,
      effects: [
        {
          type: "audit",
          action: "request.submit",
          from: null,
          to: status,
          summary:
            input.reason === null
              ? "submitted by e-mail; waits for a reviewer to classify its reason"
              : `submitted (${input.reason})`,
        },
        { type: "notify_client", template: "request_received" },
      ],
    },
  };
}
