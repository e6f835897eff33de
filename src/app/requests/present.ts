// What the API answers about a request: stored fields, the current recommendation (with the
// clauses, deadlines and explanation the engine gave), the reviewer's decision, and the events the
// caller may send now (the UI only reads them).

import { can, isStaff, type Actor } from "../../core/access/index.js";
import type { Policy } from "../../core/policy/index.js";
import { moneyToJson, type Money, type MoneyJson } from "../../core/money/money.js";
import type { DecisionJson } from "../../core/policy/index.js";
import {
  acceptedEvents,
  appealClosesAt,
  eventConditionsMet,
  EVENT_ACTIONS,
  requestFlags,
  shortRef,
  waitingOn,
  workflowOf,
  type RequestFlags,
  type RequestSnapshot,
  type OfferedAlternative,
  type RequestEventType,
  type RequestStatus,
  type ReviewerDecision,
} from "../../core/requests/index.js";
import { fromDbMoneyOrNull } from "../../db/money.js";
import type { DecisionRow, MessageRow, RefundRequestRow } from "../../db/schema.js";
import type { StoredRecommendation } from "./repository.js";
import { fromDbInstantOrNull } from "../../db/time.js";

const isoOrNull = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

/** The recommendation as presented: the engine's decision JSON plus its row id and time. */
export type RecommendationView = DecisionJson & { id: string; createdAt: string };

/** A policy clause a decision rests on, with the policy's own words. */
export interface ClauseView {
  id: string;
  text: string | null;
}

export interface DecisionView {
  id: string | null;
  outcome: "approved" | "denied";
  amount: MoneyJson | null;
  justification: string | null;
  followsRecommendation: boolean;
  decidedBy: string;
  decidedAt: string;
  /** The clauses the decision rests on, each with its text in the policy in force. */
  clauses: ClauseView[];
  /**
   * A denial: the instant until which the client may contest it (the policy's
   * `workflow.appealWindowDays` after the decision); null for an approval or without the policy.
   */
  appealUntil: string | null;
}

export interface AlternativeView {
  kind: string;
  note: string;
  offeredBy: string;
  offeredAt: string;
  accepted: boolean | null;
  respondedAt: string | null;
  /** The follow-up of an accepted alternative: due date, owner, and when it was fulfilled. */
  followUp: { dueAt: string; ownerId: string; fulfilledAt: string | null } | null;
}

export interface RequestView {
  id: string;
  /** The short reference e-mails show (`REQ-1A2B3C4D`). */
  reference: string;
  orderId: string;
  clientId: string;
  /** null while the request waits in triage for QA to classify its reason (made from an e-mail). */
  reason: string | null;
  description: string;
  status: RequestStatus;
  version: number;
  submittedAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Whose move it is: staff, client, or null when closed. */
  waitingOn: "staff" | "client" | null;
  reviewerId: string | null;
  openQuestion: string | null;
  /** The policy version the request is judged under (in force at its submission; ADR 0025). */
  policyVersion: string | null;
  recommendation: RecommendationView | null;
  decision: DecisionView | null;
  alternative: AlternativeView | null;
  /** Staff only: what the order's payments can still give back. */
  refundable?: MoneyJson;
  /** When the open question's answer is due (info_requested). */
  replyBy: string | null;
  /** Since when the request waits on the side whose move it is. */
  waitingSince: string | null;
  /** Deadline flags: the client's answer is late; the request waited on QA too long. */
  flags: RequestFlags;
  /** The client's appeal of a denial, once made. */
  appeal: { appealedAt: string; deniedBy: string } | null;
  /** The events the caller may send now (machine, access and their conditions agree). */
  actions: RequestEventType[];
}

/**
 * What a view needs beyond the stored parts: the time, the policy in force (the people's
 * deadlines: flags, the appeal window) and the version the request is judged under (the words of
 * the clauses its decision cites; the policy in force when not given).
 */
export interface PresentEnv {
  readonly now: number;
  readonly policy: Pick<Policy, "params" | "workflow" | "clauses">;
  readonly judgedBy?: Pick<Policy, "clauses" | "version">;
}

/** The events `actor` may send to a request in `status` of `clientId` (core availableEvents). */
export function actionsFor(actor: Actor, status: RequestStatus, clientId: string) {
  return acceptedEvents(status).filter((e) => can(actor, EVENT_ACTIONS[e], { clientId }));
}

/** What a recommendation view needs: the row's id and time and the stored decision JSON. */
export interface RecommendationSource {
  readonly id: string;
  readonly createdAt: string;
  readonly json: DecisionJson;
}

/** A stored recommendation as a view source. */
export function sourceOf(stored: StoredRecommendation | null): RecommendationSource | null {
  return stored === null
    ? null
    : { id: stored.id, createdAt: stored.row.created_at, json: stored.json };
}

/** A stored recommendation as presented. */
export function recommendationView(src: RecommendationSource | null): RecommendationView | null {
  if (src === null) return null;
  return { id: src.id, createdAt: src.createdAt, ...src.json };
}

/** Clause ids with the policy's words (null for an id the policy in force does not know). */
export function clauseViews(
  ids: readonly string[],
  policy: Pick<Policy, "clauses"> | null,
): ClauseView[] {
  const texts = (policy?.clauses ?? {}) as Readonly<Record<string, string>>;
  return ids.map((id) => ({ id, text: Object.hasOwn(texts, id) ? (texts[id] ?? null) : null }));
}

/** A reviewer decision as presented. */
export function decisionView(
  d: ReviewerDecision | null,
  id: string | null,
  policy: Pick<Policy, "clauses" | "workflow"> | null = null,
): DecisionView | null {
  if (d === null) return null;
  const appealUntil =
    d.outcome === "denied" && policy !== null
      ? new Date(appealClosesAt(d.decidedAt, workflowOf(policy).appealWindowDays)).toISOString()
      : null;
  return {
    id,
    outcome: d.outcome,
    amount: d.amount === null ? null : moneyToJson(d.amount),
    justification: d.justification,
    followsRecommendation: d.followsRecommendation,
    decidedBy: d.decidedBy,
    decidedAt: new Date(d.decidedAt).toISOString(),
    clauses: clauseViews(d.clauses, policy),
    appealUntil,
  };
}

/** An offered alternative as presented. */
export function alternativeView(a: OfferedAlternative | null): AlternativeView | null {
  if (a === null) return null;
  return {
    kind: a.kind,
    note: a.note,
    offeredBy: a.offeredBy,
    offeredAt: new Date(a.offeredAt).toISOString(),
    accepted: a.accepted,
    respondedAt: isoOrNull(a.respondedAt),
    followUp:
      a.followUp === undefined || a.followUp === null
        ? null
        : {
            dueAt: new Date(a.followUp.dueAt).toISOString(),
            ownerId: a.followUp.ownerId,
            fulfilledAt: isoOrNull(a.followUp.fulfilledAt),
          },
  };
}

/** Everything a request view is made of. */
export interface RequestParts {
  readonly row: Pick<
    RefundRequestRow,
    | "id"
    | "order_id"
    | "client_id"
    | "reason"
    | "description"
    | "status"
    | "version"
    | "submitted_at"
    | "updated_at"
    | "closed_at"
    | "reviewer_id"
    | "open_question"
  > &
    Partial<
      Pick<
        RefundRequestRow,
        "reply_by" | "waiting_since" | "appealed_at" | "appeal_denied_by" | "policy_version_id"
      >
    >;
  readonly recommendation: RecommendationSource | null;
  readonly decision: ReviewerDecision | null;
  readonly decisionId: string | null;
  readonly alternative: OfferedAlternative | null;
  readonly refundable: Money | null;
}

/** The request as the API answers it to `actor`. */
export function presentRequest(
  parts: RequestParts,
  actor: Actor,
  env: PresentEnv | null = null,
): RequestView {
  const { row } = parts;
  const status = row.status as RequestStatus;
  const replyBy = fromDbInstantOrNull(row.reply_by ?? null);
  const waitingSince = fromDbInstantOrNull(row.waiting_since ?? null);
  const appeal =
    row.appealed_at == null || row.appeal_denied_by == null
      ? null
      : { appealedAt: row.appealed_at, deniedBy: row.appeal_denied_by };
  const conditions: Pick<RequestSnapshot, "decision" | "appeal" | "alternative"> = {
    decision: parts.decision,
    appeal:
      appeal === null
        ? null
        : { appealedAt: Date.parse(appeal.appealedAt), deniedBy: appeal.deniedBy },
    alternative: parts.alternative,
  };
  const view: RequestView = {
    id: row.id,
    reference: shortRef(row.id),
    orderId: row.order_id,
    clientId: row.client_id,
    reason: row.reason,
    description: row.description,
    status,
    version: row.version,
    submittedAt: row.submitted_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    waitingOn: waitingOn(status),
    reviewerId: row.reviewer_id,
    openQuestion: row.open_question,
    policyVersion:
      row.policy_version_id ??
      env?.judgedBy?.version ??
      parts.recommendation?.json.policyVersion ??
      null,
    recommendation: recommendationView(parts.recommendation),
    decision: decisionView(
      parts.decision,
      parts.decisionId,
      env === null
        ? null
        : { clauses: (env.judgedBy ?? env.policy).clauses, workflow: env.policy.workflow },
    ),
    alternative: alternativeView(parts.alternative),
    // Stored instants are already ISO 8601 in UTC with milliseconds (db/time.ts): as stored.
    replyBy: row.reply_by ?? null,
    waitingSince: row.waiting_since ?? null,
    flags:
      env === null
        ? { replyOverdue: false, atRisk: false }
        : requestFlags(env.policy, { status, replyBy, waitingSince }, env.now),
    appeal,
    actions: actionsFor(actor, status, row.client_id).filter(
      (e) =>
        env === null ||
        eventConditionsMet(conditions, e, env.now, workflowOf(env.policy).appealWindowDays),
    ),
  };
  if (isStaff(actor) && parts.refundable !== null) view.refundable = moneyToJson(parts.refundable);
  return view;
}

/** A decisions row (history) as presented. */
export function presentDecisionRow(d: DecisionRow) {
  const amount = fromDbMoneyOrNull(d.amount_minor, d.amount_currency);
  return {
    id: d.id,
    kind: d.kind,
    amount: amount === null ? null : moneyToJson(amount),
    justification: d.justification,
    alternative: d.alternative,
    clauses: d.clauses_json === null ? [] : (JSON.parse(d.clauses_json) as string[]),
    recommendationId: d.recommendation_id,
    decidedBy: d.decided_by,
    decidedAt: d.created_at,
  };
}

/** A message as presented, with its author's side (staff or client). */
export function presentMessage(m: MessageRow & { author_role: string | null }) {
  return {
    id: m.id,
    kind: m.kind,
    body: m.body,
    author: { userId: m.author_user_id, side: m.author_role === "client" ? "client" : "staff" },
    internal: Number(m.internal) === 1,
    createdAt: m.created_at,
  };
}
