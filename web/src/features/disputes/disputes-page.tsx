// Finance's card disputes: the open ones first (most urgent due-by first), the closed ones in a
// second tab; each row says the amount, the bank's reason, where it stands and when the evidence
// is due, and opens the dispute.

import { Badge, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime, formatMoney } from "../../shared/format";
import { AnchorLink } from "../../shared/ui/links";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { disputeListQuery, type Dispute } from "./api";

export function StandingBadge({ d }: { d: Dispute }) {
  const { t } = useTranslation();
  const color = d.standing === "won" ? "green" : d.standing === "lost" ? "red" : "orange";
  return (
    <Badge color={color} variant="dot" radius="sm">
      {t(`disputes.standing.${d.standing}`)}
    </Badge>
  );
}

export function DisputesPage() {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const [tab, setTab] = useState<"open" | "closed">("open");
  const list = useQuery(disputeListQuery(tab === "open"));
  const items = list.data?.items ?? [];
  return (
    <Stack>
      <Title order={1}>{t("disputes.title")}</Title>
      <Text size="sm" c="dimmed">
        {t("disputes.intro")}
      </Text>
      <Tabs value={tab} onChange={(v) => setTab(v === "closed" ? "closed" : "open")}>
        <Tabs.List>
          <Tabs.Tab value="open">{t("disputes.tabs.open")}</Tabs.Tab>
          <Tabs.Tab value="closed">{t("disputes.tabs.closed")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value={tab} pt="md">
          {list.isPending ? (
            <ListSkeleton rows={3} height={40} />
          ) : list.isError ? (
            <ErrorView error={list.error} onRetry={() => void list.refetch()} />
          ) : items.length === 0 ? (
            <Text role="status">
              {t(tab === "open" ? "disputes.emptyOpen" : "disputes.emptyClosed")}
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("disputes.col.dispute")}</Table.Th>
                    <Table.Th>{t("disputes.col.amount")}</Table.Th>
                    <Table.Th>{t("disputes.col.reason")}</Table.Th>
                    <Table.Th>{t("disputes.col.standing")}</Table.Th>
                    <Table.Th>{t("disputes.col.dueBy")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td>
                        <AnchorLink to="/staff/disputes/$disputeId" params={{ disputeId: d.id }}>
                          {d.id}
                        </AnchorLink>
                      </Table.Td>
                      <Table.Td>{formatMoney(d.amount, i18n.language)}</Table.Td>
                      <Table.Td>{d.reason}</Table.Td>
                      <Table.Td>
                        <StandingBadge d={d} />{" "}
                        {d.awaitingEvidence ? (
                          <Badge variant="dot" color="red" radius="sm">
                            {t("disputes.awaitingEvidence")}
                          </Badge>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        {d.dueBy === null ? "-" : formatDateTime(d.dueBy, i18n.language, zone)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
