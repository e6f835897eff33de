// /reports: the reports page's data for QA leads, finance and management. One route per report,
// each one aggregate query over a period in the policy's time zone, answered as JSON or, with
// `?format=csv` or `Accept: text/csv`, as the CSV of exactly the same rows. Thin: schema, one use
// case, present.

import type { FastifyReply, FastifyRequest } from "fastify";
import {
  getReport,
  reportCsv,
  reportFileName,
  type ReportQuery,
} from "../../app/reports/get-report.js";
import { REPORT_NAMES, type ReportName } from "../../core/reports/index.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf } from "./common.js";
import { reportComponent } from "./report-schemas.js";

const TAGS = ["reports"];

const reportQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    from: {
      type: "string",
      maxLength: 10,
      description:
        "First day of the period, `YYYY-MM-DD` in the policy's time zone (inclusive). Default: 90 days before `to`.",
      examples: ["2026-01-01"],
    },
    to: {
      type: "string",
      maxLength: 10,
      description:
        "Last day of the period (inclusive), at most 1,096 days (three years) after `from`. Default: today in the policy's time zone.",
      examples: ["2026-03-31"],
    },
    format: {
      type: "string",
      enum: ["json", "csv"],
      description:
        "`csv` answers the CSV of the same rows (as `Accept: text/csv` does); `json` (default) the report.",
    },
  },
} as const;

type Query = ReportQuery & { format?: "json" | "csv" };

const PERIOD_TEXT =
  "The period is `from`..`to`, whole days in the policy's time zone (the policy file's `timezone`, answered in `period.timeZone`).";
const WEEKS_TEXT =
  " Rows are ISO weeks (Monday to Sunday) from local midnight to local midnight in that zone, daylight-saving changes included; the first and last weeks are cut to the period (`weekStart`, `weekEnd`), and every week of the period has a row, zeros included.";
const MONTHS_TEXT =
  " Rows are calendar months in that zone, from local midnight on the first to local midnight on the first of the next, cut to the period.";
const CSV_TEXT =
  "\n\nWith `?format=csv` (or `Accept: text/csv`) the answer is `text/csv; charset=utf-8`, a download named `<report>_<from>_<to>.csv`: a header of the columns in snake_case, then the same rows in the same order (RFC 4180; amounts as decimal strings; empty for a null).";

/** Per report: operationId, summary and description (what is counted, and how it is bucketed). */
const DOCS: Readonly<Record<ReportName, { id: string; summary: string; description: string }>> = {
  "request-volume": {
    id: "getRequestVolumeReport",
    summary: "Requests per week by reason, by recommended and by decided outcome",
    description:
      "Refund requests submitted in each week of the period, by the week of their submission: in all, per reason, per outcome the engine recommends now (refund, deny, review, incomplete, none) and per outcome decided now (approved, denied, alternative, withdrawn, open). " +
      PERIOD_TEXT +
      WEEKS_TEXT,
  },
  "against-recommendation": {
    id: "getAgainstRecommendationReport",
    summary: "Decisions against the recommendation, by reviewer and reason",
    description:
      "Approvals and denials made in the period (by the instant of the decision), one row per reviewer and request reason that has any: how many followed the recommendation the reviewer saw, how many departed from a firm one (refund or deny), and how many had nothing firm to follow. Alternatives offered are not counted. Rows are ordered by departures, most first. " +
      PERIOD_TEXT +
      " The whole period is one bucket: its first instant is local midnight of `from`, its end local midnight after `to`.",
  },
  "refunded-amounts": {
    id: "getRefundedAmountsReport",
    summary: "Money refunded per month, by method and currency",
    description:
      "Payouts that sent money (succeeded, recorded by finance, or recorded as paid outside) by the month of the instant the money left, per method and currency: how many and their exact total as a decimal string. Amounts of different currencies are never added together; a month, method and currency without any payout has no row. " +
      PERIOD_TEXT +
      MONTHS_TEXT,
  },
  "payout-deadlines": {
    id: "getPayoutDeadlinesReport",
    summary: "Payout deadlines kept and missed per month; days from approval to money sent",
    description:
      "Payouts by the month of their last due day (`dueLatest`, a date in the policy's time zone; a payout reissued by another method counts once, through its replacement, which keeps the due window): kept (money sent before the end of that day, local time), late, overdue (not sent, the day past) and open; and over the payouts sent, the median and 90th percentile of the days (24 hours each) from the approval of the request to the money sent. Percentiles are continuous (interpolated between the two nearest values), computed by the database. " +
      PERIOD_TEXT +
      " Every month of the period has a row, its days cut to the period.",
  },
  "decision-times": {
    id: "getDecisionTimesReport",
    summary: "Time to decision per week (median, 90th percentile)",
    description:
      "Requests by the week of their first decision (approve, deny or an alternative offered; a later decision after an appeal does not count again): decided by a person and decided by the system (automatic approvals of duplicate payments), and the median and 90th percentile of the days from submission to a person's first decision (continuous percentiles). " +
      PERIOD_TEXT +
      WEEKS_TEXT,
  },
  "waiting-requests": {
    id: "getWaitingRequestsReport",
    summary: "Requests waiting now on QA and on clients, by how long",
    description:
      "A snapshot at `generatedAt`, whatever the period: requests waiting on QA (in triage, submitted or in review) and on the client (a question or an alternative to answer), by how long they have waited on that side (since the request last changed hands; 24-hour days): under 2, 2 to 7, 7 to 14, 14 or more, and the longest wait. Both rows are always present. The period is accepted and checked like the other reports' so the page can ask them all alike; it does not filter this one.",
  },
  "duplicate-payments": {
    id: "getDuplicatePaymentsReport",
    summary: "Duplicate payments found and refunded, per month and currency",
    description:
      "Extra payments the ledger found (rule 2: charged more than once for the same service) by the month they were found, per currency: how many, how many the payment's refunded total gave back in full or in part, and the exact sums found and refunded as decimal strings. A month and currency without any has no row. " +
      PERIOD_TEXT +
      MONTHS_TEXT,
  },
};

/** Whether the caller asked for CSV: `?format=csv`, or an Accept header preferring text/csv. */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === "csv";
  if (accept === undefined) return false;
  let csv = -1;
  let json = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((x) => x.trim()).find((x) => x.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (!Number.isFinite(weight)) continue;
    const t = type.trim();
    if (t === "text/csv") csv = Math.max(csv, weight);
    if (t === "application/json" || t === "*/*" || t === "application/*") {
      json = Math.max(json, weight);
    }
  }
  return csv > 0 && csv > json;
}

export const reportRoutes: RoutePlugin = (app, deps) => {
  for (const name of REPORT_NAMES) {
    const doc = DOCS[name];
    app.get<{ Querystring: Query }>(
      `/reports/${name}`,
      {
        config: { permission: "report.read" },
        schema: {
          tags: TAGS,
          operationId: doc.id,
          summary: doc.summary,
          description: doc.description + CSV_TEXT,
          querystring: reportQuery,
          response: {
            200: {
              description: `The ${name} report, as JSON or as CSV.`,
              content: {
                "application/json": { schema: ref(reportComponent(name)) },
                "text/csv": {
                  schema: {
                    type: "string",
                    description: "The same rows as CSV, header first.",
                  },
                },
              },
            },
          },
        },
      },
      async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
        const { format, ...period } = request.query;
        const report = await getReport(deps, ctxOf(request), name, period);
        if (!wantsCsv(format, request.headers.accept)) return report;
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="${reportFileName(report)}"`)
          .header("cache-control", "no-store")
          .send(reportCsv(report));
      },
    );
  }
};
