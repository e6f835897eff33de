import type { Action } from "../access/access.js";
import type { Money } from "../money/money.js";
import type { Alternative, Decision, Instant, Reason, RefundLine } from "../policy/types.js";

/**
 * Every state of a refund request; payouts after approval have their own states (issue 4).
 * `triage`: made from a client's e-mail whose reason was not said plainly (issue 19, ADR 0033);
 * it has no reason and no recommendation until QA classifies it, which submits it.
 */
export const REQUEST_STATUSES = [
  "triage",
  "submitted",
  "in_review",
  "info_requested",
  "approved",
  "denied",
  "alternative_offered",
  "alternative_accepted",
  "withdrawn",
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/**
 * Every event the state machine knows: staff send classify_reason, start_review ..
 * offer_alternative and fulfil_follow_up; the client answer .. withdraw, appeal (of a denial) and reopen (an accepted
 * alternative not delivered by its due date).
 */
export const REQUEST_EVENT_TYPES = [
  "classify_reason",
  "start_review",
  "request_info",
  "resume_review",
  "approve",
  "deny",
  "offer_alternative",
  "answer",
  "accept_alternative",
  "decline_alternative",
  "withdraw",
  "appeal",
  "reopen",
  "fulfil_follow_up",
] as const;
export type RequestEventType = (typeof REQUEST_EVENT_TYPES)[number];

/** What happens to a request. Staff events carry the version the reviewer saw; client events may. */
export type RequestEvent =
  | { readonly type: "classify_reason"; readonly expectedVersion: number; readonly reason: Reason }
  | { readonly type: "start_review"; readonly expectedVersion: number }
  | { readonly type: "request_info"; readonly expectedVersion: number; readonly question: string }
  | { readonly type: "resume_review"; readonly expectedVersion: number }
  | {
      readonly type: "approve";
      readonly expectedVersion: number;
      readonly amount: Money;
      /** Required (non-blank) when the approval departs from the recommendation. */
      readonly justification?: string;
    }
  | {
      readonly type: "deny";
      readonly expectedVersion: number;
      /** The written reason the client reads; always required (non-blank). */
      readonly justification?: string;
      /** The clauses the denial rests on; default: the recommendation's clauses. */
      readonly clauses?: readonly string[];
    }
  | {
      readonly type: "offer_alternative";
      readonly expectedVersion: number;
      readonly kind: Alternative;
      readonly note: string;
    }
  | { readonly type: "answer"; readonly message: string; readonly expectedVersion?: number }
  | { readonly type: "accept_alternative"; readonly expectedVersion?: number }
  | { readonly type: "decline_alternative"; readonly expectedVersion?: number }
  | { readonly type: "withdraw"; readonly expectedVersion?: number }
  | { readonly type: "appeal"; readonly message: string; readonly expectedVersion?: number }
  | { readonly type: "reopen"; readonly message: string; readonly expectedVersion?: number }
  | { readonly type: "fulfil_follow_up"; readonly expectedVersion: number; readonly note?: string };

/** The engine's recommendation as stored with the request, with the policy version it came from. */
export type Recommendation = Pick<
  Decision,
  "outcome" | "amount" | "refunds" | "clauses" | "policyVersion"
>;

/** The reviewer's final word on a request. */
export interface ReviewerDecision {
  readonly outcome: "approved" | "denied";
  /** The approved amount in the order's currency; null for a denial. */
  readonly amount: Money | null;
  /** The reviewer's written reason; always present when `followsRecommendation` is false. */
  readonly justification: string | null;
  readonly followsRecommendation: boolean;
  readonly decidedBy: string;
  readonly decidedAt: Instant;
  /** The clause ids the decision rests on (a denial always names at least one). */
  readonly clauses: readonly string[];
}

/** What an accepted alternative leaves to do: by when, by whom, and whether it was done. */
export interface FollowUp {
  readonly dueAt: Instant;
  /** The staff member who owns it (who offered the alternative). */
  readonly ownerId: string;
  readonly fulfilledAt: Instant | null;
}

/** The client's appeal of a denial: once, within the policy's window. */
export interface Appeal {
  readonly appealedAt: Instant;
  /** Who had denied: they may not decide the appeal. */
  readonly deniedBy: string;
}

/** An alternative offered instead of a refund, and the client's response to it. */
export interface OfferedAlternative {
  readonly kind: Alternative;
  readonly note: string;
  readonly offeredBy: string;
  readonly offeredAt: Instant;
  /** null while the client has not answered. */
  readonly accepted: boolean | null;
  readonly respondedAt: Instant | null;
  /** Set when the client accepted: the follow-up the alternative promises. */
  readonly followUp?: FollowUp | null;
}

/** A refund request as the state machine sees it: stored fields plus the live refundable total. */
export interface RequestSnapshot {
  readonly id: string;
  readonly clientId: string;
  readonly orderId: string;
  /** null only while the request waits in `triage` (or was withdrawn from it): not said yet. */
  readonly reason: Reason | null;
  readonly status: RequestStatus;
  /** Optimistic concurrency: every accepted transition returns version + 1. */
  readonly version: number;
  /** The order's currency: every approved amount is in it. */
  readonly currency: string;
  readonly submittedAt: Instant;
  readonly updatedAt: Instant;
  /** When the request reached a closed status; null while open. */
  readonly closedAt: Instant | null;
  /** null: the engine could not evaluate the case yet. */
  readonly recommendation: Recommendation | null;
  /**
   * What the order's payments can still give back (captured minus succeeded and in-flight
   * refunds), in the order's currency. Computed by the shell from the ledger when it loads the
   * request; not a stored field.
   */
  readonly refundableTotal: Money;
  /** The staff member who took the request into review. */
  readonly reviewerId: string | null;
  /** The question awaiting the client's answer (status info_requested). */
  readonly openQuestion: string | null;
  readonly alternative: OfferedAlternative | null;
  readonly decision: ReviewerDecision | null;
  /** When the open question's answer is due (info_requested). */
  readonly replyBy?: Instant | null;
  /** The appeal of a denial, once made. */
  readonly appeal?: Appeal | null;
}

/** Messages to the client, one per template the notifier knows. */
export type ClientTemplate =
  "request_received" | "question_asked" | "decision" | "alternative_offered";

/** Messages to the reviewers of a request. */
export type StaffTemplate =
  | "client_answered"
  | "alternative_accepted"
  | "alternative_declined"
  | "request_withdrawn"
  | "request_reopened";

/** The audit action of a request change. */
export type AuditAction =
  `request.${RequestEventType | "submit" | "reevaluate" | "assign" | "unassign"}`;

/** What the shell must do after an accepted transition, in the same transaction (outbox rows). */
export type Effect =
  | {
      readonly type: "audit";
      readonly action: AuditAction;
      readonly from: RequestStatus | null;
      readonly to: RequestStatus;
      readonly summary: string;
    }
  | { readonly type: "notify_client"; readonly template: ClientTemplate }
  | { readonly type: "notify_staff"; readonly template: StaffTemplate }
  | {
      readonly type: "record_message";
      readonly author: "staff" | "client";
      readonly kind: "question" | "answer";
      readonly body: string;
    }
  | {
      readonly type: "create_payouts";
      readonly amount: Money;
      /** The engine's lines per payment when the approved amount is the recommended one; else null
       * and the payouts are allocated over the payments by the ledger. */
      readonly lines: readonly RefundLine[] | null;
    };

/** Why a transition was refused; the HTTP layer maps each code to a status. */
export type TransitionError =
  /** 409 with the current state. */
  | {
      readonly code: "invalid_transition";
      readonly state: RequestStatus;
      readonly event: RequestEventType;
    }
  /** 409: the caller saw an older version. */
  | { readonly code: "version_conflict"; readonly currentVersion: number }
  /** Defence in depth: the shell should have refused with `visibleOrNotFound` already. */
  | { readonly code: "forbidden"; readonly action: Action }
  /** 422 on `justification`. */
  | { readonly code: "justification_required" }
  /** 422 on `amount`: zero or negative. */
  | { readonly code: "amount_not_positive" }
  /** 422 on `amount`: more than the payments can still give back. */
  | { readonly code: "amount_exceeds_refundable"; readonly refundable: Money }
  /** 422 on `amount.currency`. */
  | { readonly code: "currency_mismatch"; readonly expected: string; readonly actual: string }
  /** 422: a required text is blank. */
  | {
      readonly code: "field_required";
      readonly field: "question" | "note" | "message" | "justification" | "clauses";
    }
  /** 409: the denial was appealed once already. */
  | { readonly code: "already_appealed" }
  /** 409: the appeal window (policy `workflow.appealWindowDays`) has passed. */
  | { readonly code: "appeal_window_closed"; readonly closedAt: Instant }
  /** 403: the reviewer who denied may not decide the appeal. */
  | { readonly code: "appeal_needs_other_reviewer" }
  /** 409: the accepted alternative is not overdue (or was fulfilled): nothing to reopen. */
  | { readonly code: "follow_up_not_overdue"; readonly dueAt: Instant | null };

/** An accepted transition: the next snapshot and the effects the shell must carry out. */
export interface TransitionOk {
  readonly next: RequestSnapshot;
  readonly effects: readonly Effect[];
}
