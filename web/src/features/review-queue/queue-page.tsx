// The review queue (first cut): the requests the API lists for staff, newest first, as a table.
// Filters, views, counts and assignment follow with the people-and-workflow API (issue 12).

import { Table, Text, Title, Stack } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../shared/api/client";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime, formatMoney } from "../../shared/format";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { RequestStatusBadge } from "../../shared/ui/status";

export function QueuePage() {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const queue = useQuery({
    queryKey: ["queue"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/requests", { params: { query: { limit: "100" } } })),
  });
  return (
    <Stack>
      <Title order={1}>{t("queue.title")}</Title>
      {queue.isPending ? (
        <ListSkeleton rows={8} height={36} />
      ) : queue.isError ? (
        <ErrorView error={queue.error} onRetry={() => void queue.refetch()} />
      ) : (queue.data.items ?? []).length === 0 ? (
        <Text>{t("queue.empty")}</Text>
      ) : (
        <Table.ScrollContainer
          minWidth={720}
          // Scrolls sideways on a phone: reachable by keyboard, and named for screen readers.
          scrollAreaProps={{
            viewportProps: { tabIndex: 0, role: "region", "aria-label": t("queue.title") },
          }}
        >
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("queue.reference")}</Table.Th>
                <Table.Th>{t("queue.order")}</Table.Th>
                <Table.Th>{t("queue.reason")}</Table.Th>
                <Table.Th>{t("queue.status")}</Table.Th>
                <Table.Th>{t("queue.recommendation")}</Table.Th>
                <Table.Th>{t("queue.submitted")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(queue.data.items ?? []).map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>{r.id}</Table.Td>
                  <Table.Td>{r.orderId}</Table.Td>
                  <Table.Td>
                    {t(`reason.${r.reason}.label` as "reason.other.label", {
                      defaultValue: r.reason ?? "",
                    })}
                  </Table.Td>
                  <Table.Td>
                    <RequestStatusBadge status={r.status ?? ""} />
                  </Table.Td>
                  <Table.Td>
                    {r.recommendation
                      ? `${t(`outcome.${r.recommendation.outcome}` as "outcome.refund", {
                          defaultValue: r.recommendation.outcome ?? "",
                        })}${r.recommendation.amount ? ` ${formatMoney(r.recommendation.amount, i18n.language)}` : ""}`
                      : ""}
                  </Table.Td>
                  <Table.Td>{formatDateTime(r.submittedAt ?? "", i18n.language, zone)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
