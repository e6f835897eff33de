// Components of the /reports routes (ADR 0018): the period, a column, and per report its row and
// the report around them. Each row's properties are the report's columns (src/core/reports), in
// the order the table and the CSV show them; the schemas are built from that one list.

import { PAYMENT_METHODS, REASONS } from "../../core/policy/index.js";
import {
  REPORTS,
  REPORT_NAMES,
  type Column,
  type ColumnKind,
  type ReportName,
} from "../../core/reports/index.js";
import { ref, type Component } from "../openapi/components.js";

/** What each column means, for the document (every key of every report has one). */
const MEANING: Readonly<Record<string, string>> = {
  weekStart:
    "The week's first day within the period (`YYYY-MM-DD`, a Monday unless the period starts later).",
  weekEnd: "The week's last day within the period (a Sunday unless the period ends sooner).",
  month: "The calendar month (`YYYY-MM`) in the policy's time zone.",
  requests: "Requests submitted in the week.",
  notDelivered: "Of them, for a service not delivered.",
  duplicatePayment: "Of them, for a duplicate payment.",
  mismatch: "Of them, for a service that did not match its description.",
  unusedSubscription: "Of them, for an unused subscription period.",
  other: "Of them, for another reason.",
  recommendedRefund:
    "Of them, recommended for a refund by the engine (the current recommendation).",
  recommendedDeny: "Of them, recommended for a denial.",
  recommendedReview: "Of them, left to a reviewer by the engine (`review`).",
  recommendedIncomplete: "Of them, lacking facts the engine needs (`incomplete`).",
  recommendedNone: "Of them, without a recommendation (the engine could not evaluate).",
  decidedApproved: "Of them, approved (status now).",
  decidedDenied: "Of them, denied.",
  decidedAlternative: "Of them, offered (or having accepted) an alternative instead of a refund.",
  decidedWithdrawn: "Of them, withdrawn by the client.",
  decidedOpen:
    "Of them, not decided yet (submitted, in review, or waiting on the client's answer).",
  reviewerId: "The user who decided.",
  reviewer: "Their name.",
  reason: "The request's reason.",
  decisions: "Approvals and denials this reviewer made in the period for requests of this reason.",
  followed:
    "Of them, following the recommendation: a denial of a recommended denial, or an approval of exactly the recommended amount.",
  against:
    "Of them, departing from a firm recommendation (refund or deny): a denial or another amount where a refund was recommended, an approval where a denial was.",
  noFirmRecommendation:
    "Of them, made where the engine recommended nothing firm (`review`, `incomplete`, or no recommendation): nothing to follow or depart from.",
  method: "How the money was sent (the payout's method).",
  currency: "The currency of the amounts in this row.",
  payouts:
    "Payouts that sent money in the month (succeeded, including those recorded as paid outside).",
  amount: "Their total, a decimal string in the currency's units.",
  due: "Payouts whose last due day falls in the month (a payout reissued by another method counts once, as its replacement).",
  kept: "Of them, money sent before the end of the last due day in the policy's time zone.",
  late: "Of them, money sent after it.",
  overdue: "Of them, not sent and the last due day is past.",
  open: "Of them, not sent and not yet past due.",
  medianDaysToSend:
    "Median days (24 hours each, one decimal) from the approval of the request to the money sent, over the payouts sent; null when none was.",
  p90DaysToSend: "90th percentile of the same days (interpolated); null when none was sent.",
  decided:
    "Requests whose first decision (approve, deny or an alternative offered) a person made in the week.",
  automatic: "Requests the system decided in the week (automatic approvals of duplicate payments).",
  medianDays:
    "Median days (one decimal) from submission to a person's first decision, over the week's decisions; null when none.",
  p90Days: "90th percentile of the same days (interpolated); null when none.",
  waitingOn:
    "`qa`: in triage, submitted or in review; `client`: a question or an alternative to answer.",
  waiting: "Requests waiting now on this side.",
  under2Days: "Of them, waiting less than 2 days (since the request last changed hands).",
  days2To7: "Of them, waiting 2 to less than 7 days.",
  days7To14: "Of them, waiting 7 to less than 14 days.",
  over14Days: "Of them, waiting 14 days or more.",
  oldestDays:
    "How long the longest-waiting of them has waited, in days (one decimal); null when none waits.",
  found:
    "Duplicate payments the ledger found in the month (extra payments tied to a refund request).",
  refundedInFull: "Of them, refunded in full (the payment's refunded total equals it).",
  partlyRefunded: "Of them, refunded in part so far.",
  notRefunded: "Of them, nothing refunded yet.",
  foundAmount: "Their total, a decimal string in the currency's units.",
  refundedAmount: "How much of them went back so far, a decimal string.",
};

const CODES: Readonly<Record<string, readonly string[]>> = {
  reason: REASONS,
  method: PAYMENT_METHODS,
  waitingOn: ["qa", "client"],
};

function columnSchema(c: Column): Record<string, unknown> {
  const description = MEANING[c.key];
  if (description === undefined) throw new Error(`report column ${c.key} has no description`);
  const by: Record<ColumnKind, Record<string, unknown>> = {
    day: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    month: { type: "string", pattern: "^\\d{4}-\\d{2}$" },
    count: { type: "integer", minimum: 0 },
    amount: { type: "string", pattern: "^\\d+(\\.\\d+)?$" },
    currency: { type: "string", minLength: 1, maxLength: 12 },
    days: { type: ["number", "null"], minimum: 0 },
    code: { type: "string", enum: [...(CODES[c.key] ?? [])] },
    text: { type: "string" },
    id: { type: "string" },
  };
  return { ...by[c.kind], description };
}

/** `request-volume` -> `RequestVolume`. */
const pascal = (name: string): string =>
  name.replace(/(^|-)([a-z])/g, (_m, _d, ch: string) => ch.toUpperCase());

/** A report's component names: `<Pascal>Report` and `<Pascal>Row`. */
export function reportComponent(name: ReportName): string {
  return `${pascal(name)}Report`;
}

const PERIOD_EXAMPLE = {
  from: "2026-03-02",
  to: "2026-03-15",
  timeZone: "Asia/Bangkok",
  bucket: "week",
};

export const ReportPeriod = {
  $id: "ReportPeriod",
  type: "object",
  additionalProperties: false,
  required: ["from", "to", "timeZone", "bucket"],
  description:
    "The period a report covers: whole days `from`..`to` (inclusive) in the policy's time zone, and how its rows are grouped: ISO weeks (Monday to Sunday), calendar months, the period as a whole, or `now` (a snapshot; the period does not apply).",
  properties: {
    from: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    to: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    timeZone: { type: "string", description: "The policy's IANA time zone." },
    bucket: { type: "string", enum: ["week", "month", "period", "now"] },
  },
  examples: [PERIOD_EXAMPLE],
} as const satisfies Component;

export const ReportColumn = {
  $id: "ReportColumn",
  type: "object",
  additionalProperties: false,
  required: ["key", "kind"],
  description:
    "One column of a report: the rows' property and what it holds (`day` YYYY-MM-DD, `month` YYYY-MM, `count`, `amount` a decimal string in the row's `currency`, `currency`, `days` one decimal or null, `code` from a closed list, `text`, `id`). The table and the CSV show the columns in this order; the CSV header names them in snake_case.",
  properties: {
    key: { type: "string" },
    kind: {
      type: "string",
      enum: ["day", "month", "count", "amount", "currency", "days", "code", "text", "id"],
    },
  },
  examples: [{ key: "weekStart", kind: "day" }],
} as const satisfies Component;

/** One example row per report (validated against its schema by the document test). */
const ROW_EXAMPLES: Readonly<Record<ReportName, Record<string, unknown>>> = {
  "request-volume": {
    weekStart: "2026-03-02",
    weekEnd: "2026-03-08",
    requests: 12,
    notDelivered: 5,
    duplicatePayment: 2,
    mismatch: 3,
    unusedSubscription: 1,
    other: 1,
    recommendedRefund: 6,
    recommendedDeny: 3,
    recommendedReview: 2,
    recommendedIncomplete: 1,
    recommendedNone: 0,
    decidedApproved: 5,
    decidedDenied: 3,
    decidedAlternative: 1,
    decidedWithdrawn: 0,
    decidedOpen: 3,
  },
  "against-recommendation": {
    reviewerId: "usr_quinn",
    reviewer: "Quinn QA",
    reason: "mismatch",
    decisions: 14,
    followed: 9,
    against: 3,
    noFirmRecommendation: 2,
  },
  "refunded-amounts": {
    month: "2026-03",
    method: "card",
    currency: "USD",
    payouts: 18,
    amount: "21450.00",
  },
  "payout-deadlines": {
    month: "2026-03",
    due: 20,
    kept: 16,
    late: 2,
    overdue: 1,
    open: 1,
    medianDaysToSend: 9.4,
    p90DaysToSend: 15.2,
  },
  "decision-times": {
    weekStart: "2026-03-02",
    weekEnd: "2026-03-08",
    decided: 11,
    automatic: 2,
    medianDays: 1.8,
    p90Days: 4.5,
  },
  "waiting-requests": {
    waitingOn: "qa",
    waiting: 7,
    under2Days: 4,
    days2To7: 2,
    days7To14: 1,
    over14Days: 0,
    oldestDays: 8.3,
  },
  "duplicate-payments": {
    month: "2026-03",
    currency: "USD",
    found: 3,
    refundedInFull: 2,
    partlyRefunded: 0,
    notRefunded: 1,
    foundAmount: "14400.00",
    refundedAmount: "9600.00",
  },
};

const PERIOD_BY_BUCKET: Readonly<Record<string, Record<string, string>>> = {
  week: PERIOD_EXAMPLE,
  month: { ...PERIOD_EXAMPLE, from: "2026-01-01", to: "2026-03-31", bucket: "month" },
  period: { ...PERIOD_EXAMPLE, from: "2026-01-01", to: "2026-03-31", bucket: "period" },
  now: { ...PERIOD_EXAMPLE, bucket: "now" },
};

function rowComponent(name: ReportName): Component {
  const columns = REPORTS[name].columns;
  return {
    $id: `${pascal(name)}Row`,
    type: "object",
    additionalProperties: false,
    required: columns.map((c) => c.key),
    description: `One row of the ${name} report (its table and its CSV line).`,
    properties: Object.fromEntries(columns.map((c) => [c.key, columnSchema(c)])),
    examples: [ROW_EXAMPLES[name]],
  };
}

function reportOf(name: ReportName): Component {
  const def = REPORTS[name];
  return {
    $id: reportComponent(name),
    type: "object",
    additionalProperties: false,
    required: ["report", "period", "generatedAt", "columns", "rows"],
    description: `The ${name} report: its period, its columns in order and its rows (the chart's data, its table and its CSV).`,
    properties: {
      report: { type: "string", enum: [name] },
      period: ref("ReportPeriod"),
      generatedAt: {
        type: "string",
        format: "date-time",
        description: "When the figures were read (UTC).",
      },
      columns: { type: "array", items: ref("ReportColumn") },
      rows: { type: "array", items: ref(`${pascal(name)}Row`) },
    },
    examples: [
      {
        report: name,
        period: PERIOD_BY_BUCKET[def.bucket],
        generatedAt: "2026-03-16T02:00:00.000Z",
        columns: def.columns.map((c) => ({ key: c.key, kind: c.kind })),
        rows: [ROW_EXAMPLES[name]],
      },
    ],
  };
}

export const REPORT_COMPONENTS: readonly Component[] = [
  ReportPeriod,
  ReportColumn,
  ...REPORT_NAMES.flatMap((name) => [rowComponent(name), reportOf(name)]),
];
