// The pages anyone may open (sign-in, the links of invitation and reset e-mails): the product's
// name and the language, nothing that needs a session.

import { AppShell, Group, Text } from "@mantine/core";
import { Outlet } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { LanguageSelect } from "./app-header";

export function PublicLayout() {
  const { t } = useTranslation();
  return (
    <AppShell header={{ height: 60 }} padding="md">
      <AppShell.Header>
        <Group justify="space-between" h="100%" px="md" wrap="nowrap">
          <Text fw={700} size="lg">
            {t("app.name")}
          </Text>
          <LanguageSelect />
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
