// The reports' data (GET /api/v1/reports/<name>): one query per report and period, and the URL of
// the same report as CSV (the download of exactly the table the page shows).

import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../shared/api/client";
import type { components } from "../../shared/api/schema";

type Schemas = components["schemas"];

/** Every report's answer, by name. */
export interface Reports {
  "request-volume": Schemas["RequestVolumeReport"];
  "against-recommendation": Schemas["AgainstRecommendationReport"];
  "refunded-amounts": Schemas["RefundedAmountsReport"];
  "payout-deadlines": Schemas["PayoutDeadlinesReport"];
  "decision-times": Schemas["DecisionTimesReport"];
  "waiting-requests": Schemas["WaitingRequestsReport"];
  "duplicate-payments": Schemas["DuplicatePaymentsReport"];
}
export type ReportName = keyof Reports;
export type AnyReport = Reports[ReportName];
export type ReportRow = Record<string, string | number | null>;

/** The chosen period (`YYYY-MM-DD`, both days included); none: the API's default. */
export interface PeriodSearch {
  from?: string;
  to?: string;
}

function query(p: PeriodSearch) {
  return {
    params: {
      query: {
        ...(p.from === undefined ? {} : { from: p.from }),
        ...(p.to === undefined ? {} : { to: p.to }),
      },
    },
  };
}

async function fetchReport<N extends ReportName>(name: N, p: PeriodSearch): Promise<Reports[N]> {
  // One route per report; the answers differ only in their rows' columns.
  switch (name) {
    case "request-volume":
      return unwrap(await api.GET("/api/v1/reports/request-volume", query(p))) as Reports[N];
    case "against-recommendation":
      return unwrap(
        await api.GET("/api/v1/reports/against-recommendation", query(p)),
      ) as Reports[N];
    case "refunded-amounts":
      return unwrap(await api.GET("/api/v1/reports/refunded-amounts", query(p))) as Reports[N];
    case "payout-deadlines":
      return unwrap(await api.GET("/api/v1/reports/payout-deadlines", query(p))) as Reports[N];
    case "decision-times":
      return unwrap(await api.GET("/api/v1/reports/decision-times", query(p))) as Reports[N];
    case "waiting-requests":
      return unwrap(await api.GET("/api/v1/reports/waiting-requests", query(p))) as Reports[N];
    case "duplicate-payments":
      return unwrap(await api.GET("/api/v1/reports/duplicate-payments", query(p))) as Reports[N];
  }
  throw new Error(`unknown report ${String(name)}`);
}

export function reportQuery<N extends ReportName>(name: N, p: PeriodSearch) {
  return queryOptions({
    queryKey: ["report", name, p.from ?? null, p.to ?? null],
    queryFn: () => fetchReport(name, p),
    staleTime: 60_000,
  });
}

/** The report's CSV over exactly the period the page shows (the answer's own period). */
export function csvUrl(name: ReportName, period: { from: string; to: string }): string {
  const q = new URLSearchParams({ from: period.from, to: period.to, format: "csv" });
  return `/api/v1/reports/${name}?${q.toString()}`;
}
