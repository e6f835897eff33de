// Policy simulations (admins, issue 16): start one from a candidate policy file (and an optional
// period of submission), follow the runs, and read a run's report: the outcome matrix as a chart
// and as a table, the recommended refunds per currency before and after, the counts by reason and
// by determining clause, and a sample of the requests whose recommendation changes.

import { BarChart } from "@mantine/charts";
import "@mantine/charts/styles.css";
import {
  Alert,
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  Progress,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, fieldError } from "../../shared/api/problem";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime, formatMoney } from "../../shared/format";
import { AnchorLink } from "../../shared/ui/links";
import { RefusalAlert } from "../../shared/ui/refusal";
import { HeadedTable, QueryTable, ScrollTable } from "../../shared/ui/data-table";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import {
  OUTCOMES,
  isPending,
  matrixRows,
  simulationQuery,
  simulationsQuery,
  startSimulation,
  type Outcome,
  type SimulationReport,
  type SimulationSummary,
} from "./simulations-api";

const COLORS: Record<Outcome, string> = {
  refund: "teal.7",
  review: "blue.7",
  deny: "red.7",
  incomplete: "orange.7",
  none: "gray.6",
};

const STATUS_COLOR: Record<string, string> = {
  queued: "gray",
  running: "blue",
  done: "teal",
  failed: "red",
};

/** The refusal's messages about the candidate policy (paths below `body.policy`). */
function policyErrors(error: unknown): string[] {
  if (!(error instanceof ApiError) || error.problem === null) return [];
  return (error.problem.errors ?? [])
    .filter((e) => e.path === "body.policy" || e.path.startsWith("body.policy"))
    .map((e) =>
      e.path === "body.policy"
        ? e.message
        : `${e.path.slice("body.policy".length).replace(/^\./, "")}: ${e.message}`,
    );
}

/** A period in words: in a sentence ("every request") or in the list's column ("All requests"). */
function usePeriodText(inList = false) {
  const { t } = useTranslation("console");
  return (period: { from: string | null; to: string | null }) => {
    const from = period.from ?? t("simulations.periodOpen");
    const to = period.to ?? t("simulations.periodOpen");
    if (period.from === null && period.to === null) {
      return inList ? t("simulations.listPeriodAll") : t("simulations.periodAll");
    }
    return inList
      ? t("simulations.listPeriodRange", { from, to })
      : t("simulations.periodRange", { from, to });
  };
}

export function SimulationsPage() {
  const { t } = useTranslation("console");
  return (
    <Stack>
      <Title order={1}>{t("simulations.title")}</Title>
      <Text maw={760}>{t("simulations.intro")}</Text>
      <StartForm />
      <SimulationList />
    </Stack>
  );
}

function StartForm() {
  const { t } = useTranslation("console");
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: async () => {
      if (file === null) throw new Error(t("simulations.needFile"));
      let text: string;
      try {
        text = await file.text();
      } catch {
        throw new Error(t("simulations.unreadable"));
      }
      return startSimulation({
        policy: text,
        from: from === "" ? null : from,
        to: to === "" ? null : to,
      });
    },
    onSuccess: async (sim) => {
      await queryClient.invalidateQueries({ queryKey: ["admin", "simulations"] });
      await navigate({ to: "/staff/simulations/$simulationId", params: { simulationId: sim.id } });
    },
    onError: (e) => setLocal(e instanceof ApiError ? null : e.message),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setLocal(null);
    start.mutate();
  };
  const fileErrors = policyErrors(start.error);
  return (
    <Card withBorder component="section" aria-labelledby="simulation-start">
      <form onSubmit={onSubmit} noValidate>
        <Stack>
          <Title order={2} size="h3" id="simulation-start">
            {t("simulations.start")}
          </Title>
          <FileInput
            label={t("simulations.file")}
            description={t("simulations.fileHelp")}
            accept=".yaml,.yml,.json,application/yaml,application/json,text/yaml"
            required
            clearable
            clearButtonProps={{ "aria-label": t("simulations.clearFile") }}
            value={file}
            onChange={setFile}
            error={
              local ??
              (fileErrors.length === 0 ? undefined : (
                <Stack gap={0} component="span">
                  {fileErrors.map((m) => (
                    <span key={m}>{m}</span>
                  ))}
                </Stack>
              ))
            }
          />
          <Group align="flex-start" grow maw={520}>
            <TextInput
              type="date"
              label={t("simulations.from")}
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              error={fieldError(start.error, "from")}
            />
            <TextInput
              type="date"
              label={t("simulations.to")}
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              error={fieldError(start.error, "to")}
            />
          </Group>
          <Text size="sm">{t("simulations.periodHelp")}</Text>
          {fileErrors.length > 0 ? null : (
            <RefusalAlert error={start.error} fields={["policy", "from", "to"]} />
          )}
          <Group>
            <Button type="submit" loading={start.isPending}>
              {t("simulations.run")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function StatusBadge({ status }: { status: SimulationSummary["status"] }) {
  const { t } = useTranslation("console");
  return (
    <Badge color={STATUS_COLOR[status] ?? "gray"} variant="dot" radius="sm" size="lg">
      {t(`simulations.state.${status}`)}
    </Badge>
  );
}

function ProgressText({ simulation: s }: { simulation: SimulationSummary }) {
  const { t } = useTranslation("console");
  return s.progress.total === null
    ? t("simulations.progressUnknown")
    : t("simulations.progressValue", { done: s.progress.done, total: s.progress.total });
}

function SimulationList() {
  const { t, i18n } = useTranslation("console");
  const zone = usePolicyZone();
  const period = usePeriodText(true);
  const list = useQuery(simulationsQuery);
  return (
    <Card withBorder component="section" aria-labelledby="simulation-list">
      <Stack>
        <Title order={2} size="h3" id="simulation-list">
          {t("simulations.list")}
        </Title>
        <QueryTable
          query={list}
          label={t("simulations.list")}
          minWidth={640}
          skeletonRows={3}
          empty={t("simulations.none")}
          columns={[
            t("simulations.requestedAt"),
            t("simulations.version"),
            t("simulations.period"),
            t("simulations.status"),
            t("simulations.progress"),
            <VisuallyHidden key="open">{t("simulations.open")}</VisuallyHidden>,
          ]}
        >
          {(items) =>
            items.map((s) => {
              const date = formatDateTime(s.createdAt, i18n.language, zone);
              return (
                <Table.Tr key={s.id}>
                  <Table.Td>{date}</Table.Td>
                  <Table.Td>{s.candidateVersion}</Table.Td>
                  <Table.Td>{period(s.period)}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={s.status} />
                  </Table.Td>
                  <Table.Td>
                    <ProgressText simulation={s} />
                  </Table.Td>
                  <Table.Td>
                    <AnchorLink
                      to="/staff/simulations/$simulationId"
                      params={{ simulationId: s.id }}
                      aria-label={t("simulations.openLabel", {
                        version: s.candidateVersion,
                        date,
                      })}
                    >
                      {t("simulations.open")}
                    </AnchorLink>
                  </Table.Td>
                </Table.Tr>
              );
            })
          }
        </QueryTable>
      </Stack>
    </Card>
  );
}

export function SimulationPage({ simulationId }: { simulationId: string }) {
  const { t, i18n } = useTranslation("console");
  const zone = usePolicyZone();
  const period = usePeriodText();
  const sim = useQuery(simulationQuery(simulationId));
  const back = (
    <AnchorLink to="/staff/simulations" size="sm">
      {t("simulations.back")}
    </AnchorLink>
  );
  if (sim.isPending) {
    return (
      <Stack>
        {back}
        <ListSkeleton rows={6} height={48} />
      </Stack>
    );
  }
  if (sim.isError) {
    return (
      <Stack>
        {back}
        <ErrorView error={sim.error} onRetry={() => void sim.refetch()} />
      </Stack>
    );
  }
  const s = sim.data;
  return (
    <Stack>
      {back}
      <Group gap="sm">
        <Title order={1}>{t("simulations.detailTitle", { version: s.candidateVersion })}</Title>
        <StatusBadge status={s.status} />
      </Group>
      <Text>
        {t("simulations.requestedBy", {
          date: formatDateTime(s.createdAt, i18n.language, zone),
          period: period(s.period),
        })}
      </Text>
      {isPending(s) ? (
        <Stack gap={4} maw={520}>
          <Progress
            value={
              s.progress.total === null || s.progress.total === 0
                ? 0
                : (100 * s.progress.done) / s.progress.total
            }
            aria-label={t("simulations.progressLabel")}
            animated
          />
          <Text size="sm">
            <ProgressText simulation={s} />
          </Text>
        </Stack>
      ) : null}
      {s.status === "failed" ? (
        <Alert color="red" role="alert">
          {t("simulations.failed", { error: s.error ?? "" })}
        </Alert>
      ) : null}
      {s.report === null ? null : <Report report={s.report} />}
    </Stack>
  );
}

function Report({ report }: { report: SimulationReport }) {
  const { t, i18n } = useTranslation(["console", "translation"]);
  const zone = usePolicyZone();
  const outcome = (o: Outcome) => t(`console:outcome.${o}`);
  const rows = matrixRows(report);
  const number = (n: number) => n.toLocaleString(i18n.language);
  const judgement = (j: SimulationReport["sample"][number]["before"]) =>
    j.amount === null
      ? t("console:simulations.judgement", { outcome: outcome(j.outcome) })
      : t("console:simulations.judgementAmount", {
          outcome: outcome(j.outcome),
          amount: formatMoney(j.amount, i18n.language),
        });
  const reasonLabel = (r: string) =>
    t(`translation:reason.${r}.label` as "translation:reason.not_delivered.label", {
      defaultValue: r,
    });
  const clauseLabel = (c: string) =>
    c === "(none)"
      ? t("console:simulations.noClause")
      : t(`translation:clause.${c}.title` as "translation:clause.procedure.window.title", {
          defaultValue: c,
        });
  const chartData = rows.map((r) => ({ from: outcome(r.from), ...r.counts }));
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Text fw={600}>
          {t("console:simulations.headline", {
            changed: number(report.changed),
            count: report.requests,
          })}
        </Text>
        {report.withoutRecommendation > 0 ? (
          <Text size="sm">
            {t("console:simulations.withoutRecommendation", {
              count: report.withoutRecommendation,
            })}
          </Text>
        ) : null}
        {report.refusedByCandidate > 0 ? (
          <Text size="sm">
            {t("console:simulations.refusedByCandidate", { count: report.refusedByCandidate })}
          </Text>
        ) : null}
        {report.orderEditedAfter > 0 ? (
          <Text size="sm">
            {t("console:simulations.orderEditedAfter", { count: report.orderEditedAfter })}
          </Text>
        ) : null}
      </Stack>

      <Card withBorder component="section" aria-labelledby="simulation-matrix">
        <Stack>
          <Title order={2} size="h3" id="simulation-matrix">
            {t("console:simulations.matrix")}
          </Title>
          <Text size="sm">{t("console:simulations.matrixHelp")}</Text>
          <figure aria-label={t("console:simulations.matrixChart")} style={{ margin: 0 }}>
            <Text size="sm" fw={700} mb={4} aria-hidden="true">
              {t("console:simulations.matrixChart")}
            </Text>
            <BarChart
              h={260}
              data={chartData}
              dataKey="from"
              type="stacked"
              withLegend
              yAxisProps={{ allowDecimals: false }}
              valueFormatter={number}
              series={OUTCOMES.map((o) => ({ name: o, label: outcome(o), color: COLORS[o] }))}
            />
          </figure>
          <Table.ScrollContainer
            minWidth={560}
            scrollAreaProps={{
              viewportProps: {
                tabIndex: 0,
                role: "region",
                "aria-label": t("console:simulations.matrix"),
              },
            }}
          >
            <Table withColumnBorders>
              <Table.Caption>{t("console:simulations.matrixTable")}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("console:simulations.storedRow")}</Table.Th>
                  {OUTCOMES.map((o) => (
                    <Table.Th key={o} scope="col">
                      {outcome(o)}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.from}>
                    <Table.Th scope="row">{outcome(r.from)}</Table.Th>
                    {OUTCOMES.map((o) => (
                      <Table.Td
                        key={o}
                        style={{
                          fontVariantNumeric: "tabular-nums",
                          fontWeight: o !== r.from && r.counts[o] > 0 ? 700 : undefined,
                        }}
                      >
                        {number(r.counts[o])}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      </Card>

      <Card withBorder component="section" aria-labelledby="simulation-totals">
        <Stack gap="xs">
          <Title order={2} size="h3" id="simulation-totals">
            {t("console:simulations.totals")}
          </Title>
          <Text size="sm">{t("console:simulations.totalsHelp")}</Text>
          <HeadedTable
            tableProps={{ maw: 640 }}
            columns={[
              t("console:simulations.currency"),
              t("console:simulations.before"),
              t("console:simulations.after"),
              t("console:simulations.change"),
            ]}
          >
            {report.totals.map((x) => (
              <Table.Tr key={x.currency}>
                <Table.Td>{x.currency}</Table.Td>
                <Table.Td style={{ fontVariantNumeric: "tabular-nums" }}>
                  {formatMoney({ amount: x.before, currency: x.currency }, i18n.language)}
                </Table.Td>
                <Table.Td style={{ fontVariantNumeric: "tabular-nums" }}>
                  {formatMoney({ amount: x.after, currency: x.currency }, i18n.language)}
                </Table.Td>
                <Table.Td style={{ fontVariantNumeric: "tabular-nums" }}>
                  {formatMoney({ amount: x.change, currency: x.currency }, i18n.language)}
                </Table.Td>
              </Table.Tr>
            ))}
          </HeadedTable>
        </Stack>
      </Card>

      <Group align="flex-start" grow wrap="wrap">
        <CountsCard
          id="simulation-reasons"
          title={t("console:simulations.byReason")}
          columns={[
            t("console:simulations.reason"),
            t("console:simulations.requests"),
            t("console:simulations.changed"),
          ]}
          rows={report.byReason.map((x) => ({
            key: x.reason,
            cells: [reasonLabel(x.reason), number(x.requests), number(x.changed)],
          }))}
        />
        <CountsCard
          id="simulation-clauses"
          title={t("console:simulations.byClause")}
          columns={[
            t("console:simulations.clause"),
            t("console:simulations.before"),
            t("console:simulations.after"),
          ]}
          rows={report.byClause.map((x) => ({
            key: x.clause,
            cells: [clauseLabel(x.clause), number(x.before), number(x.after)],
          }))}
        />
      </Group>

      <Card withBorder component="section" aria-labelledby="simulation-sample">
        <Stack gap="xs">
          <Title order={2} size="h3" id="simulation-sample">
            {t("console:simulations.sample")}
          </Title>
          {report.sample.length === 0 ? (
            <Text>{t("console:simulations.sampleNone")}</Text>
          ) : (
            <ScrollTable
              label={t("console:simulations.sample")}
              minWidth={760}
              columns={[
                t("console:simulations.request"),
                t("console:simulations.order"),
                t("console:simulations.reason"),
                t("console:simulations.judgedAt"),
                t("console:simulations.before"),
                t("console:simulations.after"),
              ]}
            >
              {report.sample.map((x) => (
                <Table.Tr key={x.requestId}>
                  <Table.Td>
                    <AnchorLink to="/staff/requests/$requestId" params={{ requestId: x.requestId }}>
                      {`REQ-${x.requestId
                        .replace(/^[a-z0-9]+_/, "")
                        .replace(/[^0-9a-fA-F]/g, "")
                        .slice(0, 8)
                        .toUpperCase()}`}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>{x.orderId}</Table.Td>
                  <Table.Td>{reasonLabel(x.reason)}</Table.Td>
                  <Table.Td>{formatDateTime(x.evaluatedAt, i18n.language, zone)}</Table.Td>
                  <Table.Td>{judgement(x.before)}</Table.Td>
                  <Table.Td>{judgement(x.after)}</Table.Td>
                </Table.Tr>
              ))}
            </ScrollTable>
          )}
        </Stack>
      </Card>
    </Stack>
  );
}

/** A report's counts (by reason, by clause): a titled card with a small table, a row a key. */
function CountsCard({
  id,
  title,
  columns,
  rows,
}: {
  /** The heading's id (the card is labelled by it). */
  id: string;
  title: string;
  columns: readonly string[];
  rows: readonly { key: string; cells: readonly string[] }[];
}) {
  return (
    <Card withBorder component="section" aria-labelledby={id} miw={300}>
      <Stack gap="xs">
        <Title order={2} size="h3" id={id}>
          {title}
        </Title>
        <HeadedTable columns={columns}>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              {r.cells.map((c, i) => (
                <Table.Td key={i}>{c}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </HeadedTable>
      </Stack>
    </Card>
  );
}
