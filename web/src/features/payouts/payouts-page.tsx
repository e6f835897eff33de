// Finance's working list: tabs with their counts (needs action, due today, overdue, at risk,
// awaiting first / second approval, awaiting a record, awaiting the client's address, all open),
// a method filter, the list most urgent first and its CSV export with the same filters. The tab
// and the method live in the URL, so a view can be bookmarked and shared. Like the review queue,
// the list is worked by keyboard: j/k (or the arrows) move between rows, Enter opens the payout.

import { Badge, Button, Group, Kbd, Select, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDate, formatMoney } from "../../shared/format";
import { AnchorLink } from "../../shared/ui/links";
import classes from "../../shared/ui/rows.module.css";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { useRowKeys } from "../../shared/ui/use-row-keys";
import { countOf, exportHref, payoutListQuery, summaryQuery } from "./api";
import { DeadlineBadge, useWaitsOn } from "./payout-labels";
import { isMethod, isTab, METHODS, TABS, type PayoutsSearch, type Tab } from "./search";

export function PayoutsPage({
  search,
  onSearch,
}: {
  search: PayoutsSearch;
  onSearch: (next: PayoutsSearch) => void;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const zone = usePolicyZone();
  const rows = useRef<HTMLTableSectionElement>(null);
  useRowKeys(rows);
  const tab = search.tab ?? "needs_action";
  const method = search.method;
  const summary = useQuery(summaryQuery);
  const list = useQuery(payoutListQuery(tab, method));
  const waitsOn = useWaitsOn();
  const tabLabel = (x: Tab) => t(`finance.tabs.${x}`);
  const items = list.data?.items ?? [];

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={1}>{t("finance.title")}</Title>
          <Text size="sm" c="dimmed" id="payout-keys" visibleFrom="sm">
            {t("console:queue.keysBefore")} <Kbd>j</Kbd> <Kbd>k</Kbd> {t("console:queue.keysMove")}{" "}
            <Kbd>Enter</Kbd> {t("console:financeList.keysOpen")}
          </Text>
          {summary.data?.today === undefined ? null : (
            <Text size="sm" c="dimmed">
              {t("finance.today", {
                date: formatDate(summary.data.today, i18n.language, zone),
                zone: zone ?? "",
              })}
            </Text>
          )}
        </Stack>
        <Group align="flex-end">
          <Select
            label={t("finance.methodFilter")}
            data={[
              { value: "", label: t("finance.allMethods") },
              ...METHODS.map((m) => ({ value: m, label: t(`finance.method.${m}`) })),
            ]}
            value={method ?? ""}
            allowDeselect={false}
            onChange={(v) => onSearch({ ...search, method: isMethod(v) ? v : undefined })}
            w={200}
          />
          <Button component="a" href={exportHref(tab, method)} download variant="default">
            {t("finance.exportCsv")}
          </Button>
        </Group>
      </Group>

      {summary.isError ? (
        <ErrorView error={summary.error} onRetry={() => void summary.refetch()} />
      ) : null}

      <Tabs
        value={tab}
        onChange={(v) => {
          if (isTab(v)) onSearch({ ...search, tab: v });
        }}
        keepMounted={false}
      >
        <Tabs.List>
          {TABS.map((x) => {
            const count = summary.data === undefined ? undefined : countOf(x, summary.data);
            return (
              <Tabs.Tab
                key={x}
                value={x}
                rightSection={
                  count === null ? null : (
                    <Badge
                      size="sm"
                      variant={count === undefined ? "outline" : "light"}
                      color={
                        count !== undefined &&
                        count > 0 &&
                        (x === "overdue" || x === "needs_action")
                          ? "red"
                          : "gray"
                      }
                      aria-label={
                        count === undefined ? t("common.loading") : t("finance.count", { count })
                      }
                    >
                      {count ?? "…"}
                    </Badge>
                  )
                }
              >
                {tabLabel(x)}
              </Tabs.Tab>
            );
          })}
        </Tabs.List>
        <Tabs.Panel value={tab} pt="md">
          <Stack>
            <Text size="sm">{t(`finance.tabHelp.${tab}`)}</Text>

            {list.isPending ? (
              <ListSkeleton rows={6} height={36} />
            ) : list.isError ? (
              <ErrorView error={list.error} onRetry={() => void list.refetch()} />
            ) : items.length === 0 ? (
              <Text role="status">{t(`finance.empty.${tab}`)}</Text>
            ) : (
              <Table.ScrollContainer
                minWidth={900}
                scrollAreaProps={{
                  viewportProps: { tabIndex: 0, role: "region", "aria-label": tabLabel(tab) },
                }}
              >
                <Table striped highlightOnHover aria-describedby="payout-keys">
                  <Table.Caption>
                    {t("finance.listCaption", { tab: tabLabel(tab), count: items.length })}
                  </Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("finance.col.client")}</Table.Th>
                      <Table.Th>{t("finance.col.order")}</Table.Th>
                      <Table.Th>{t("finance.col.method")}</Table.Th>
                      <Table.Th style={{ textAlign: "right" }}>{t("finance.col.amount")}</Table.Th>
                      <Table.Th>{t("finance.col.due")}</Table.Th>
                      <Table.Th>{t("finance.col.deadline")}</Table.Th>
                      <Table.Th>{t("finance.col.waitsOn")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody ref={rows}>
                    {items.map((p) => (
                      <Table.Tr key={p.id} className={classes.row}>
                        <Table.Td>
                          <AnchorLink
                            to="/staff/payouts/$payoutId"
                            params={{ payoutId: p.id }}
                            data-row-link=""
                            className={classes.rowLink}
                          >
                            {p.clientName ?? t("finance.noClient")}
                          </AnchorLink>
                        </Table.Td>
                        <Table.Td>{p.orderId ?? ""}</Table.Td>
                        <Table.Td>{t(`finance.method.${p.method}`)}</Table.Td>
                        <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                          {formatMoney(p.amount, i18n.language)}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: "nowrap" }}>
                          {t("finance.window", {
                            from: formatDate(p.dueEarliest, i18n.language, zone),
                            to: formatDate(p.dueLatest, i18n.language, zone),
                          })}
                        </Table.Td>
                        <Table.Td>
                          <DeadlineBadge deadline={p.deadline} />
                        </Table.Td>
                        <Table.Td>{waitsOn(p)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {list.data?.nextCursor ? <Text size="sm">{t("finance.more")}</Text> : null}
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
