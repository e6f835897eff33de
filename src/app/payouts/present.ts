// A payout as the API shows it: amounts as decimal strings, the due window and where the payout
// stands against it today, and what it still waits for (approvals, the client's crypto address).
// Clients see their own payouts without the names of the staff who approved them.

import { isStaff, type Actor } from "../../core/access/index.js";
import { holidayCalendar } from "../../core/calendar/business-days.js";
import { dayInZone, formatDay } from "../../core/calendar/calendar.js";
import { formatMinor, moneyToJson, type MoneyJson } from "../../core/money/money.js";
import {
  approvalsNeeded,
  deadlineState,
  thresholdsOf,
  type DeadlineState,
} from "../../core/payouts/index.js";
import type { Policy } from "../../core/policy/index.js";
import { fromDbMinor } from "../../db/money.js";
import { parseApprovals, parseDestination, type PayoutRow } from "./repository.js";
import { money } from "../../core/money/money.js";

export interface PayoutJson {
  id: string;
  requestId: string;
  decisionId: string;
  paymentId: string;
  method: string;
  amount: MoneyJson;
  status: string;
  dueEarliest: string;
  dueLatest: string;
  deadline: DeadlineState;
  approvalsNeeded: number;
  approvals: { userId: string; at: string }[] | null;
  released: boolean;
  awaiting: "approval" | "second_approval" | "destination" | "finance_record" | "provider" | null;
  destination: { asset: string; network: string; address: string } | null;
  reference: string | null;
  providerRef: string | null;
  failureReason: string | null;
  crypto: { rate: string; coins: MoneyJson } | null;
  parked: boolean;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  succeededAt: string | null;
  version: number;
}

/** Today's date in the policy's zone (deadlines are counted in it). */
export function todayIn(policy: Policy, now: number): string {
  return formatDay(dayInZone(now, policy.params.timezone));
}

export function presentPayout(
  row: PayoutRow,
  policy: Policy,
  now: number,
  actor: Actor,
): PayoutJson {
  const amount = money(fromDbMinor(row.amount_minor), row.currency);
  const approvals = parseApprovals(row.approvals);
  const needed = approvalsNeeded(amount, thresholdsOf(policy.payouts));
  const released = approvals.length >= needed;
  const destination = parseDestination(row.destination);
  const cal = holidayCalendar(policy.params.holidays, policy.params.holidayCountry);
  let awaiting: PayoutJson["awaiting"] = null;
  if (row.status === "scheduled") {
    if (row.method === "crypto" && destination === null) awaiting = "destination";
    else if (approvals.length === 0) awaiting = "approval";
    else if (!released) awaiting = "second_approval";
    else awaiting = row.method === "card" ? "provider" : "finance_record";
  } else if (row.status === "submitting" || row.status === "pending" || row.status === "unknown") {
    awaiting = "provider";
  }
  return {
    id: row.id,
    requestId: row.request_id,
    decisionId: row.decision_id,
    paymentId: row.payment_id,
    method: row.method,
    amount: moneyToJson(amount),
    status: row.status,
    dueEarliest: row.due_earliest,
    dueLatest: row.due_latest,
    deadline: deadlineState(row.status, row.due_latest, todayIn(policy, now), cal),
    approvalsNeeded: needed,
    approvals: isStaff(actor)
      ? approvals.map((a) => ({ userId: a.userId, at: new Date(a.at).toISOString() }))
      : null,
    released,
    awaiting,
    destination,
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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    succeededAt: row.succeeded_at,
    version: row.version,
  };
}
