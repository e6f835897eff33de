import { can, userIdOf, type Action, type Actor } from "../access/access.js";
import { DAY_MS } from "../calendar/calendar.js";
import { appealClosesAt } from "./deadlines.js";
import { formatMoney, type Money } from "../money/money.js";
import type { Instant, Result } from "../policy/types.js";
import type {
  Effect,
  Recommendation,
  RequestEvent,
  RequestEventType,
  RequestSnapshot,
  RequestStatus,
  ReviewerDecision,
  TransitionError,
  TransitionOk,
} from "./types.js";

/** The allowed transitions: state -> event -> next state. Anything missing is refused. */
export const TRANSITIONS: Readonly<
  Record<RequestStatus, Readonly<Partial<Record<RequestEventType, RequestStatus>>>>
> = {
  // Made from an e-mail whose reason QA must say first: nothing is decided before that. The
  // client may still withdraw it (and write and upload, which are not events).
  triage: { classify_reason: "submitted", withdraw: "withdrawn" },
  submitted: { start_review: "in_review", withdraw: "withdrawn" },
  in_review: {
    request_info: "info_requested",
    approve: "approved",
    deny: "denied",
    offer_alternative: "alternative_offered",
    withdraw: "withdrawn",
  },
  info_requested: { answer: "in_review", resume_review: "in_review", withdraw: "withdrawn" },
  alternative_offered: {
    accept_alternative: "alternative_accepted",
    decline_alternative: "in_review",
    withdraw: "withdrawn",
  },
  // Closed. `approved` continues on the payout side (issue 4), not in this machine. A denial may
  // be appealed once (back to review, for another reviewer); an accepted alternative may be
  // reopened by the client when its follow-up is overdue, and staff record it as fulfilled.
  approved: {},
  denied: { appeal: "in_review" },
  alternative_accepted: { reopen: "in_review", fulfil_follow_up: "alternative_accepted" },
  withdrawn: {},
};

/** Staff events that, sent on a submitted request, take it into review first (implicitly). */
const IMPLICIT_START: ReadonlySet<RequestEventType> = new Set<RequestEventType>([
  "request_info",
  "approve",
  "deny",
  "offer_alternative",
]);

/** The permission each event needs; a route that sends an event declares this action. */
export const EVENT_ACTIONS: Readonly<Record<RequestEventType, Action>> = {
  classify_reason: "request.classify",
  start_review: "request.start_review",
  resume_review: "request.start_review",
  request_info: "request.request_info",
  approve: "request.decide",
  deny: "request.decide",
  offer_alternative: "request.decide",
  answer: "request.answer",
  accept_alternative: "request.accept_alternative",
  decline_alternative: "request.decline_alternative",
  withdraw: "request.withdraw",
  appeal: "request.appeal",
  reopen: "request.reopen",
  fulfil_follow_up: "request.fulfil_follow_up",
};

const CLOSED: ReadonlySet<RequestStatus> = new Set<RequestStatus>([
  "approved",
  "denied",
  "withdrawn",
  "alternative_accepted",
]);

/** Who and when: the clock is an input, never read here. */
export interface TransitionContext {
  readonly actor: Actor;
  readonly now: Instant;
  /** The deadlines the shell computed from the policy's calendar (`workflowDeadlines`). */
  readonly deadlines?: WorkflowDeadlines;
}

/** Deadlines that depend on the policy file's `workflow` settings and its business days. */
export interface WorkflowDeadlines {
  /** When a question asked now must be answered by. */
  readonly replyBy: Instant | null;
  /** When an alternative accepted now must be delivered by. */
  readonly followUpDueAt: Instant | null;
  /** How many calendar days after a denial the client may appeal it. */
  readonly appealWindowDays: number;
}

/** Without the shell's deadlines: no reply-by, a 14-day follow-up and appeal window. */
const DEFAULT_DEADLINES = (now: Instant): WorkflowDeadlines => ({
  replyBy: null,
  followUpDueAt: now + 14 * DAY_MS,
  appealWindowDays: 14,
});

/** The state an event leads to from `status`, or null when the machine refuses it. */
export function nextStatus(status: RequestStatus, event: RequestEventType): RequestStatus | null {
  return TRANSITIONS[status][event] ?? null;
}

/** Open = not yet closed (approved, denied, withdrawn, alternative_accepted are closed). */
export function isOpen(status: RequestStatus): boolean {
  return !CLOSED.has(status);
}

/** True when the client may still withdraw: before any decision. */
export function canWithdraw(status: RequestStatus): boolean {
  return nextStatus(status, "withdraw") !== null;
}

/** The events the machine accepts in `status`, whoever sends them. */
export function allowedEvents(status: RequestStatus): RequestEventType[] {
  return Object.keys(TRANSITIONS[status]) as RequestEventType[];
}

/**
 * The events a request in `status` accepts from whoever may send them: the machine's own, plus,
 * on a submitted request, the staff events that start the review implicitly (request_info,
 * approve, deny, offer_alternative), which the server accepts there too.
 */
export function acceptedEvents(status: RequestStatus): RequestEventType[] {
  const own = allowedEvents(status);
  return status === "submitted" ? [...own, ...IMPLICIT_START] : own;
}

/** The events `actor` may send now: accepted in its state and allowed by access (its abilities). */
export function availableEvents(request: RequestSnapshot, actor: Actor): RequestEventType[] {
  return acceptedEvents(request.status).filter((e) =>
    can(actor, EVENT_ACTIONS[e], { clientId: request.clientId }),
  );
}

/** True when a staff event on a submitted request takes it into review first. */
export function startsReviewImplicitly(status: RequestStatus, event: RequestEventType): boolean {
  return status === "submitted" && IMPLICIT_START.has(event);
}

/** Whose move it is, for queues and SLA clocks: staff, the client, or nobody (closed). */
export function waitingOn(status: RequestStatus): "staff" | "client" | null {
  switch (status) {
    case "triage":
    case "submitted":
    case "in_review":
      return "staff";
    // The follow-up of an accepted alternative is staff's to deliver; not a queue item.
    case "info_requested":
    case "alternative_offered":
      return "client";
    case "approved":
    case "denied":
    case "alternative_accepted":
    case "withdrawn":
      return null;
  }
}

function fail<T>(error: TransitionError): Result<T, TransitionError> {
  return { ok: false, error };
}

function blankToNull(text: string | undefined): string | null {
  if (text === undefined) return null;
  const t = text.trim();
  return t.length === 0 ? null : t;
}

function describeRecommendation(rec: Recommendation | null): string {
  if (rec === null) return "no recommendation";
  const amount = rec.amount === null ? "" : ` ${formatMoney(rec.amount)}`;
  return `recommended ${rec.outcome}${amount}, policy ${rec.policyVersion}`;
}

function sameMoney(a: Money | null, b: Money): boolean {
  return a !== null && a.currency === b.currency && a.minor === b.minor;
}

/**
 * Applies one event to a request: checks access, the version the caller saw, the state table and
 * the event's own rules, then returns the next snapshot (version + 1) and the effects to carry out.
 * A refusal is a value and leaves the request untouched.
 */
export function transition(
  request: RequestSnapshot,
  event: RequestEvent,
  ctx: TransitionContext,
): Result<TransitionOk, TransitionError> {
  // A reviewer acting on a submitted request takes it into review with the same call: one
  // version step, the start's audit effect first.
  if (startsReviewImplicitly(request.status, event.type)) {
    if (event.expectedVersion !== undefined && event.expectedVersion !== request.version) {
      return fail({ code: "version_conflict", currentVersion: request.version });
    }
    const started = step(request, { type: "start_review", expectedVersion: request.version }, ctx);
    if (!started.ok) return started;
    // The version was checked above; the event itself applies to the started snapshot.
    const then = step(
      started.value.next,
      { ...event, expectedVersion: started.value.next.version } as RequestEvent,
      ctx,
    );
    if (!then.ok) return then;
    return {
      ok: true,
      value: {
        next: { ...then.value.next, version: request.version + 1 },
        effects: [...started.value.effects, ...then.value.effects],
      },
    };
  }
  return step(request, event, ctx);
}

function step(
  request: RequestSnapshot,
  event: RequestEvent,
  ctx: TransitionContext,
): Result<TransitionOk, TransitionError> {
  const action = EVENT_ACTIONS[event.type];
  const userId = userIdOf(ctx.actor);
  if (userId === null || !can(ctx.actor, action, { clientId: request.clientId })) {
    return fail({ code: "forbidden", action });
  }
  if (event.expectedVersion !== undefined && event.expectedVersion !== request.version) {
    return fail({ code: "version_conflict", currentVersion: request.version });
  }
  const to = nextStatus(request.status, event.type);
  if (to === null) {
    return fail({ code: "invalid_transition", state: request.status, event: event.type });
  }

  const appeal = request.appeal ?? null;
  if (
    appeal !== null &&
    appeal.deniedBy === userId &&
    REVIEWER_EVENTS.has(event.type) &&
    isOpen(request.status)
  ) {
    return fail({ code: "appeal_needs_other_reviewer" });
  }
  const deadlines = ctx.deadlines ?? DEFAULT_DEADLINES(ctx.now);

  const from = request.status;
  const base: RequestSnapshot = {
    ...request,
    status: to,
    version: request.version + 1,
    updatedAt: ctx.now,
    closedAt: isOpen(to) ? null : from === to ? request.closedAt : ctx.now,
  };
  const audit = (summary: string): Effect => ({
    type: "audit",
    action: `request.${event.type}`,
    from,
    to,
    summary,
  });
  const ok = (next: RequestSnapshot, effects: Effect[]): Result<TransitionOk, TransitionError> => ({
    ok: true,
    value: { next, effects },
  });

  switch (event.type) {
    case "classify_reason":
      // Submitted now: the shell has the engine recommend (the recommendation needs the reason).
      return ok({ ...base, reason: event.reason }, [
        audit(`reason classified: ${event.reason}; submitted to the engine`),
      ]);

    case "start_review":
      return ok({ ...base, reviewerId: userId }, [audit("review started")]);

    case "request_info": {
      const question = blankToNull(event.question);
      if (question === null) return fail({ code: "field_required", field: "question" });
      return ok({ ...base, openQuestion: question, replyBy: deadlines.replyBy }, [
        audit("question asked"),
        { type: "record_message", author: "staff", kind: "question", body: question },
        { type: "notify_client", template: "question_asked" },
      ]);
    }

    case "answer": {
      const message = blankToNull(event.message);
      if (message === null) return fail({ code: "field_required", field: "message" });
      return ok({ ...base, openQuestion: null, replyBy: null }, [
        audit("client answered"),
        { type: "record_message", author: "client", kind: "answer", body: message },
        { type: "notify_staff", template: "client_answered" },
      ]);
    }

    case "resume_review":
      return ok({ ...base, openQuestion: null, replyBy: null }, [
        audit("review resumed without an answer"),
      ]);

    case "approve": {
      const amount = event.amount;
      if (amount.currency !== request.currency) {
        return fail({
          code: "currency_mismatch",
          expected: request.currency,
          actual: amount.currency,
        });
      }
      if (amount.minor <= 0n) return fail({ code: "amount_not_positive" });
      if (request.refundableTotal.currency !== request.currency) {
        // A snapshot the shell built wrong, not a caller's mistake: comparing would be meaningless.
        throw new RangeError(
          `request ${request.id}: refundableTotal is in ${request.refundableTotal.currency}, the order in ${request.currency}`,
        );
      }
      if (amount.minor > request.refundableTotal.minor) {
        return fail({ code: "amount_exceeds_refundable", refundable: request.refundableTotal });
      }
      const rec = request.recommendation;
      const follows = rec !== null && rec.outcome === "refund" && sameMoney(rec.amount, amount);
      const justification = blankToNull(event.justification);
      if (!follows && justification === null) return fail({ code: "justification_required" });
      const decision: ReviewerDecision = {
        outcome: "approved",
        amount,
        justification,
        followsRecommendation: follows,
        decidedBy: userId,
        decidedAt: ctx.now,
        clauses: rec?.clauses ?? [],
      };
      const lines = follows && rec.refunds.length > 0 ? rec.refunds : null;
      return ok({ ...base, decision, openQuestion: null, replyBy: null }, [
        audit(
          `approved ${formatMoney(amount)} (${describeRecommendation(rec)})` +
            (follows ? "" : "; departs from the recommendation"),
        ),
        { type: "notify_client", template: "decision" },
        { type: "create_payouts", amount, lines },
      ]);
    }

    case "deny": {
      const rec = request.recommendation;
      // Only a recommendation to deny is followed by a denial (a `review` one leaves it open).
      const follows = rec !== null && rec.outcome === "deny";
      // The client always reads why: a denial without a written reason is refused.
      const justification = blankToNull(event.justification);
      if (justification === null) {
        return fail(
          follows
            ? { code: "field_required", field: "justification" }
            : { code: "justification_required" },
        );
      }
      const clauses = uniqueNonBlank(event.clauses ?? rec?.clauses ?? []);
      if (clauses.length === 0) return fail({ code: "field_required", field: "clauses" });
      const decision: ReviewerDecision = {
        outcome: "denied",
        amount: null,
        justification,
        followsRecommendation: follows,
        decidedBy: userId,
        decidedAt: ctx.now,
        clauses,
      };
      return ok({ ...base, decision, openQuestion: null, replyBy: null }, [
        audit(
          `denied (${describeRecommendation(rec)})` +
            (follows ? "" : "; departs from the recommendation"),
        ),
        { type: "notify_client", template: "decision" },
      ]);
    }

    case "offer_alternative": {
      const note = blankToNull(event.note);
      if (note === null) return fail({ code: "field_required", field: "note" });
      return ok(
        {
          ...base,
          alternative: {
            kind: event.kind,
            note,
            offeredBy: userId,
            offeredAt: ctx.now,
            accepted: null,
            respondedAt: null,
          },
        },
        [
          audit(`alternative offered: ${event.kind}`),
          { type: "notify_client", template: "alternative_offered" },
        ],
      );
    }

    case "accept_alternative":
    case "decline_alternative": {
      const accepted = event.type === "accept_alternative";
      const alternative =
        request.alternative === null
          ? null
          : {
              ...request.alternative,
              accepted,
              respondedAt: ctx.now,
              followUp:
                accepted && deadlines.followUpDueAt !== null
                  ? {
                      dueAt: deadlines.followUpDueAt,
                      ownerId: request.alternative.offeredBy,
                      fulfilledAt: null,
                    }
                  : null,
            };
      const kind = request.alternative?.kind ?? "unknown";
      return ok({ ...base, alternative }, [
        audit(`alternative ${accepted ? "accepted" : "declined"}: ${kind}`),
        {
          type: "notify_staff",
          template: accepted ? "alternative_accepted" : "alternative_declined",
        },
      ]);
    }

    case "withdraw":
      return ok({ ...base, openQuestion: null, replyBy: null }, [
        audit(`withdrawn while ${from}`),
        { type: "notify_staff", template: "request_withdrawn" },
      ]);

    case "appeal": {
      if (appeal !== null) return fail({ code: "already_appealed" });
      const denial = request.decision;
      if (denial === null || denial.outcome !== "denied") {
        return fail({ code: "invalid_transition", state: request.status, event: event.type });
      }
      const closesAt = appealClosesAt(denial.decidedAt, deadlines.appealWindowDays);
      if (ctx.now > closesAt) return fail({ code: "appeal_window_closed", closedAt: closesAt });
      const message = blankToNull(event.message);
      if (message === null) return fail({ code: "field_required", field: "message" });
      return ok(
        {
          ...base,
          decision: null,
          reviewerId: null,
          appeal: { appealedAt: ctx.now, deniedBy: denial.decidedBy },
        },
        [
          audit("denial appealed; the review reopens for another reviewer"),
          { type: "record_message", author: "client", kind: "answer", body: message },
          { type: "notify_staff", template: "request_reopened" },
        ],
      );
    }

    case "reopen": {
      const followUp = request.alternative?.followUp ?? null;
      if (followUp === null || followUp.fulfilledAt !== null || ctx.now <= followUp.dueAt) {
        return fail({ code: "follow_up_not_overdue", dueAt: followUp?.dueAt ?? null });
      }
      const message = blankToNull(event.message);
      if (message === null) return fail({ code: "field_required", field: "message" });
      return ok({ ...base }, [
        audit(
          `reopened: the ${request.alternative?.kind ?? "alternative"} was not delivered by its due date`,
        ),
        { type: "record_message", author: "client", kind: "answer", body: message },
        { type: "notify_staff", template: "request_reopened" },
      ]);
    }

    case "fulfil_follow_up": {
      const alt = request.alternative;
      const followUp = alt?.followUp ?? null;
      if (alt === null || followUp === null || followUp.fulfilledAt !== null) {
        return fail({ code: "invalid_transition", state: request.status, event: event.type });
      }
      return ok(
        { ...base, alternative: { ...alt, followUp: { ...followUp, fulfilledAt: ctx.now } } },
        [audit(`follow-up fulfilled: ${alt.kind}`)],
      );
    }
  }
}

/** Events by which a reviewer acts on the request (the denier of an appealed request may not). */
const REVIEWER_EVENTS: ReadonlySet<RequestEventType> = new Set<RequestEventType>([
  "start_review",
  "request_info",
  "resume_review",
  "approve",
  "deny",
  "offer_alternative",
]);

function uniqueNonBlank(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v.length > 0))];
}

/**
 * Why a re-evaluation was refused: a closed request keeps the recommendation it was decided on; a
 * request in triage has no reason yet, so nothing to evaluate.
 */
export interface ReevaluateError {
  readonly code: "request_closed" | "not_classified";
  readonly state: RequestStatus;
}

/**
 * Stores a fresh recommendation on an open request (after its order's facts changed). The version
 * goes up, so a reviewer who decided on the old recommendation gets a version conflict.
 */
export function reevaluate(
  request: RequestSnapshot,
  recommendation: Recommendation,
  now: Instant,
): Result<TransitionOk, ReevaluateError> {
  if (!isOpen(request.status)) {
    return { ok: false, error: { code: "request_closed", state: request.status } };
  }
  if (request.status === "triage" || request.reason === null) {
    return { ok: false, error: { code: "not_classified", state: request.status } };
  }
  return {
    ok: true,
    value: {
      next: { ...request, recommendation, version: request.version + 1, updatedAt: now },
      effects: [
        {
          type: "audit",
          action: "request.reevaluate",
          from: request.status,
          to: request.status,
          // The first recommendation of a request QA classified out of triage is no re-evaluation.
          summary: `${request.recommendation === null ? "evaluated" : "re-evaluated"}: ${describeRecommendation(recommendation)}`,
        },
      ],
    },
  };
}

/** Why an assignment was refused. */
export type AssignError =
  | { readonly code: "forbidden"; readonly action: Action }
  | { readonly code: "version_conflict"; readonly currentVersion: number }
  | { readonly code: "request_closed"; readonly state: RequestStatus }
  | { readonly code: "appeal_needs_other_reviewer" };

/**
 * Gives an open request to a reviewer (claim: to oneself), or takes it back (null). The version
 * goes up, so a decision prepared under the old assignment meets a version conflict; the reviewer
 * who denied an appealed request may not be given it.
 */
export function assignReviewer(
  request: RequestSnapshot,
  assigneeId: string | null,
  ctx: TransitionContext & { readonly expectedVersion?: number },
): Result<TransitionOk, AssignError> {
  if (
    userIdOf(ctx.actor) === null ||
    !can(ctx.actor, "request.assign", { clientId: request.clientId })
  ) {
    return { ok: false, error: { code: "forbidden", action: "request.assign" } };
  }
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== request.version) {
    return { ok: false, error: { code: "version_conflict", currentVersion: request.version } };
  }
  if (!isOpen(request.status)) {
    return { ok: false, error: { code: "request_closed", state: request.status } };
  }
  if (assigneeId !== null && request.appeal?.deniedBy === assigneeId) {
    return { ok: false, error: { code: "appeal_needs_other_reviewer" } };
  }
  const summary =
    assigneeId === null
      ? "unassigned"
      : assigneeId === userIdOf(ctx.actor)
        ? "claimed"
        : `assigned to ${assigneeId}`;
  return {
    ok: true,
    value: {
      next: {
        ...request,
        reviewerId: assigneeId,
        version: request.version + 1,
        updatedAt: ctx.now,
      },
      effects: [
        {
          type: "audit",
          action: assigneeId === null ? "request.unassign" : "request.assign",
          from: request.status,
          to: request.status,
          summary,
        },
      ],
    },
  };
}
