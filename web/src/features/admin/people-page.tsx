// The admin's landing page. People management comes with the next web issue on the
// people-and-workflow API (issue 12); until then this page says so.

import { Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";

export function PeoplePage() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1}>{t("people.title")}</Title>
      <Text>{t("people.comingSoon")}</Text>
    </Stack>
  );
}
