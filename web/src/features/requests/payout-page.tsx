// One refund payout, the page the "where should we send it?" e-mails link to: the payout with its
// form for the wallet address or bank account, and the way back to its request.

import { Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { AnchorLink } from "../../shared/ui/links";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { payoutQuery, requestQuery } from "./api";
import { PayoutCard } from "./payout-card";

export function PayoutPage({ payoutId }: { payoutId: string }) {
  const { t } = useTranslation();
  const payout = useQuery(payoutQuery(payoutId));
  const request = useQuery({
    ...requestQuery(payout.data?.requestId ?? ""),
    enabled: payout.data !== undefined,
  });
  if (payout.isPending) {
    return (
      <Stack aria-busy="true" aria-label={t("common.loading")}>
        <Skeleton height={40} width="60%" />
        <ListSkeleton rows={1} height={160} />
      </Stack>
    );
  }
  if (payout.isError) {
    return <ErrorView error={payout.error} onRetry={() => void payout.refetch()} />;
  }
  const p = payout.data;
  const reference = request.data?.reference ?? null;
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1}>{t("payout.pageTitle")}</Title>
        <Text size="sm">
          {/* A non-breaking space holds the line while the request loads: nothing jumps. */}
          {reference === null
            ? "\u00a0"
            : t("payout.forRequest", { reference, orderId: p.orderId ?? "" })}
        </Text>
      </Stack>
      <PayoutCard payout={p} headingLevel={2} />
      <AnchorLink to="/requests/$requestId" params={{ requestId: p.requestId }}>
        {t("payout.openRequest", { reference: reference ?? "" })}
      </AnchorLink>
    </Stack>
  );
}
