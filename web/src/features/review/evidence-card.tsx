// The evidence as one timeline: promised vs actual start and delivery first (a small table), then
// everything in time order: the order, blockers and incidents (client-side, external or our fault,
// said in words and marked by a pattern, never colour alone), payments with extras marked and
// what was refunded of them, the requests on the same order, and this request's payouts.

import { Card, Group, Skeleton, Stack, Table, Text, Timeline, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { formatDate, formatDateTime, formatMoney } from "../../shared/format";
import { AnchorLink } from "../../shared/ui/links";
import { ErrorView } from "../../shared/ui/states";
import { StaffStatusBadge } from "./status";
import { orderPaymentsQuery, payoutsOfRequestQuery } from "../../shared/api/pages";
import {
  orderEventsQuery,
  orderQuery,
  requestsOnOrderQuery,
  type Order,
  type StaffRequest,
} from "./api";
import {
  eventDuration,
  evidenceTimeline,
  isPositive,
  promisedVsActual,
  type EvidenceEntry,
} from "./evidence";
import { Tag } from "./tag";

const EVENT_STYLE: Record<string, { color: string; border: string }> = {
  client_blocker: { color: "orange", border: "dashed" },
  external_incident: { color: "grape", border: "dotted" },
  internal_fault: { color: "red", border: "solid" },
};

export function EvidenceCard({ request: r, zone }: { request: StaffRequest; zone: string | null }) {
  const { t } = useTranslation(["translation", "console"]);
  const order = useQuery(orderQuery(r.orderId));
  const payments = useQuery(orderPaymentsQuery(r.orderId));
  const events = useQuery(orderEventsQuery(r.orderId));
  const others = useQuery(requestsOnOrderQuery(r.orderId));
  const payouts = useQuery(payoutsOfRequestQuery(r.id));
  const parts = [order, payments, events, others, payouts];
  const failed = parts.find((p) => p.isError);
  return (
    <Card withBorder component="section" aria-labelledby="evidence-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="evidence-heading">
          {t("console:evidence.title")}
        </Title>
        {failed !== undefined ? (
          <ErrorView error={failed.error} onRetry={() => parts.forEach((p) => void p.refetch())} />
        ) : order.data === undefined ||
          payments.data === undefined ||
          events.data === undefined ||
          others.data === undefined ||
          payouts.data === undefined ? (
          <Stack gap="xs" aria-busy="true" aria-label={t("common.loading")}>
            <Skeleton height={90} />
            <Skeleton height={28} />
            <Skeleton height={28} />
            <Skeleton height={28} />
          </Stack>
        ) : (
          <>
            <OrderLine order={order.data} />
            <PromisesTable order={order.data} zone={zone} />
            <Timeline bulletSize={16} lineWidth={2} mt="xs">
              {evidenceTimeline({
                order: order.data,
                payments: payments.data.items,
                events: events.data.items,
                requests: others.data.items,
                requestId: r.id,
                payouts: payouts.data.items,
              }).map((e, i) => (
                <Timeline.Item key={i} title={<EntryTitle entry={e} />}>
                  <EntryBody entry={e} zone={zone} />
                </Timeline.Item>
              ))}
            </Timeline>
          </>
        )}
      </Stack>
    </Card>
  );
}

function OrderLine({ order }: { order: Order }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  return (
    <Text size="sm">
      {t("console:evidence.order", {
        id: order.id,
        service: order.service.name,
        category: t(`console:category.${order.service.category}`),
        billing: t(`console:billing.${order.service.billing}`),
        price: formatMoney(order.price, i18n.language),
      })}
    </Text>
  );
}

function PromisesTable({ order, zone }: { order: Order; zone: string | null }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  // "Now" as of when the evidence was shown: stable across re-renders.
  const [now] = useState(() => Date.now());
  const rows = promisedVsActual(order, now);
  return (
    <Table withTableBorder withColumnBorders verticalSpacing={4} fz="sm">
      <Table.Caption>{t("console:evidence.promisesCaption")}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t("console:evidence.what")}</Table.Th>
          <Table.Th scope="col">{t("console:evidence.promised")}</Table.Th>
          <Table.Th scope="col">{t("console:evidence.actual")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.what}>
            <Table.Th scope="row">{t(`console:evidence.${row.what}`)}</Table.Th>
            <Table.Td>
              {row.promised === null ? "—" : formatDateTime(row.promised, lng, zone)}
            </Table.Td>
            <Table.Td>
              {row.actual === null ? null : <div>{formatDateTime(row.actual, lng, zone)}</div>}
              <Text
                size="sm"
                fw={row.verdict === "late" || row.verdict === "overdue" ? 700 : 400}
                c={row.verdict === "late" || row.verdict === "overdue" ? "red.9" : undefined}
              >
                {t(`console:verdict.${row.verdict}`, { count: row.days })}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function EntryTitle({ entry: e }: { entry: EvidenceEntry }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  switch (e.type) {
    case "order_placed":
      return <>{t("console:evidence.placed")}</>;
    case "promised":
      return <>{t(`console:evidence.promised_${e.what}`)}</>;
    case "actual":
      return <>{t(`console:evidence.actual_${e.what}`)}</>;
    case "service_event": {
      const style = EVENT_STYLE[e.event.kind] ?? { color: "gray", border: "solid" };
      return (
        <Group gap="xs">
          <span>{t(`console:eventKind.${e.event.kind}`)}</span>
          <Tag color={style.color} borderStyle={style.border as "solid" | "dashed" | "dotted"}>
            {t(`console:eventSide.${e.event.kind}`)}
          </Tag>
        </Group>
      );
    }
    case "payment":
      return (
        <Group gap="xs">
          <span>
            {t("console:evidence.payment", {
              amount: formatMoney(e.payment.amount, lng),
              method: t(`paymentMethod.${e.payment.method}`),
            })}
          </span>
          {e.payment.extra ? <Tag color="red">{t("console:evidence.extra")}</Tag> : null}
        </Group>
      );
    case "request":
      return (
        <Group gap="xs">
          <span>
            {e.current
              ? t("console:evidence.thisRequest")
              : t("console:evidence.otherRequest", {
                  reference: e.request.reference ?? e.request.id,
                })}
          </span>
          <StaffStatusBadge status={e.request.status} />
        </Group>
      );
    case "payout":
      return (
        <>
          {t("console:evidence.payout", {
            amount: e.payout.amount ? formatMoney(e.payout.amount, lng) : "",
            method: t(`paymentMethod.${e.payout.method ?? "other"}` as "paymentMethod.card"),
          })}
        </>
      );
  }
}

function EntryBody({ entry: e, zone }: { entry: EvidenceEntry; zone: string | null }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  const when = (
    <Text size="xs" c="dimmed">
      {formatDateTime(e.at, lng, zone)}
    </Text>
  );
  switch (e.type) {
    case "order_placed":
    case "promised":
    case "actual":
      return when;
    case "service_event": {
      const d = eventDuration(e.event);
      return (
        <>
          <Text size="xs" c="dimmed">
            {e.event.to === null
              ? t("console:evidence.eventOngoing", {
                  from: formatDateTime(e.event.from, lng, zone),
                })
              : t("console:evidence.eventSpan", {
                  from: formatDateTime(e.event.from, lng, zone),
                  to: formatDateTime(e.event.to, lng, zone),
                  duration: d === null ? "" : t(`console:duration.${d.unit}`, { count: d.count }),
                })}
          </Text>
          {e.event.note ? <Text size="sm">{e.event.note}</Text> : null}
        </>
      );
    }
    case "payment":
      return (
        <>
          {when}
          <Text size="xs">
            {t("console:evidence.charge", { charge: e.payment.chargeRef, id: e.payment.id })}
          </Text>
          {e.payment.extra ? <Text size="xs">{t("console:evidence.extraHelp")}</Text> : null}
          {isPositive(e.payment.refunded.amount) ? (
            <Text size="sm" fw={700}>
              {t("console:evidence.refunded", {
                amount: formatMoney(e.payment.refunded, lng),
              })}
            </Text>
          ) : null}
        </>
      );
    case "request":
      return (
        <>
          {when}
          <Text size="xs">
            {e.request.reason === null || e.request.reason === undefined
              ? t("reasonPending")
              : t(`reason.${e.request.reason}.label`)}
            {e.request.recommendation
              ? ` · ${t("console:evidence.recommended", {
                  outcome: t(`console:outcome.${e.request.recommendation.outcome ?? "review"}`),
                  amount: e.request.recommendation.amount
                    ? formatMoney(e.request.recommendation.amount, lng)
                    : "",
                })}`
              : ""}
          </Text>
          {e.current ? null : (
            <AnchorLink
              to="/staff/requests/$requestId"
              params={{ requestId: e.request.id }}
              size="xs"
            >
              {t("console:evidence.openOther", {
                reference: e.request.reference ?? e.request.id,
              })}
            </AnchorLink>
          )}
        </>
      );
    case "payout":
      return (
        <>
          <Text size="xs">
            {t(
              `console.payoutStatus.${e.payout.status ?? "scheduled"}` as "console:payoutStatus.scheduled",
            )}
            {e.payout.succeededAt
              ? ` · ${formatDateTime(e.payout.succeededAt, lng, zone)}`
              : e.payout.dueEarliest && e.payout.dueLatest
                ? ` · ${t("console:evidence.due", {
                    from: formatDate(e.payout.dueEarliest, lng, zone),
                    to: formatDate(e.payout.dueLatest, lng, zone),
                  })}`
                : ""}
          </Text>
        </>
      );
  }
}
