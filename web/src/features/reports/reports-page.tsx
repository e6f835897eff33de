// The reports page (QA leads, finance, admins): one tab per question (volume, decisions, money,
// deadlines, speed, duplicates), the period and the policy's time zone in the header, and for each
// report its chart, a text summary, the table behind the chart and a CSV download of exactly
// that table. The tab and the period live in the URL, so a view can be bookmarked and shared.

import "@mantine/charts/styles.css";
import "@mantine/dates/styles.css";
import "../../shared/i18n/reports";

import { Button, Group, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useQuery } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime, todayIn, zoneLabel } from "../../shared/format";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import {
  csvUrl,
  reportQuery,
  type PeriodSearch,
  type ReportName,
  type ReportRow,
  type Reports,
} from "./api";
import { cellText, type Column } from "./cells";
import {
  AgainstChart,
  DeadlineCharts,
  DecisionTimeChart,
  DuplicateCharts,
  RefundedCharts,
  RequestVolumeCharts,
  WaitingChart,
} from "./charts";
import { PRESETS, REPORT_VIEWS, presetPeriod, type ReportView } from "./period";
import { summarise } from "./summaries";

export interface ReportsSearch extends PeriodSearch {
  view?: ReportView;
}

const VIEW_REPORTS: Record<ReportView, readonly ReportName[]> = {
  volume: ["request-volume"],
  decisions: ["against-recommendation"],
  money: ["refunded-amounts"],
  deadlines: ["payout-deadlines"],
  speed: ["decision-times", "waiting-requests"],
  duplicates: ["duplicate-payments"],
};

function chartOf<N extends ReportName>(name: N, report: Reports[N]): ReactNode {
  switch (name) {
    case "request-volume":
      return <RequestVolumeCharts report={report as Reports["request-volume"]} />;
    case "against-recommendation":
      return <AgainstChart report={report as Reports["against-recommendation"]} />;
    case "refunded-amounts":
      return <RefundedCharts report={report as Reports["refunded-amounts"]} />;
    case "payout-deadlines":
      return <DeadlineCharts report={report as Reports["payout-deadlines"]} />;
    case "decision-times":
      return <DecisionTimeChart report={report as Reports["decision-times"]} />;
    case "waiting-requests":
      return <WaitingChart report={report as Reports["waiting-requests"]} />;
    case "duplicate-payments":
      return <DuplicateCharts report={report as Reports["duplicate-payments"]} />;
  }
  return null;
}

function ReportTable({
  title,
  columns,
  rows,
}: {
  title: string;
  columns: Column[];
  rows: ReportRow[];
}) {
  const { t, i18n } = useTranslation();
  return (
    <div
      role="region"
      aria-label={t("reports.tableCaption", { title })}
      // A table wider than the screen scrolls: keyboard users must be able to focus it to scroll
      // (WCAG 2.1.1; axe's scrollable-region-focusable).
      // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
      tabIndex={0}
      style={{ overflowX: "auto" }}
    >
      <Table striped withTableBorder highlightOnHover fz="sm" style={{ whiteSpace: "nowrap" }}>
        <caption style={{ captionSide: "top", textAlign: "start" }}>
          {t("reports.tableCaption", { title })}
        </caption>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.key} scope="col">
                {t(`reports.columns.${c.key}` as "reports.columns.requests")}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) => (
            <Table.Tr key={i}>
              {columns.map((c) => (
                <Table.Td
                  key={c.key}
                  style={
                    c.kind === "count" || c.kind === "amount" || c.kind === "days"
                      ? { textAlign: "end", fontVariantNumeric: "tabular-nums" }
                      : undefined
                  }
                >
                  {cellText(t, i18n.language, c, row)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function ReportSection<N extends ReportName>({ name, period }: { name: N; period: PeriodSearch }) {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const id = useId();
  const query = useQuery(reportQuery(name, period));
  const title = t(`reports.reports.${name}.title` as "reports.reports.request-volume.title");
  return (
    <Stack component="section" aria-labelledby={`${id}-title`} gap="sm">
      <Title order={2} id={`${id}-title`}>
        {title}
      </Title>
      <Text size="sm">
        {t(`reports.reports.${name}.description` as "reports.reports.request-volume.description")}
      </Text>
      {query.isPending ? (
        <ListSkeleton rows={3} height={60} />
      ) : query.isError ? (
        <ErrorView error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          {query.data.period.bucket === "now" ? (
            <Text size="sm" c="dimmed">
              {t("reports.asOf", {
                time: formatDateTime(query.data.generatedAt, i18n.language, zone),
              })}
            </Text>
          ) : null}
          {query.data.rows.length === 0 ? (
            <Text>{t("reports.empty")}</Text>
          ) : (
            chartOf(name, query.data)
          )}
          <Stack gap={4}>
            {summarise(name, t, i18n.language, query.data).map((line) => (
              <Text key={line}>{line}</Text>
            ))}
          </Stack>
          <Group justify="space-between" wrap="wrap">
            <Title order={3} size="h4">
              {t("reports.table")}
            </Title>
            <Button
              component="a"
              href={csvUrl(name, query.data.period)}
              download
              variant="default"
              aria-label={t("reports.csvLabel", { title })}
            >
              {t("reports.csv")}
            </Button>
          </Group>
          <ReportTable
            title={title}
            columns={query.data.columns as Column[]}
            rows={query.data.rows as unknown as ReportRow[]}
          />
        </>
      )}
    </Stack>
  );
}

function PeriodPicker({
  period,
  zone,
  onChange,
}: {
  period: { from: string; to: string };
  zone: string;
  onChange: (p: { from: string; to: string }) => void;
}) {
  const { t } = useTranslation();
  const today = todayIn(zone);
  // The range being picked: its first day alone until the second is chosen, then the period
  // (the page keys this picker by the period, so a new period starts it afresh).
  const [picked, setPicked] = useState<[string | null, string | null]>([period.from, period.to]);
  return (
    <Stack gap="xs">
      <DatePickerInput
        type="range"
        label={t("reports.period.label")}
        description={t("reports.period.description")}
        value={picked}
        onChange={([from, to]) => {
          setPicked([from, to]);
          if (from !== null && to !== null) onChange({ from, to });
        }}
        allowSingleDateInRange
        valueFormat="D MMM YYYY"
        maw={340}
      />
      <Group gap="xs" role="group" aria-label={t("reports.period.presets")}>
        {PRESETS.map((p) => (
          <Button
            key={p}
            size="xs"
            variant="default"
            onClick={() => onChange(presetPeriod(p, today))}
          >
            {t(`reports.period.${p}`)}
          </Button>
        ))}
      </Group>
    </Stack>
  );
}

export function ReportsPage({
  search,
  onSearch,
}: {
  search: ReportsSearch;
  onSearch: (next: ReportsSearch) => void;
}) {
  const { t } = useTranslation();
  const zone = usePolicyZone();
  if (zone === null) return <ListSkeleton rows={4} height={80} />;
  const period =
    search.from !== undefined && search.to !== undefined && search.from <= search.to
      ? { from: search.from, to: search.to }
      : presetPeriod("last3Months", todayIn(zone));
  const view = search.view ?? "volume";
  return (
    <Stack gap="lg">
      <Title order={1}>{t("reports.title")}</Title>
      <Text>{t("reports.intro", { zone: zoneLabel(zone) })}</Text>
      <PeriodPicker
        key={`${period.from}/${period.to}`}
        period={period}
        zone={zone}
        onChange={(p) => onSearch({ ...search, ...p })}
      />
      <Text size="sm" c="dimmed" aria-live="polite">
        {t("reports.period.showing", { from: period.from, to: period.to, zone })}
      </Text>
      <Tabs
        value={view}
        onChange={(v) => onSearch({ ...search, view: (v ?? "volume") as ReportView })}
        keepMounted={false}
      >
        <Tabs.List aria-label={t("reports.sections")} style={{ flexWrap: "wrap" }}>
          {REPORT_VIEWS.map((v) => (
            <Tabs.Tab key={v} value={v}>
              {t(`reports.views.${v}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {REPORT_VIEWS.map((v) => (
          <Tabs.Panel key={v} value={v} pt="md">
            <Stack gap="xl">
              {VIEW_REPORTS[v].map((name) => (
                <ReportSection key={name} name={name} period={period} />
              ))}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
