// The policy in force, as the administration reads it: the version and since when (the list of
// versions, publishing, withdrawing and comparing them: ./policy-versions.tsx), every parameter the engine
// applies (the request window, the payout days, the holidays and where they come from, how crypto
// refunds are valued, which reasons are approved without review, and the amounts per currency
// above which a payout needs a second approver), and each clause with its id and the company's text.

import { Card, Code, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { formatDateTime, zoneLabel } from "../../shared/format";
import "../../shared/i18n/console";
import { policyVersionsQuery } from "./api";
import { PolicyVersions } from "./policy-versions";
import { HeadedTable } from "../../shared/ui/data-table";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";

export function AdminPolicyPage() {
  const { t, i18n } = useTranslation();
  const { t: tc } = useTranslation("console");
  const policy = useQuery(policyQuery);
  const versions = useQuery(policyVersionsQuery);
  const nextVersion = versions.data?.items.find((v) => v.status === "scheduled")?.id;
  if (policy.isPending) {
    return (
      <Stack>
        <Title order={1}>{t("admin.policy.title")}</Title>
        <ListSkeleton rows={6} height={60} />
      </Stack>
    );
  }
  if (policy.isError) {
    return (
      <Stack>
        <Title order={1}>{t("admin.policy.title")}</Title>
        <ErrorView error={policy.error} onRetry={() => void policy.refetch()} />
      </Stack>
    );
  }
  const { version, parameters: p, payouts, clauses, inForceSince, inForceUntil } = policy.data;
  const since = formatDateTime(inForceSince, i18n.language, p.timezone);
  const thresholds = Object.entries(payouts.secondApprovalAbove).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return (
    <Stack>
      <Title order={1}>{t("admin.policy.title")}</Title>
      <Text>{t("admin.policy.version", { version })}</Text>
      <Text size="sm">
        {inForceUntil === null
          ? tc("policyVersions.inForce", { since })
          : tc("policyVersions.inForceUntil", {
              since,
              until: formatDateTime(inForceUntil, i18n.language, p.timezone),
              next: nextVersion ?? "?",
            })}
      </Text>
      <PolicyVersions />
      <Card withBorder component="section" aria-labelledby="admin-policy-parameters">
        <Stack gap="xs">
          <Title order={2} size="h4" id="admin-policy-parameters">
            {t("admin.policy.parameters")}
          </Title>
          <dl style={{ margin: 0 }}>
            <Param term={t("admin.policy.window")}>
              {t("admin.policy.windowDays", { count: p.requestWindowDays })}
            </Param>
            <Param term={t("admin.policy.payoutDays")}>
              {t("admin.policy.payoutDaysValue", {
                from: p.payoutBusinessDays[0],
                to: p.payoutBusinessDays[1],
              })}
            </Param>
            <Param term={t("admin.policy.zone")}>{zoneLabel(p.timezone)}</Param>
            <Param term={t("admin.policy.holidays")}>
              {p.holidayCountry === null
                ? t("admin.policy.holidaysListed", { count: p.holidays.length })
                : t("admin.policy.holidaysFrom", {
                    country: p.holidayCountry,
                    count: p.holidays.length,
                  })}
              {p.holidays.length === 0 ? null : (
                <List size="sm" mt={4}>
                  {p.holidays.map((d) => (
                    <List.Item key={d}>{d}</List.Item>
                  ))}
                </List>
              )}
            </Param>
            <Param term={t("admin.policy.crypto")}>
              {t(`admin.policy.valuation.${p.cryptoRefundValuation}`)}
            </Param>
            <Param term={t("admin.policy.autoApprove")}>
              {p.autoApprove.length === 0
                ? t("admin.policy.autoApproveNone")
                : p.autoApprove
                    .map((r) =>
                      t(`reason.${r}.label` as "reason.not_delivered.label", { defaultValue: r }),
                    )
                    .join(", ")}
            </Param>
          </dl>
        </Stack>
      </Card>
      <Card withBorder component="section" aria-labelledby="admin-policy-thresholds">
        <Stack gap="xs">
          <Title order={2} size="h4" id="admin-policy-thresholds">
            {t("admin.policy.thresholds")}
          </Title>
          <Text size="sm">{t("admin.policy.thresholdsHelp")}</Text>
          <HeadedTable
            tableProps={{ maw: 360 }}
            columns={[t("admin.policy.currency"), t("admin.policy.above")]}
          >
            {thresholds.map(([currency, amount]) => (
              <Table.Tr key={currency}>
                <Table.Td>{currency}</Table.Td>
                <Table.Td style={{ fontVariantNumeric: "tabular-nums" }}>{amount}</Table.Td>
              </Table.Tr>
            ))}
          </HeadedTable>
        </Stack>
      </Card>
      <Title order={2} size="h3">
        {t("admin.policy.clauses")}
      </Title>
      <Stack component="ol" gap="sm" p={0} style={{ listStyle: "none" }}>
        {clauses.map((c) => (
          <li key={c.id}>
            <Card withBorder padding="sm">
              <Group gap="xs" mb={4}>
                <Text fw={600} size="sm">
                  {t(`clause.${c.id}.title` as "clause.procedure.window.title", {
                    defaultValue: c.id,
                  })}
                </Text>
                <Code>{c.id}</Code>
              </Group>
              <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                {c.text}
              </Text>
            </Card>
          </li>
        ))}
      </Stack>
    </Stack>
  );
}

function Param({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <Group align="flex-start" gap="md" wrap="nowrap" py={4}>
      <Text component="dt" fw={600} size="sm" w={220} style={{ flexShrink: 0 }}>
        {term}
      </Text>
      <Text component="dd" size="sm" m={0}>
        {children}
      </Text>
    </Group>
  );
}
