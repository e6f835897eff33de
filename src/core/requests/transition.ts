import { can, userIdOf, type Action, type Actor } from "../access/access.js";
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
  // Closed. `approved` continues on the payout side (issue 4), not in this machine.
  approved: {},
  denied: {},
  alternative_accepted: {},
  withdrawn: {},
};

/** The permission each event needs; a route that sends an event declares this action. */
export const EVENT_ACTIONS: Readonly<Record<RequestEventType, Action>> = {
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
}

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

/** The events `actor` may send now: allowed by the machine and by access (the caller's abilities). */
export function availableEvents(request: RequestSnapshot, actor: Actor): RequestEventType[] {
  return allowedEvents(request.status).filter((e) =>
    can(actor, EVENT_ACTIONS[e], { clientId: request.clientId }),
  );
}

/** Whose move it is, for queues and SLA clocks: staff, the client, or nobody (closed). */
export function waitingOn(status: RequestStatus): "staff" | "client" | null {
  switch (status) {
    case "submitted":
    case "in_review":
      return "staff";
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

  const from = request.status;
  const base: RequestSnapshot = {
    ...request,
    status: to,
    version: request.version + 1,
    updatedAt: ctx.now,
    closedAt: isOpen(to) ? null : ctx.now,
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
    case "start_review":
      return ok({ ...base, reviewerId: userId }, [audit("review started")]);

    case "request_info": {
      const question = blankToNull(event.question);
      if (question === null) return fail({ code: "field_required", field: "question" });
      return ok({ ...base, openQuestion: question }, [
        audit("question asked"),
        { type: "record_message", author: "staff", kind: "question", body: question },
        { type: "notify_client", template: "question_asked" },
      ]);
    }

    case "answer": {
      const message = blankToNull(event.message);
      if (message === null) return fail({ code: "field_required", field: "message" });
      return ok({ ...base, openQuestion: null }, [
        audit("client answered"),
        { type: "record_message", author: "client", kind: "answer", body: message },
        { type: "notify_staff", template: "client_answered" },
      ]);
    }

    case "resume_review":
      return ok({ ...base, openQuestion: null }, [audit("review resumed without an answer")]);

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
      };
      const lines = follows && rec.refunds.length > 0 ? rec.refunds : null;
      return ok({ ...base, decision, openQuestion: null }, [
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
      const follows = rec === null || rec.outcome !== "refund";
      const justification = blankToNull(event.justification);
      if (!follows && justification === null) return fail({ code: "justification_required" });
      const decision: ReviewerDecision = {
        outcome: "denied",
        amount: null,
        justification,
        followsRecommendation: follows,
        decidedBy: userId,
        decidedAt: ctx.now,
      };
      return ok({ ...base, decision, openQuestion: null }, [
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
          : { ...request.alternative, accepted, respondedAt: ctx.now };
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
      return ok({ ...base, openQuestion: null }, [
        audit(`withdrawn while ${from}`),
        { type: "notify_staff", template: "request_withdrawn" },
      ]);
  }
}

/** Why a re-evaluation was refused: a closed request keeps the recommendation it was decided on. */
export interface ReevaluateError {
  readonly code: "request_closed";
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
          summary: `re-evaluated: ${describeRecommendation(recommendation)}`,
        },
      ],
    },
  };
}
