// The client portal: calm and narrow, one column, large type.

import { AppShell, Container, Group, Text } from "@mantine/core";
import { Outlet } from "@tanstack/react-router";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { AnchorLink } from "../../shared/ui/links";
import { usePolicyZone } from "../../shared/api/policy";
import { zoneLabel } from "../../shared/format";
import { ListSkeleton } from "../../shared/ui/states";
import { AppHeader } from "./app-header";

export function ClientLayout() {
  const { t } = useTranslation();
  const zone = usePolicyZone();
  return (
    <AppShell header={{ height: 60 }} padding="md">
      <AppShell.Header>
        <AppHeader />
      </AppShell.Header>
      <AppShell.Main>
        <Container size="sm" px={0}>
          <Group component="nav" aria-label={t("nav.label")} gap="lg" mb="lg" wrap="wrap">
            <AnchorLink to="/requests" activeProps={{ "aria-current": "page" }}>
              {t("nav.myRequests")}
            </AnchorLink>
            <AnchorLink to="/orders" activeProps={{ "aria-current": "page" }}>
              {t("nav.myOrders")}
            </AnchorLink>
            <AnchorLink to="/policy" activeProps={{ "aria-current": "page" }}>
              {t("nav.policy")}
            </AnchorLink>
          </Group>
          <Suspense fallback={<ListSkeleton />}>
            <Outlet />
          </Suspense>
          {zone === null ? null : (
            <Text size="sm" c="dimmed" mt="xl" component="footer">
              {t("common.timesIn", { zone: zoneLabel(zone) })}
            </Text>
          )}
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
