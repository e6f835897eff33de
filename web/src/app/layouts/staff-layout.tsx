// The staff console: dense, a left navigation, tables. Loaded only when staff sign in.

import { AppShell, Burger, Group } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { Outlet } from "@tanstack/react-router";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { sessionQuery } from "../../shared/api/session";
import { NavLinkLink } from "../../shared/ui/links";
import { ListSkeleton } from "../../shared/ui/states";
import { AppHeader } from "./app-header";

export function StaffLayout() {
  const { t } = useTranslation();
  const [opened, { toggle }] = useDisclosure();
  // The administration's pages are listed for those whose role may use them (the API decides).
  const abilities = useQuery(sessionQuery).data?.abilities ?? [];
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
        {abilities.includes("mail.triage") ? (
          <NavLinkLink to="/staff/mail" label={t("nav.mail")} />
        ) : null}
        <NavLinkLink to="/staff/payouts" label={t("nav.payouts")} />
        {abilities.includes("dispute.read") ? (
          <NavLinkLink to="/staff/disputes" label={t("nav.disputes")} />
        ) : null}
        {abilities.includes("user.write") ? (
          <NavLinkLink to="/staff/people" label={t("nav.people")} />
        ) : null}
        {abilities.includes("client.write") ? (
          <NavLinkLink to="/staff/clients" label={t("admin.nav.clients")} />
        ) : null}
        {abilities.includes("audit.read") ? (
          <NavLinkLink to="/staff/policy" label={t("admin.nav.policy")} />
        ) : null}
        {abilities.includes("policy.simulate") ? (
          <NavLinkLink to="/staff/simulations" label={t("admin.nav.simulations")} />
        ) : null}
        {abilities.includes("audit.read") ? (
          <NavLinkLink to="/staff/audit" label={t("admin.nav.audit")} />
        ) : null}
        {abilities.includes("webhook.write") ? (
          <NavLinkLink to="/staff/integrations" label={t("admin.nav.integrations")} />
        ) : null}
        {abilities.includes("report.read") ? (
          <NavLinkLink to="/staff/reports" label={t("nav.reports")} />
        ) : null}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<ListSkeleton rows={8} height={36} />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
