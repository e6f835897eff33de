// The states every page has: loading (skeleton rows), error (in words, with Retry), not found.

import { Alert, Button, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ApiError, isNotFound } from "../api/problem";
import { AnchorLink } from "./links";

/** Skeleton rows shaped like the list they stand for (no spinner, nothing jumps). */
export function ListSkeleton({ rows = 3, height = 72 }: { rows?: number; height?: number }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" aria-busy="true" aria-label={t("common.loading")}>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height={height} radius="md" />
      ))}
    </Stack>
  );
}

/** What failed, in words, and a Retry that runs the failed load again. */
export function ErrorView({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  if (isNotFound(error)) return <NotFoundView />;
  const status = error instanceof ApiError ? error.status : 0;
  const message =
    status === 0
      ? t("errors.network")
      : status === 401
        ? t("errors.signedOut")
        : status === 403
          ? t("errors.forbidden")
          : status >= 500
            ? t("errors.server")
            : (error as ApiError).message;
  return (
    <Alert color="red" title={t("errors.title")} role="alert">
      <Stack gap="sm">
        <Text size="sm">{message}</Text>
        {status === 401 ? <AnchorLink to="/sign-in">{t("auth.signIn")}</AnchorLink> : null}
        {onRetry === undefined || status === 401 ? null : (
          <Group>
            <Button variant="default" onClick={onRetry}>
              {t("common.retry")}
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** The page a missing id and someone else's id both show (the API answers them alike). */
export function NotFoundView() {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" role="status">
      <Title order={1}>{t("errors.notFoundTitle")}</Title>
      <Text>{t("errors.notFound")}</Text>
      <AnchorLink to="/">{t("errors.goHome")}</AnchorLink>
    </Stack>
  );
}
