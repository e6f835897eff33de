// The refund policy in force, one click from every decision: its rules in words (the request
// window, the payout days, the time zone) and each clause as the company wrote it, with a Thai
// summary for Thai readers. Each clause has its own anchor (`/policy#procedure.window`).

import { Card, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { zoneLabel } from "../../shared/format";
import { ClauseItem } from "../../shared/ui/clauses";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";

export function PolicyPage() {
  const { t } = useTranslation();
  const policy = useQuery(policyQuery);
  return (
    <Stack>
      <Title order={1}>{t("policy.title")}</Title>
      {policy.isPending ? (
        <ListSkeleton rows={6} height={80} />
      ) : policy.isError ? (
        <ErrorView error={policy.error} onRetry={() => void policy.refetch()} />
      ) : (
        <>
          <Text size="sm">{t("policy.version", { version: policy.data.version })}</Text>
          <Card withBorder component="section" aria-labelledby="policy-rules">
            <Stack gap={4}>
              <Title order={2} size="h4" id="policy-rules">
                {t("policy.rulesTitle")}
              </Title>
              <Text size="sm">
                {t("policy.window", { days: policy.data.parameters.requestWindowDays })}
              </Text>
              <Text size="sm">
                {t("policy.payout", {
                  from: policy.data.parameters.payoutBusinessDays[0],
                  to: policy.data.parameters.payoutBusinessDays[1],
                })}
              </Text>
              <Text size="sm">
                {t("policy.zone", { zone: zoneLabel(policy.data.parameters.timezone) })}
              </Text>
            </Stack>
          </Card>
          <Stack component="ol" gap="md" p={0} style={{ listStyle: "none" }}>
            {policy.data.clauses.map((c) => (
              <li key={c.id} id={c.id} style={{ scrollMarginTop: 72 }}>
                <Card withBorder padding="md">
                  <ClauseItem clause={c} linkToPolicy={false} />
                </Card>
              </li>
            ))}
          </Stack>
        </>
      )}
    </Stack>
  );
}
