// The charts: @mantine/charts (Recharts underneath) over the same rows as each table. A chart is a
// figure named by its title and described by its summary; the table below it carries the exact
// figures, so colour is never the only way to read them (bars have a legend and a tooltip, and
// every value is in the table). Amounts are drawn from their decimal strings as numbers, for the
// bar's height only; the table and the CSV keep them exact.

import { BarChart, LineChart } from "@mantine/charts";
import { Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Reports, ReportRow } from "./api";
import { codeLabel, formatNumber } from "./cells";
import { currenciesOf } from "./summaries";

const COLORS = [
  "blue.7",
  "teal.7",
  "orange.7",
  "grape.7",
  "gray.6",
  "red.7",
  "yellow.6",
  "cyan.7",
  "indigo.7",
  "lime.7",
];

const REASONS = [
  ["notDelivered", "not_delivered"],
  ["duplicatePayment", "duplicate_payment"],
  ["mismatch", "mismatch"],
  ["unusedSubscription", "unused_subscription"],
  ["other", "other"],
] as const;

const METHODS = ["card", "bank_transfer", "crypto", "other"] as const;

function useNumber() {
  const { i18n } = useTranslation();
  return (value: number) => formatNumber(value, i18n.language);
}

type Series = { name: string; label: string; color: string; stackId?: string };

/**
 * One chart of a report: a figure named by its label, drawing `series` of `data` over `dataKey` as
 * bars (stacked or grouped, upright or lying) or lines, with a legend and the reader's numbers.
 */
function ReportChart({
  label,
  kind = "bar",
  data,
  dataKey,
  series,
  stacked = false,
  lying = false,
  h = 240,
  yWidth,
  format,
}: {
  label: string;
  kind?: "bar" | "line";
  data: Record<string, unknown>[];
  dataKey: string;
  series: Series[];
  stacked?: boolean;
  /** Bars drawn sideways (one per reviewer or side), with room for their names. */
  lying?: boolean;
  h?: number;
  yWidth?: number;
  format: (value: number) => string;
}) {
  return (
    <figure aria-label={label} style={{ margin: 0 }}>
      <Text size="sm" fw={700} mb={4} aria-hidden="true">
        {label}
      </Text>
      {kind === "line" ? (
        <LineChart
          h={h}
          data={data}
          dataKey={dataKey}
          withLegend
          connectNulls
          valueFormatter={format}
          series={series}
        />
      ) : (
        <BarChart
          h={h}
          data={data}
          dataKey={dataKey}
          withLegend
          valueFormatter={format}
          series={series}
          {...(stacked ? { type: "stacked" as const } : {})}
          {...(lying ? { orientation: "vertical" as const } : {})}
          {...(yWidth === undefined ? {} : { yAxisProps: { width: yWidth } })}
        />
      )}
    </figure>
  );
}

/** The series of `keys` with their column labels and the palette's colours in order. */
function seriesOf(
  keys: readonly string[],
  label: (key: string) => string,
  colors: readonly string[] = COLORS,
  stackId?: string,
): Series[] {
  return keys.map((key, i) => ({
    name: key,
    label: label(key),
    color: colors[i % colors.length]!,
    ...(stackId === undefined ? {} : { stackId }),
  }));
}

const rowsOf = (r: { rows: unknown[] }) => r.rows as ReportRow[];

export function RequestVolumeCharts({ report }: { report: Reports["request-volume"] }) {
  const { t } = useTranslation();
  const n = useNumber();
  const data = rowsOf(report).map((r) => ({ ...r, week: String(r["weekStart"]).slice(5) }));
  const col = (key: string) => t(`reports.columns.${key}` as "reports.columns.requests");
  return (
    <Stack gap="lg">
      <ReportChart
        label={t("reports.reports.request-volume.byReason")}
        h={260}
        data={data}
        dataKey="week"
        stacked
        format={n}
        series={seriesOf(
          REASONS.map(([key]) => key),
          col,
        )}
      />
      <ReportChart
        label={t("reports.reports.request-volume.byOutcome")}
        h={260}
        data={data}
        dataKey="week"
        format={n}
        series={[
          ...seriesOf(RECOMMENDED, col, COLORS, "recommended"),
          ...seriesOf(DECIDED, col, COLORS.slice(5), "decided"),
        ]}
      />
    </Stack>
  );
}

const RECOMMENDED = [
  "recommendedRefund",
  "recommendedDeny",
  "recommendedReview",
  "recommendedIncomplete",
  "recommendedNone",
] as const;
const DECIDED = [
  "decidedApproved",
  "decidedDenied",
  "decidedAlternative",
  "decidedWithdrawn",
  "decidedOpen",
] as const;

export function AgainstChart({ report }: { report: Reports["against-recommendation"] }) {
  const { t } = useTranslation();
  const n = useNumber();
  const byReviewer = new Map<string, Record<string, string | number>>();
  for (const r of rowsOf(report)) {
    const who = String(r["reviewer"]);
    const entry = byReviewer.get(who) ?? { reviewer: who };
    const key = REASONS.find(([, code]) => code === r["reason"])?.[0] ?? "other";
    entry[key] = Number(entry[key] ?? 0) + Number(r["against"]);
    byReviewer.set(who, entry);
  }
  const data = [...byReviewer.values()];
  const reasonLabel = (key: string) =>
    codeLabel(t, REASONS.find(([k]) => k === key)?.[1] ?? "other");
  return (
    <ReportChart
      label={t("reports.reports.against-recommendation.chartLabel")}
      h={Math.max(160, 40 * data.length + 80)}
      data={data}
      dataKey="reviewer"
      lying
      stacked
      yWidth={120}
      format={n}
      series={seriesOf(
        REASONS.map(([key]) => key),
        reasonLabel,
      )}
    />
  );
}

/** One chart per currency: amounts are never added across currencies. */
export function RefundedCharts({ report }: { report: Reports["refunded-amounts"] }) {
  const { t, i18n } = useTranslation();
  const rows = rowsOf(report);
  return (
    <Stack gap="lg">
      {currenciesOf(rows).map((currency) => {
        const months = new Map<string, Record<string, string | number>>();
        for (const r of rows.filter((x) => x["currency"] === currency)) {
          const m = months.get(String(r["month"])) ?? { month: String(r["month"]) };
          m[String(r["method"])] = Number(r["amount"]);
          months.set(String(r["month"]), m);
        }
        return (
          <ReportChart
            key={currency}
            label={`${t("reports.reports.refunded-amounts.title")}: ${t("reports.perCurrency", { currency })}`}
            data={[...months.values()]}
            dataKey="month"
            stacked
            format={(v) => `${formatNumber(v, i18n.language, 2)} ${currency}`}
            series={seriesOf(METHODS, (m) => codeLabel(t, m))}
          />
        );
      })}
    </Stack>
  );
}

export function DeadlineCharts({ report }: { report: Reports["payout-deadlines"] }) {
  const { t, i18n } = useTranslation();
  const n = useNumber();
  const data = rowsOf(report);
  const col = (key: string) => t(`reports.columns.${key}` as "reports.columns.kept");
  return (
    <Stack gap="lg">
      <ReportChart
        label={t("reports.reports.payout-deadlines.counts")}
        data={data}
        dataKey="month"
        stacked
        format={n}
        series={seriesOf(["kept", "late", "overdue", "open"], col, [
          "teal.7",
          "orange.7",
          "red.7",
          "gray.6",
        ])}
      />
      <ReportChart
        label={t("reports.reports.payout-deadlines.days")}
        kind="line"
        h={220}
        data={data}
        dataKey="month"
        format={(v) => formatNumber(v, i18n.language, 1)}
        series={seriesOf(["medianDaysToSend", "p90DaysToSend"], col, ["blue.7", "grape.7"])}
      />
    </Stack>
  );
}

export function DecisionTimeChart({ report }: { report: Reports["decision-times"] }) {
  const { t, i18n } = useTranslation();
  const data = rowsOf(report).map((r) => ({ ...r, week: String(r["weekStart"]).slice(5) }));
  const col = (key: string) => t(`reports.columns.${key}` as "reports.columns.medianDays");
  return (
    <ReportChart
      label={t("reports.reports.decision-times.title")}
      kind="line"
      data={data}
      dataKey="week"
      format={(v) => formatNumber(v, i18n.language, 1)}
      series={seriesOf(["medianDays", "p90Days"], col, ["blue.7", "grape.7"])}
    />
  );
}

export function WaitingChart({ report }: { report: Reports["waiting-requests"] }) {
  const { t } = useTranslation();
  const n = useNumber();
  const data = rowsOf(report).map((r) => ({ ...r, side: codeLabel(t, String(r["waitingOn"])) }));
  const col = (key: string) => t(`reports.columns.${key}` as "reports.columns.under2Days");
  return (
    <ReportChart
      label={t("reports.reports.waiting-requests.title")}
      h={180}
      data={data}
      dataKey="side"
      lying
      stacked
      yWidth={80}
      format={n}
      series={seriesOf(["under2Days", "days2To7", "days7To14", "over14Days"], col, [
        "teal.7",
        "yellow.6",
        "orange.7",
        "red.7",
      ])}
    />
  );
}

export function DuplicateCharts({ report }: { report: Reports["duplicate-payments"] }) {
  const { t } = useTranslation();
  const n = useNumber();
  const rows = rowsOf(report);
  const col = (key: string) => t(`reports.columns.${key}` as "reports.columns.found");
  return (
    <Stack gap="lg">
      {currenciesOf(rows).map((currency) => (
        <ReportChart
          key={currency}
          label={`${t("reports.reports.duplicate-payments.title")}: ${t("reports.perCurrency", { currency })}`}
          h={220}
          data={rows.filter((r) => r["currency"] === currency)}
          dataKey="month"
          stacked
          format={n}
          series={seriesOf(["refundedInFull", "partlyRefunded", "notRefunded"], col, [
            "teal.7",
            "yellow.6",
            "red.7",
          ])}
        />
      ))}
    </Stack>
  );
}
