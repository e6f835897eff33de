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
  readonly reason: Reason;
  readonly status: RequestStatus;
}

/** The client's new request as submitted. */
export interface IntakeCandidate {
  readonly orderId: string;
  readonly reason: Reason;
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
  const open = existing.find(
    (r) => r.orderId === candidate.orderId && r.reason === candidate.reason && isOpen(r.status),
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
}

/**
 * Opens a request: checks that the actor may create it on this order and the intake rules, then
 * returns the first snapshot (status submitted, version 1) and its effects.
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
  const next: RequestSnapshot = {
    id: input.id,
    clientId: input.clientId,
    orderId: input.orderId,
    reason: input.reason,
    status: "submitted",
    version: 1,
    currency: input.currency,
    submittedAt: ctx.now,
    updatedAt: ctx.now,
    closedAt: null,
    recommendation: input.recommendation,
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
          to: "submitted",
          summary: `submitted (${input.reason})`,
        },
        { type: "notify_client", template: "request_received" },
      ],
    },
  };
}
