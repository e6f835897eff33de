// The reports: their names, their columns (one list per report is both the table's columns and
// the CSV's, in order) and how a query's aggregate rows become a report's rows. Pure: the queries
// (src/app/reports/queries.ts) answer per bucket what SQL can count, sum and take percentiles of;
// here empty buckets are filled with zeros, money is put together from its exact parts and
// written as decimal strings, and durations become days.

import { DAY_MS } from "../calendar/calendar.js";
import { formatMinor } from "../money/money.js";
import { REASONS, type Reason } from "../policy/types.js";
import { REQUEST_STATUSES, waitingOn, type RequestStatus } from "../requests/index.js";
import type { Bucket } from "./period.js";

/** Every report, in the order the reports page shows them. */
export const REPORT_NAMES = [
  "request-volume",
  "against-recommendation",
  "refunded-amounts",
  "payout-deadlines",
  "decision-times",
  "waiting-requests",
  "duplicate-payments",
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** How a report's rows are grouped in time: ISO weeks, calendar months, the period whole, now. */
export type BucketKind = "week" | "month" | "period" | "now";

/**
 * What a column holds, so a table and a CSV write it alike: `day` `YYYY-MM-DD`, `month`
 * `YYYY-MM`, `count` an integer, `amount` a decimal string in the row's `currency`, `currency` a
 * code, `days` a number of days with one decimal (null when nothing was measured), `code` one of
 * a closed list (reason, method, side), `text` free text (a person's name), `id` an identifier.
 */
export type ColumnKind =
  "day" | "month" | "count" | "amount" | "currency" | "days" | "code" | "text" | "id";

export interface Column {
  /** The row's property (JSON, camelCase). */
  readonly key: string;
  readonly kind: ColumnKind;
  /** The CSV header's name for it (snake_case). */
  readonly csv: string;
}

/** `notDelivered` -> `not_delivered`: a column's default name in the CSV header. */
export function csvName(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

const col = (key: string, kind: ColumnKind, csv = csvName(key)): Column => ({ key, kind, csv });

/** A reason code as a column key: `not_delivered` -> `notDelivered`. */
const camel = (code: string): string =>
  code.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The engine's outcomes a request can be recommended, plus `none` (not evaluated). */
export const RECOMMENDED = ["refund", "deny", "review", "incomplete", "none"] as const;
export type Recommended = (typeof RECOMMENDED)[number];

/** Where a request stands after review: the decided outcomes, and `open` (not decided yet). */
export const DECIDED = ["approved", "denied", "alternative", "withdrawn", "open"] as const;
export type Decided = (typeof DECIDED)[number];

/** Which decided outcome a request's status counts as. */
export function decidedOf(status: RequestStatus): Decided {
  switch (status) {
    case "approved":
    case "denied":
    case "withdrawn":
      return status;
    case "alternative_offered":
    case "alternative_accepted":
      return "alternative";
    case "triage":
    case "submitted":
    case "in_review":
    case "info_requested":
      return "open";
  }
}

/** The statuses whose move is staff's (waiting on QA) and the client's. */
export const WAITING_ON_QA: readonly RequestStatus[] = REQUEST_STATUSES.filter(
  (s) => waitingOn(s) === "staff",
);
export const WAITING_ON_CLIENT: readonly RequestStatus[] = REQUEST_STATUSES.filter(
  (s) => waitingOn(s) === "client",
);

/** Age bands of a waiting request (days since it started waiting on that side), upper bounds. */
export const WAITING_BANDS = [
  { key: "under2Days", csv: "under_2_days", below: 2 },
  { key: "days2To7", csv: "2_to_7_days", below: 7 },
  { key: "days7To14", csv: "7_to_14_days", below: 14 },
  { key: "over14Days", csv: "over_14_days", below: null },
] as const;

export const REASON_KEYS: Readonly<Record<Reason, string>> = Object.fromEntries(
  REASONS.map((r) => [r, camel(r)]),
) as Record<Reason, string>;

export const RECOMMENDED_KEYS: Readonly<Record<Recommended, string>> = Object.fromEntries(
  RECOMMENDED.map((o) => [o, `recommended${o[0]!.toUpperCase()}${o.slice(1)}`]),
) as Record<Recommended, string>;

export const DECIDED_KEYS: Readonly<Record<Decided, string>> = Object.fromEntries(
  DECIDED.map((o) => [o, `decided${o[0]!.toUpperCase()}${o.slice(1)}`]),
) as Record<Decided, string>;

/** Each report's time grouping and columns (the table's and the CSV's, in order). */
export const REPORTS: Readonly<
  Record<ReportName, { readonly bucket: BucketKind; readonly columns: readonly Column[] }>
> = {
  "request-volume": {
    bucket: "week",
    columns: [
      col("weekStart", "day"),
      col("weekEnd", "day"),
      col("requests", "count"),
      ...REASONS.map((r) => col(REASON_KEYS[r], "count")),
      ...RECOMMENDED.map((o) => col(RECOMMENDED_KEYS[o], "count")),
      ...DECIDED.map((o) => col(DECIDED_KEYS[o], "count")),
    ],
  },
  "against-recommendation": {
    bucket: "period",
    columns: [
      col("reviewerId", "id"),
      col("reviewer", "text"),
      col("reason", "code"),
      col("decisions", "count"),
      col("followed", "count"),
      col("against", "count"),
      col("noFirmRecommendation", "count"),
    ],
  },
  "refunded-amounts": {
    bucket: "month",
    columns: [
      col("month", "month"),
      col("method", "code"),
      col("currency", "currency"),
      col("payouts", "count"),
      col("amount", "amount"),
    ],
  },
  "payout-deadlines": {
    bucket: "month",
    columns: [
      col("month", "month"),
      col("due", "count"),
      col("kept", "count"),
      col("late", "count"),
      col("overdue", "count"),
      col("open", "count"),
      col("medianDaysToSend", "days"),
      col("p90DaysToSend", "days"),
    ],
  },
  "decision-times": {
    bucket: "week",
    columns: [
      col("weekStart", "day"),
      col("weekEnd", "day"),
      col("decided", "count"),
      col("automatic", "count"),
      col("medianDays", "days"),
      col("p90Days", "days"),
    ],
  },
  "waiting-requests": {
    bucket: "now",
    columns: [
      col("waitingOn", "code"),
      col("waiting", "count"),
      ...WAITING_BANDS.map((b) => col(b.key, "count", b.csv)),
      col("oldestDays", "days"),
    ],
  },
  "duplicate-payments": {
    bucket: "month",
    columns: [
      col("month", "month"),
      col("currency", "currency"),
      col("found", "count"),
      col("refundedInFull", "count"),
      col("partlyRefunded", "count"),
      col("notRefunded", "count"),
      col("foundAmount", "amount"),
      col("refundedAmount", "amount"),
    ],
  },
};

/** A report's row: column key -> value (a string, a number, or null for an unmeasured `days`). */
export type ReportRow = Record<string, string | number | null>;

/**
 * Minor units put together from the two parts the queries sum (`hi` = all but the last 9 digits,
 * `lo` = the last 9), each a decimal integer as text: SQL sums 64-bit integers exactly on both
 * databases, and the split keeps each sum far below 2^63 (ADR 0024).
 */
export function minorFromParts(hi: string | number | null, lo: string | number | null): bigint {
  return BigInt(hi ?? 0) * 1_000_000_000n + BigInt(lo ?? 0);
}

/** Milliseconds as days with one decimal (half up); null stays null (nothing measured). */
export function msToDays(ms: number | null): number | null {
  if (ms === null) return null;
  return Math.round(ms / (DAY_MS / 10)) / 10;
}

/** A count as SQL answers it (PostgreSQL's bigint arrives as a string or number; null: none). */
export function count(v: string | number | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** Rows keyed by bucket, one per bucket of the period in order, zeros where nothing happened. */
function perBucket<A extends { readonly k: string }>(
  buckets: readonly Bucket[],
  aggregates: readonly A[],
  row: (b: Bucket, a: A | undefined) => ReportRow,
): ReportRow[] {
  const byKey = new Map(aggregates.map((a) => [a.k, a]));
  return buckets.map((b) => row(b, byKey.get(b.key)));
}

/**
 * What the request-volume query answers: how many requests of one reason, status and recommended
 * outcome (`none` without one) were submitted in week `k` (only the combinations that occur).
 */
export interface RequestVolumeAggregate {
  readonly k: string;
  /** null: requests whose reason QA has not classified (triage, or withdrawn from it); they
   * count in the week's total and its decided outcome, in no reason's column. */
  readonly reason: string | null;
  readonly status: string;
  readonly outcome: string;
  readonly n: string | number;
}

/** Requests per week: by reason, by recommended outcome, by decided outcome (status now). */
export function requestVolumeRows(
  buckets: readonly Bucket[],
  aggregates: readonly RequestVolumeAggregate[],
): ReportRow[] {
  const counts = REPORTS["request-volume"].columns.filter((c) => c.kind === "count");
  const byWeek = new Map<string, ReportRow>();
  for (const b of buckets) {
    const row: ReportRow = { weekStart: b.first, weekEnd: b.last };
    for (const c of counts) row[c.key] = 0;
    byWeek.set(b.key, row);
  }
  const add = (row: ReportRow, key: string | undefined, n: number) => {
    if (key !== undefined) row[key] = (row[key] as number) + n;
  };
  for (const a of aggregates) {
    const row = byWeek.get(a.k);
    if (row === undefined) continue;
    const n = count(a.n);
    add(row, "requests", n);
    if (a.reason !== null) add(row, (REASON_KEYS as Record<string, string>)[a.reason], n);
    add(row, (RECOMMENDED_KEYS as Record<string, string>)[a.outcome], n);
    const status = REQUEST_STATUSES.find((s) => s === a.status);
    if (status !== undefined) add(row, DECIDED_KEYS[decidedOf(status)], n);
  }
  return [...byWeek.values()];
}

/**
 * What the against-recommendation query answers: a reviewer's approvals and denials in the period
 * for requests of one reason, by verdict: `followed` (the recommendation the reviewer saw),
 * `against` (departed from a firm one, refund or deny), `unguided` (nothing firm to follow).
 */
export interface AgainstAggregate {
  readonly reviewerId: string;
  readonly reviewer: string | null;
  readonly reason: string;
  readonly verdict: string;
  readonly n: string | number;
}

/** Decisions against the recommendation per reviewer and reason, most departures first. */
export function againstRows(aggregates: readonly AgainstAggregate[]): ReportRow[] {
  const rows = new Map<string, ReportRow>();
  for (const a of aggregates) {
    const key = `${a.reviewerId}\u0000${a.reason}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = {
        reviewerId: a.reviewerId,
        reviewer: a.reviewer ?? a.reviewerId,
        reason: a.reason,
        decisions: 0,
        followed: 0,
        against: 0,
        noFirmRecommendation: 0,
      };
      rows.set(key, row);
    }
    const n = count(a.n);
    row["decisions"] = (row["decisions"] as number) + n;
    const column =
      a.verdict === "followed"
        ? "followed"
        : a.verdict === "against"
          ? "against"
          : "noFirmRecommendation";
    row[column] = (row[column] as number) + n;
  }
  return [...rows.values()].sort(
    (x, y) =>
      (y["against"] as number) - (x["against"] as number) ||
      String(x["reviewer"]).localeCompare(String(y["reviewer"])) ||
      String(x["reviewerId"]).localeCompare(String(y["reviewerId"])) ||
      String(x["reason"]).localeCompare(String(y["reason"])),
  );
}

export interface RefundedAggregate {
  readonly k: string;
  readonly method: string;
  readonly currency: string;
  readonly payouts: string | number;
  readonly amountHi: string | number | null;
  readonly amountLo: string | number | null;
}

const byText =
  (...keys: string[]) =>
  (x: ReportRow, y: ReportRow): number => {
    for (const k of keys) {
      const c = String(x[k]).localeCompare(String(y[k]));
      if (c !== 0) return c;
    }
    return 0;
  };

/** Money sent per month, method and currency (only the combinations that occurred). */
export function refundedRows(aggregates: readonly RefundedAggregate[]): ReportRow[] {
  return aggregates
    .map((a): ReportRow => ({
      month: a.k,
      method: a.method,
      currency: a.currency,
      payouts: count(a.payouts),
      amount: formatMinor(minorFromParts(a.amountHi, a.amountLo), a.currency),
    }))
    .sort(byText("month", "currency", "method"));
}

export interface DeadlineAggregate {
  readonly k: string;
  readonly due: string | number;
  readonly kept: string | number;
  readonly late: string | number;
  readonly overdue: string | number;
  readonly open: string | number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
}

/** Payouts by the month of their last due day: kept, late, overdue, open; days to send them. */
export function deadlineRows(
  buckets: readonly Bucket[],
  aggregates: readonly DeadlineAggregate[],
): ReportRow[] {
  return perBucket(buckets, aggregates, (b, a) => ({
    month: b.key,
    due: count(a?.due),
    kept: count(a?.kept),
    late: count(a?.late),
    overdue: count(a?.overdue),
    open: count(a?.open),
    medianDaysToSend: msToDays(a?.medianMs ?? null),
    p90DaysToSend: msToDays(a?.p90Ms ?? null),
  }));
}

export interface DecisionTimeAggregate {
  readonly k: string;
  readonly decided: string | number;
  readonly automatic: string | number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
}

/** First decisions per week and how long they took from submission. */
export function decisionTimeRows(
  buckets: readonly Bucket[],
  aggregates: readonly DecisionTimeAggregate[],
): ReportRow[] {
  return perBucket(buckets, aggregates, (b, a) => ({
    weekStart: b.first,
    weekEnd: b.last,
    decided: count(a?.decided),
    automatic: count(a?.automatic),
    medianDays: msToDays(a?.medianMs ?? null),
    p90Days: msToDays(a?.p90Ms ?? null),
  }));
}

export interface WaitingAggregate {
  /** `qa` or `client`. */
  readonly side: string;
  readonly waiting: string | number;
  readonly under2Days: string | number;
  readonly days2To7: string | number;
  readonly days7To14: string | number;
  readonly over14Days: string | number;
  /** The longest-waiting request's waiting-since instant (ISO text). */
  readonly oldestSince: string | null;
}

/** Requests waiting now on QA and on clients, by how long they have waited; both rows always. */
export function waitingRows(aggregates: readonly WaitingAggregate[], now: number): ReportRow[] {
  return (["qa", "client"] as const).map((side) => {
    const a = aggregates.find((x) => x.side === side);
    const oldest = a?.oldestSince ?? null;
    return {
      waitingOn: side,
      waiting: count(a?.waiting),
      under2Days: count(a?.under2Days),
      days2To7: count(a?.days2To7),
      days7To14: count(a?.days7To14),
      over14Days: count(a?.over14Days),
      oldestDays: oldest === null ? null : msToDays(Math.max(0, now - Date.parse(oldest))),
    };
  });
}

export interface DuplicateAggregate {
  readonly k: string;
  readonly currency: string;
  readonly found: string | number;
  readonly refundedInFull: string | number;
  readonly partlyRefunded: string | number;
  readonly notRefunded: string | number;
  readonly foundHi: string | number | null;
  readonly foundLo: string | number | null;
  readonly refundedHi: string | number | null;
  readonly refundedLo: string | number | null;
}

/** Duplicate payments found per month and currency, and how much of them went back. */
export function duplicateRows(aggregates: readonly DuplicateAggregate[]): ReportRow[] {
  return aggregates
    .map((a): ReportRow => ({
      month: a.k,
      currency: a.currency,
      found: count(a.found),
      refundedInFull: count(a.refundedInFull),
      partlyRefunded: count(a.partlyRefunded),
      notRefunded: count(a.notRefunded),
      foundAmount: formatMinor(minorFromParts(a.foundHi, a.foundLo), a.currency),
      refundedAmount: formatMinor(minorFromParts(a.refundedHi, a.refundedLo), a.currency),
    }))
    .sort(byText("month", "currency"));
}
