// My requests: each request's status in words, who it waits on, and a link to it.

import { Card, Group, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { AnchorLink, ButtonLink } from "../../shared/ui/links";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDate } from "../../shared/format";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { RequestStatusBadge } from "../../shared/ui/status";
import { myRequestsQuery } from "./api";

export function MyRequestsPage() {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const requests = useQuery(myRequestsQuery);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t("requests.title")}</Title>
        <ButtonLink to="/orders" variant="outline">
          {t("requests.askFromOrders")}
        </ButtonLink>
      </Group>
      {requests.isPending ? (
        <ListSkeleton rows={3} height={96} />
      ) : requests.isError ? (
        <ErrorView error={requests.error} onRetry={() => void requests.refetch()} />
      ) : (requests.data.items ?? []).length === 0 ? (
        <Stack gap="xs">
          <Text>{t("requests.empty")}</Text>
          <AnchorLink to="/orders">{t("requests.emptyNext")}</AnchorLink>
        </Stack>
      ) : (
        <Stack component="ul" gap="md" p={0} style={{ listStyle: "none" }}>
          {(requests.data.items ?? []).map((r) => (
            <li key={r.id}>
              <Card withBorder padding="md">
                <Group justify="space-between" align="flex-start" wrap="wrap">
                  <Stack gap={4}>
                    <AnchorLink
                      to="/requests/$requestId"
                      params={{ requestId: r.id ?? "" }}
                      fw={700}
                    >
                      {t("requests.linkLabel", {
                        id: r.reference ?? r.id,
                        reason:
                          r.reason === null || r.reason === undefined
                            ? t("reasonPending")
                            : t(`reason.${r.reason}.label` as "reason.other.label", {
                                defaultValue: r.reason,
                              }),
                      })}
                    </AnchorLink>
                    <Text size="sm">
                      {t("requests.forOrder", {
                        orderId: r.orderId,
                        date: formatDate(r.submittedAt ?? "", i18n.language, zone),
                      })}
                    </Text>
                    {r.waitingOn === "client" ? (
                      <Text size="sm" fw={700}>
                        {t("requests.waitingOnYou")}
                      </Text>
                    ) : null}
                  </Stack>
                  <RequestStatusBadge status={r.status ?? ""} />
                </Group>
              </Card>
            </li>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
