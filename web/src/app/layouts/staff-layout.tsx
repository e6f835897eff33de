// The staff console: dense, a left navigation, tables. Loaded only when staff sign in.

import { AppShell, Burger, Group } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Outlet } from "@tanstack/react-router";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { NavLinkLink } from "../../shared/ui/links";
import { ListSkeleton } from "../../shared/ui/states";
import { AppHeader } from "./app-header";

export function StaffLayout() {
  const { t } = useTranslation();
  const [opened, { toggle }] = useDisclosure();
  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" wrap="nowrap" gap={0}>
          <Burger
            opened={opened}
            onClick={toggle}
            hiddenFrom="sm"
            size="sm"
            ml="md"
            aria-label={t("nav.toggle")}
          />
          <div style={{ flex: 1 }}>
            <AppHeader />
          </div>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t("nav.label")}>
        <NavLinkLink to="/staff/queue" label={t("nav.queue")} />
        <NavLinkLink to="/staff/payouts" label={t("nav.payouts")} />
        <NavLinkLink to="/staff/people" label={t("nav.people")} />
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<ListSkeleton rows={8} height={36} />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
