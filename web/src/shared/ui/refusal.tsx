// A refusal in words, next to what caused it. Field errors the form shows beside its inputs are
// left to the form (`fields`); everything else becomes one alert: the request changed since the
// page loaded (with Reload), signed out, a server failure, or the API's own words.

import { Alert, Button, Group, List, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/problem";

/** The field errors of a refusal that no input of the form shows. */
function unshownErrors(error: ApiError, fields: readonly string[]) {
  return (error.problem?.errors ?? []).filter(
    (e) => !fields.some((f) => e.path === f || e.path.endsWith(`.${f}`)),
  );
}

export function RefusalAlert({
  error,
  fields = [],
  onReload,
}: {
  error: unknown;
  /** Fields the form shows errors next to (e.g. `message`). */
  fields?: readonly string[];
  /** Reloads what the page shows (offered when the request changed meanwhile). */
  onReload?: () => void;
}) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  if (!(error instanceof ApiError) || error.status === 0) {
    return (
      <Alert color="red" role="alert">
        {t("errors.network")}
      </Alert>
    );
  }
  const code = error.problem?.code;
  if (code === "version_conflict") {
    return (
      <Alert color="orange" role="alert" title={t("errors.changedTitle")}>
        <Stack gap="xs">
          <Text size="sm">{t("errors.changed")}</Text>
          {onReload === undefined ? null : (
            <Group>
              <Button variant="default" size="xs" onClick={onReload}>
                {t("errors.reload")}
              </Button>
            </Group>
          )}
        </Stack>
      </Alert>
    );
  }
  const others = unshownErrors(error, fields);
  const hasFieldErrors = (error.problem?.errors ?? []).length > 0;
  if (hasFieldErrors && others.length === 0) return null;
  const message =
    error.status === 401
      ? t("errors.signedOut")
      : error.status === 403
        ? t("errors.forbidden")
        : error.status >= 500
          ? t("errors.server")
          : typeof error.problem?.["appealClosedAt"] === "string"
            ? t("errors.appealClosed")
            : (error.problem?.detail ?? t("errors.server"));
  return (
    <Alert color="red" role="alert">
      {others.length === 0 || error.status >= 500 ? (
        <Text size="sm">{message}</Text>
      ) : (
        <List size="sm">
          {others.map((e) => (
            <List.Item key={e.path}>{`${e.path.replace(/^body\./, "")}: ${e.message}`}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
