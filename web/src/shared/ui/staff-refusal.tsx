// A refused write in words, for staff: the API's own `detail` always (./refusal.tsx words
// refusals for clients instead), and, when what the page shows changed since it was read (409), a
// Reload that reads it again. Used by the review console and the finance console alike.

import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/problem";
import "../i18n/console";

/** Whether a refusal says the resource changed since it was read (stale version or state). */
export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

/**
 * The refusal of `error`, unless every field it names is shown next to its field already
 * (`fields`, e.g. ["justification", "amount"]). `onReload` reads the resource again; `subject`
 * names it in the conflict's title and button (a request by default).
 */
export function Refusal({
  error,
  fields = [],
  onReload,
  subject = "request",
}: {
  error: unknown;
  fields?: readonly string[];
  onReload?: () => void;
  subject?: "request" | "payout" | "dispute";
}) {
  const { t } = useTranslation(["translation", "console"]);
  if (error === null || error === undefined) return null;
  if (!(error instanceof ApiError)) {
    return (
      <Alert color="red" role="alert" title={t("console:refusal.title")}>
        {t("errors.network")}
      </Alert>
    );
  }
  const named = error.problem?.errors ?? [];
  const allShown =
    named.length > 0 &&
    !isConflict(error) &&
    named.every((e) => fields.some((f) => e.path === f || e.path.endsWith(`.${f}`)));
  if (allShown) return null;
  const detail =
    error.status === 0
      ? t("errors.network")
      : error.status >= 500
        ? t("errors.server")
        : (error.problem?.detail ?? t("errors.forbidden"));
  return (
    <Alert
      color={isConflict(error) ? "orange" : "red"}
      role="alert"
      title={
        isConflict(error)
          ? t(`console:refusal.changedTitle.${subject}`)
          : t("console:refusal.title")
      }
    >
      <Stack gap="xs">
        <Text size="sm">{detail}</Text>
        {isConflict(error) && onReload !== undefined ? (
          <Group>
            <Button variant="default" size="xs" onClick={onReload}>
              {t(`console:refusal.reload.${subject}`)}
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Alert>
  );
}
