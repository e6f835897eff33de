// One report over a period in the policy's time zone (`GET /api/v1/reports/<name>`): the period
// read and checked by the core, one aggregate query (./queries.ts), the rows made by the core.
// The CSV (`reportCsv`) is the same rows and columns, so a chart, its table and its download
// cannot disagree.

import { dayInZone } from "../../core/calendar/calendar.js";
import {
  REPORTS,
  againstRows,
  dayEnds,
  deadlineRows,
  decisionTimeRows,
  duplicateRows,
  monthBuckets,
  parsePeriod,
  refundedRows,
  requestVolumeRows,
  waitingRows,
  weekBuckets,
  type BucketKind,
  type Column,
  type ReportName,
  type ReportRow,
} from "../../core/reports/index.js";
import { formatDay } from "../../core/calendar/calendar.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { csvLine } from "../payouts/export-payouts.js";
import { toDbInstant } from "../../db/time.js";
import * as q from "./queries.js";

export interface ReportQuery {
  /** `YYYY-MM-DD` in the policy's zone (inclusive). */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** A report as the API answers it (JSON) and its CSV writes it. */
export interface Report {
  readonly report: ReportName;
  readonly period: {
    readonly from: string;
    readonly to: string;
    readonly timeZone: string;
    readonly bucket: BucketKind;
  };
  /** When the figures were read (ISO UTC): "waiting now" is as of this instant. */
  readonly generatedAt: string;
  readonly columns: readonly { readonly key: string; readonly kind: Column["kind"] }[];
  readonly rows: readonly ReportRow[];
}

/** Reads one report (staff with `report.read`); a bad period is a 400 naming the field. */
export async function getReport(
  deps: AppDeps,
  ctx: ActionContext,
  name: ReportName,
  query: ReportQuery,
): Promise<Report> {
  scopeFor(ctx.actor, "report.read", "report");
  const zone = (await deps.policies.current()).params.timezone;
  const now = deps.clock();
  const parsed = parsePeriod(query, dayInZone(now, zone), zone);
  if (!parsed.ok) {
    throw new AppError("invalid_input", `${parsed.error.path}: ${parsed.error.message}`, [
      parsed.error,
    ]);
  }
  const p = parsed.value;
  const { db, dialect } = deps;
  let rows: ReportRow[];
  switch (name) {
    case "request-volume": {
      const buckets = weekBuckets(p);
      rows = requestVolumeRows(buckets, await q.requestVolume(db, buckets));
      break;
    }
    case "against-recommendation":
      rows = againstRows(await q.againstRecommendation(db, p));
      break;
    case "refunded-amounts":
      rows = refundedRows(await q.refundedAmounts(db, monthBuckets(p)));
      break;
    case "payout-deadlines": {
      const buckets = monthBuckets(p);
      const today = formatDay(dayInZone(now, zone));
      rows = deadlineRows(
        buckets,
        await q.payoutDeadlines(db, dialect, buckets, dayEnds(p), today),
      );
      break;
    }
    case "decision-times": {
      const buckets = weekBuckets(p);
      rows = decisionTimeRows(buckets, await q.decisionTimes(db, dialect, buckets));
      break;
    }
    case "waiting-requests":
      rows = waitingRows(await q.waitingRequests(db, now), now);
      break;
    case "duplicate-payments":
      rows = duplicateRows(await q.duplicatePayments(db, monthBuckets(p)));
      break;
  }
  const def = REPORTS[name];
  return {
    report: name,
    period: { from: p.from, to: p.to, timeZone: zone, bucket: def.bucket },
    generatedAt: toDbInstant(now),
    columns: def.columns.map((c) => ({ key: c.key, kind: c.kind })),
    rows,
  };
}

/**
 * The report as CSV (RFC 4180, CRLF): a header of the columns' snake_case names, then one line per
 * row in the table's order; amounts as decimal strings, days with one decimal, empty for none.
 */
export function reportCsv(report: Report): string {
  const columns = REPORTS[report.report].columns;
  const lines = [csvLine(columns.map((c) => c.csv))];
  for (const row of report.rows) lines.push(csvLine(columns.map((c) => row[c.key] ?? null)));
  return lines.join("");
}

/** The download's file name: `<report>_<from>_<to>.csv`. */
export function reportFileName(report: Report): string {
  return `${report.report}_${report.period.from}_${report.period.to}.csv`;
}
