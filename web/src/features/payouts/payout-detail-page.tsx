// One payout as finance works it: the amount and status first, then what it waits on and the
// actions (each saying what will happen), then the request and refund line, the approvals and who
// gave them, the provider's state and reference, and the attempts.

import { Anchor, Badge, Card, Grid, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../shared/api/client";
import { usePolicyZone } from "../../shared/api/policy";
import { sessionQuery } from "../../shared/api/session";
import { formatDate, formatDateTime, formatMoney } from "../../shared/format";
import { AnchorLink } from "../../shared/ui/links";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { payoutQuery, type Payout } from "./api";
import { PayoutActions } from "./payout-actions";
import { DeadlineBadge, useWaitsOn } from "./payout-labels";

/** Names of the people who approved (finance may list users); ids when the list is not at hand. */
function usePeopleNames(): Map<string, string> {
  const people = useQuery({
    queryKey: ["finance", "people"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/users", { params: { query: { limit: "100" } } })),
    staleTime: 5 * 60_000,
  });
  return new Map((people.data?.items ?? []).map((u) => [u.id, u.name]));
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w="40%">
        {label}
      </Table.Th>
      {/* Addresses, IBANs and hashes wrap at a phone's width rather than run off it. */}
      <Table.Td style={{ overflowWrap: "anywhere" }}>{children}</Table.Td>
    </Table.Tr>
  );
}

export function PayoutDetailPage({ payoutId }: { payoutId: string }) {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const payout = useQuery(payoutQuery(payoutId));
  const session = useQuery(sessionQuery);
  const names = usePeopleNames();
  const waitsOn = useWaitsOn();

  if (payout.isPending || session.isPending) {
    return (
      <Stack>
        <Title order={1}>{t("finance.payout.title")}</Title>
        <ListSkeleton rows={4} height={80} />
      </Stack>
    );
  }
  if (payout.isError) {
    return <ErrorView error={payout.error} onRetry={() => void payout.refetch()} />;
  }
  const p: Payout = payout.data;
  const lang = i18n.language;
  const who = (id: string) =>
    id === session.data?.user?.id
      ? t("finance.payout.you", { name: names.get(id) ?? id })
      : (names.get(id) ?? id);
  const reload = () => void payout.refetch();
  const approvals = p.approvals ?? [];
  const needed = p.approvalsNeeded ?? 1;

  return (
    <Stack>
      <AnchorLink to="/staff/payouts">{t("finance.payout.back")}</AnchorLink>
      <Stack gap={4}>
        <Title order={1}>
          {t("finance.payout.heading", {
            amount: formatMoney(p.amount, lang),
            method: t(`finance.method.${p.method}`),
          })}
        </Title>
        <Group gap="sm">
          <Badge variant="outline" radius="sm">
            {t(`finance.status.${p.status ?? ""}`, { defaultValue: p.status ?? "" })}
          </Badge>
          <DeadlineBadge deadline={p.deadline} />
          <Text size="sm">
            {t("finance.payout.waitsOn", { what: waitsOn(p) })} ·{" "}
            {t("finance.window", {
              from: formatDate(p.dueEarliest, lang, zone),
              to: formatDate(p.dueLatest, lang, zone),
            })}
          </Text>
        </Group>
        <Text size="sm" c="dimmed">
          {t("finance.payout.forClient", { client: p.clientName ?? "", order: p.orderId ?? "" })}
        </Text>
      </Stack>

      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                {t("finance.payout.requestTitle")}
              </Title>
              <Table>
                <Table.Tbody>
                  <Row label={t("finance.payout.request")}>{p.requestId}</Row>
                  <Row label={t("finance.col.client")}>{p.clientName ?? ""}</Row>
                  <Row label={t("finance.col.order")}>{p.orderId ?? ""}</Row>
                  <Row label={t("finance.payout.payment")}>{p.paymentId ?? ""}</Row>
                  <Row label={t("finance.payout.refundLine")}>
                    {t("finance.payout.refundLineText", {
                      amount: formatMoney(p.amount, lang),
                      method: t(`finance.method.${p.method}`),
                    })}
                  </Row>
                  <Row label={t("finance.col.due")}>
                    {t("finance.window", {
                      from: formatDate(p.dueEarliest, lang, zone),
                      to: formatDate(p.dueLatest, lang, zone),
                    })}
                  </Row>
                  {p.destination ? (
                    <Row label={t("finance.payout.destination")}>
                      {p.destination.iban
                        ? t("finance.payout.bankDestination", {
                            holder: p.destination.accountHolder ?? "",
                            iban: p.destination.iban,
                          })
                        : t("finance.payout.cryptoDestination", {
                            asset: p.destination.asset ?? "",
                            network: p.destination.network ?? "",
                            address: p.destination.address ?? "",
                          })}
                    </Row>
                  ) : null}
                  {p.reissueOf ? (
                    <Row label={t("finance.payout.reissueOf")}>
                      <AnchorLink to="/staff/payouts/$payoutId" params={{ payoutId: p.reissueOf }}>
                        {p.reissueOf}
                      </AnchorLink>
                    </Row>
                  ) : null}
                  {p.replacedBy ? (
                    <Row label={t("finance.payout.replacedBy")}>
                      <AnchorLink to="/staff/payouts/$payoutId" params={{ payoutId: p.replacedBy }}>
                        {p.replacedBy}
                      </AnchorLink>
                    </Row>
                  ) : null}
                  {p.note ? <Row label={t("finance.justification")}>{p.note}</Row> : null}
                </Table.Tbody>
              </Table>
            </Card>

            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                {t("finance.payout.approvalsTitle", { given: approvals.length, needed })}
              </Title>
              {approvals.length === 0 ? (
                <Text size="sm">{t("finance.payout.noApprovals")}</Text>
              ) : (
                <List size="sm">
                  {approvals.map((a, i) => (
                    <List.Item key={`${a.userId ?? ""}-${a.at ?? ""}`}>
                      {t(i === 0 ? "finance.payout.firstBy" : "finance.payout.secondBy", {
                        who: who(a.userId ?? ""),
                        at: formatDateTime(a.at ?? "", lang, zone),
                      })}
                    </List.Item>
                  ))}
                </List>
              )}
              {needed > 1 ? (
                <Text size="sm" mt="xs">
                  {t("finance.payout.fourEyes")}
                </Text>
              ) : null}
            </Card>

            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                {t("finance.payout.providerTitle")}
              </Title>
              <Table>
                <Table.Tbody>
                  <Row label={t("finance.payout.status")}>
                    {t(`finance.status.${p.status ?? ""}`, { defaultValue: p.status ?? "" })}
                    {p.parked === true ? ` · ${t("finance.waitsOn.parked")}` : ""}
                  </Row>
                  <Row label={t("finance.payout.providerRef")}>
                    {p.providerRef ?? t("finance.payout.none")}
                  </Row>
                  <Row label={t("finance.payout.reference")}>
                    {p.reference ?? t("finance.payout.none")}
                  </Row>
                  {p.failureReason ? (
                    <Row label={t("finance.payout.failure")}>{p.failureReason}</Row>
                  ) : null}
                  {p.crypto?.coins ? (
                    <Row label={t("finance.payout.cryptoSent")}>
                      {t("finance.payout.cryptoSentText", {
                        coins: formatMoney(p.crypto.coins, lang),
                        rate: p.crypto.rate ?? "",
                        fiat: p.amount.currency,
                      })}
                    </Row>
                  ) : null}
                  <Row label={t("finance.payout.attempt")}>
                    {t("finance.payout.attemptText", {
                      attempt: p.attempt ?? 1,
                      calls: p.attempts ?? 0,
                    })}
                  </Row>
                  {p.paidOutside === true ? (
                    <Row label={t("finance.payout.paidOutside")}>{t("finance.payout.yes")}</Row>
                  ) : null}
                  {p.succeededAt ? (
                    <Row label={t("finance.payout.succeededAt")}>
                      {formatDateTime(p.succeededAt, lang, zone)}
                    </Row>
                  ) : null}
                  <Row label={t("finance.payout.updatedAt")}>
                    {formatDateTime(p.updatedAt ?? "", lang, zone)}
                  </Row>
                </Table.Tbody>
              </Table>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack>
            <Title order={2} size="h3">
              {t("finance.actions.title")}
            </Title>
            <PayoutActions payout={p} onReload={reload} />
            <Text size="xs" c="dimmed">
              {t("finance.payout.csvHint")}{" "}
              <Anchor
                href={`/api/v1/payouts/export.csv?requestId=${encodeURIComponent(p.requestId)}`}
              >
                {t("finance.payout.csvLink")}
              </Anchor>
            </Text>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
