// My orders: each order's state in words, what was paid and how, the last day to ask for a refund
// (policy zone), and the request already open on it or the way to ask for one.

import { Card, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { AnchorLink, ButtonLink } from "../../shared/ui/links";
import { policyQuery } from "../../shared/api/policy";
import {
  formatDate,
  formatDateTime,
  formatMoney,
  lastDayToAsk,
  todayIn,
  zoneLabel,
} from "../../shared/format";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { RequestStatusBadge } from "../../shared/ui/status";
import { orderPaymentsQuery } from "../../shared/api/pages";
import { myOrdersQuery, requestsByOrderQuery, type Order } from "./api";

export function MyOrdersPage() {
  const { t } = useTranslation();
  const orders = useQuery(myOrdersQuery);
  return (
    <Stack>
      <Title order={1}>{t("orders.title")}</Title>
      {orders.isPending ? (
        <ListSkeleton rows={3} height={160} />
      ) : orders.isError ? (
        <ErrorView error={orders.error} onRetry={() => void orders.refetch()} />
      ) : orders.data.items.length === 0 ? (
        <Text>{t("orders.empty")}</Text>
      ) : (
        <Stack component="ul" gap="md" p={0} style={{ listStyle: "none" }}>
          {orders.data.items.map((order) => (
            <li key={order.id}>
              <OrderCard order={order} />
            </li>
          ))}
        </Stack>
      )}
    </Stack>
  );
}

function OrderCard({ order }: { order: Order }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const policy = useQuery(policyQuery).data;
  const zone = policy?.parameters.timezone ?? null;
  const payments = useQuery(orderPaymentsQuery(order.id));
  const requests = useQuery(requestsByOrderQuery);
  const latest = requests.data?.get(order.id);

  const state =
    order.deliveredAt !== null
      ? t("orders.state.delivered", { date: formatDate(order.deliveredAt, lng, zone) })
      : order.startedAt !== null
        ? t("orders.state.inProgress")
        : t("orders.state.notStarted");

  let windowLine: string | null = null;
  if (order.deliveredAt !== null && policy !== undefined && zone !== null) {
    const last = lastDayToAsk(order.deliveredAt, policy.parameters.requestWindowDays, zone);
    windowLine =
      last >= todayIn(zone)
        ? t("orders.windowOpen", { date: formatDate(last, lng, zone), zone: zoneLabel(zone) })
        : t("orders.windowClosed", { date: formatDate(last, lng, zone), zone: zoneLabel(zone) });
  }

  const headingId = `order-${order.id}`;
  return (
    <Card withBorder padding="lg" component="article" aria-labelledby={headingId}>
      <Stack gap="xs">
        <Group justify="space-between" align="baseline">
          <Title order={2} size="h4" id={headingId}>
            {order.service.name}
          </Title>
          <Text size="sm" c="dimmed">
            {t("orders.reference", { id: order.id })}
          </Text>
        </Group>
        <Text>{state}</Text>
        {order.promisedDeliveryBy !== null && order.deliveredAt === null ? (
          <Text size="sm">
            {t("orders.promisedBy", { date: formatDate(order.promisedDeliveryBy, lng, zone) })}
          </Text>
        ) : null}
        <Text size="sm">{t("orders.price", { amount: formatMoney(order.price, lng) })}</Text>
        {payments.isPending ? (
          <Skeleton height={20} width="70%" aria-hidden />
        ) : payments.isError ? (
          <Text size="sm" c="red.8">
            {t("orders.paymentsUnavailable")}
          </Text>
        ) : (
          payments.data.items.map((p) => (
            <Stack gap={0} key={p.id}>
              <Text size="sm">
                {t("orders.paid", {
                  amount: formatMoney(p.amount, lng),
                  method: t(`paymentMethod.${p.method}` as "paymentMethod.card", {
                    defaultValue: p.method,
                  }),
                  date: formatDateTime(p.capturedAt, lng, zone),
                })}
              </Text>
              {/^[0.]*$/.test(p.refunded.amount) ? null : (
                <Text size="sm">
                  {t("orders.refunded", { amount: formatMoney(p.refunded, lng) })}
                </Text>
              )}
            </Stack>
          ))
        )}
        {windowLine === null ? null : <Text size="sm">{windowLine}</Text>}
        {requests.isPending ? (
          // Held while the requests load, so the button below does not jump or flash.
          <Skeleton height={36} width="50%" aria-hidden />
        ) : latest === undefined ? null : (
          <Group gap="xs">
            <Text size="sm">{latest.open ? t("orders.openRequest") : t("orders.lastRequest")}</Text>
            <RequestStatusBadge status={latest.status} />
            <AnchorLink to="/requests/$requestId" params={{ requestId: latest.id }}>
              {t("orders.viewRequest", { id: latest.reference })}
            </AnchorLink>
          </Group>
        )}
        {requests.isPending || latest?.open === true ? null : (
          <Group>
            <ButtonLink to="/requests/new" search={{ orderId: order.id }} variant="outline">
              {t("orders.askRefund")}
            </ButtonLink>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
