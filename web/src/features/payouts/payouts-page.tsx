// Finance's landing page. The payouts console (tabs, table, approvals) comes with the next web
// issue on the payout-operations API (issue 11); until then this page says so.

import { Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";

export function PayoutsPage() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1}>{t("payouts.title")}</Title>
      <Text>{t("payouts.comingSoon")}</Text>
    </Stack>
  );
}
