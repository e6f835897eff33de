// A payout as the API shows it. Staff get the full view: amounts as decimal strings, the due
// window and where the payout stands against it today, what it waits on, who approved, the
// provider's answer, and the list fields finance works from (client, order). Clients get a client
// view (issue 11, bug 6): status in plain words, the window in which to expect the money and what
// they must do; never staff ids, approvals, provider text or automation flags.

import { isStaff, type Actor } from "../../core/access/index.js";
import { holidayCalendar } from "../../core/calendar/business-days.js";
import { dayInZone, formatDay } from "../../core/calendar/calendar.js";
import { formatMinor, moneyToJson, type MoneyJson } from "../../core/money/money.js";
import {
  approvalsNeeded,
  awaitingOf,
  clientWords,
  deadlineOf,
  destinationNeeded,
  payoutActions,
  thresholdsOf,
  type PayoutActionView,
  type Awaiting,
  type ClientStage,
  type DeadlineState,
  type PayoutStanding,
} from "../../core/payouts/index.js";
import type { PaymentMethod, Policy } from "../../core/policy/index.js";
import { fromDbMinor } from "../../db/money.js";
import {
  parseApprovals,
  parseDestination,
  type Destination,
  type PayoutRow,
} from "./repository.js";
import { money } from "../../core/money/money.js";

/**
 * A payout row with what finance's list shows beside it (client name, order), and what its
 * `actions` are decided from (the request's client, who made the decision).
 */
export type ListedPayoutRow = PayoutRow & {
  readonly client_name: string | null;
  readonly order_id: string | null;
  readonly client_id: string;
  readonly decided_by: string;
};

/** Fields both views share. */
interface CommonJson {
  view: "client" | "staff";
  id: string;
  requestId: string;
  orderId: string | null;
  method: string;
  amount: MoneyJson;
  dueEarliest: string;
  dueLatest: string;
  stage: ClientStage;
  statusText: string;
  whatNext: string;
  yourAction: string | null;
  destination: Destination | null;
  reissueOf: string | null;
  replacedBy: string | null;
  succeededAt: string | null;
  version: number;
  /** What the caller may do with the payout now (decided here, never by the UI). */
  actions: PayoutActionView[];
}

export interface ClientPayoutJson extends CommonJson {
  view: "client";
}

export interface StaffPayoutJson extends CommonJson {
  view: "staff";
  clientName: string | null;
  decisionId: string;
  paymentId: string;
  status: string;
  deadline: DeadlineState;
  approvalsNeeded: number;
  approvals: { userId: string; at: string }[];
  released: boolean;
  awaiting: Awaiting | null;
  reference: string | null;
  providerRef: string | null;
  failureReason: string | null;
  crypto: { rate: string; coins: MoneyJson } | null;
  parked: boolean;
  attempts: number;
  attempt: number;
  note: string | null;
  paidOutside: boolean;
  createdAt: string;
  updatedAt: string;
}

export type PayoutJson = ClientPayoutJson | StaffPayoutJson;

/** Today's date in the policy's zone (deadlines are counted in it). */
export function todayIn(policy: Policy, now: number): string {
  return formatDay(dayInZone(now, policy.params.timezone));
}

/** What the core's `awaitingOf` / `deadlineOf` need of a stored payout. */
export function standingOf(row: PayoutRow, policy: Policy): PayoutStanding {
  const amount = money(fromDbMinor(row.amount_minor), row.currency);
  const method = row.method as PaymentMethod;
  return {
    status: row.status,
    method,
    approvalsGiven: parseApprovals(row.approvals).length,
    approvalsNeeded: approvalsNeeded(amount, thresholdsOf(policy.payouts)),
    destinationNeeded: destinationNeeded(method, row.reissue_of !== null),
    destinationGiven: row.destination !== null,
    parked: row.parked_at !== null,
    dueLatest: row.due_latest,
  };
}

export function presentPayout(
  row: ListedPayoutRow,
  policy: Policy,
  now: number,
  actor: Actor,
): PayoutJson {
  const amount = money(fromDbMinor(row.amount_minor), row.currency);
  const standing = standingOf(row, policy);
  const cal = holidayCalendar(policy.params.holidays, policy.params.holidayCountry);
  const awaiting = awaitingOf(standing);
  const approvals = parseApprovals(row.approvals);
  const deadline = deadlineOf(standing, todayIn(policy, now), cal);
  const words = clientWords({
    status: row.status,
    method: standing.method,
    awaiting,
    deadline,
    dueEarliest: row.due_earliest,
    dueLatest: row.due_latest,
    succeededOn: row.succeeded_at === null ? null : todayIn(policy, Date.parse(row.succeeded_at)),
  });
  const common: Omit<CommonJson, "view"> = {
    id: row.id,
    requestId: row.request_id,
    orderId: row.order_id,
    method: row.method,
    amount: moneyToJson(amount),
    dueEarliest: row.due_earliest,
    dueLatest: row.due_latest,
    stage: words.stage,
    statusText: words.statusText,
    whatNext: words.whatNext,
    yourAction: words.yourAction,
    destination: parseDestination(row.destination),
    reissueOf: row.reissue_of,
    replacedBy: row.replaced_by,
    succeededAt: row.succeeded_at,
    version: row.version,
    actions: payoutActions(actor, {
      status: row.status,
      method: standing.method,
      parked: standing.parked,
      failureReason: row.failure_reason,
      awaiting,
      destinationNeeded: standing.destinationNeeded,
      clientId: row.client_id,
      decidedBy: row.decided_by,
      approvedBy: approvals.map((a) => a.userId),
      approvalsNeeded: standing.approvalsNeeded,
      heldByDispute: row.held_by_dispute !== null,
    }),
  };
  if (!isStaff(actor)) return { view: "client", ...common };
  return {
    view: "staff",
    ...common,
    clientName: row.client_name,
    decisionId: row.decision_id,
    paymentId: row.payment_id,
    status: row.status,
    deadline,
    approvalsNeeded: standing.approvalsNeeded,
    approvals: approvals.map((a) => ({ userId: a.userId, at: new Date(a.at).toISOString() })),
    released: approvals.length >= standing.approvalsNeeded,
    awaiting,
    reference: row.manual_reference,
    providerRef: row.provider_ref,
    failureReason: row.failure_reason,
    crypto:
      row.crypto_rate === null || row.crypto_amount_minor === null || row.crypto_currency === null
        ? null
        : {
            rate: row.crypto_rate,
            coins: {
              amount: formatMinor(fromDbMinor(row.crypto_amount_minor), row.crypto_currency),
              currency: row.crypto_currency,
            },
          },
    parked: row.parked_at !== null,
    attempts: row.attempts,
    attempt: row.attempt,
    note: row.note,
    paidOutside: row.paid_outside_at !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
