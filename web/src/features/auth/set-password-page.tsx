// Choose a password from the link of an invitation or a password-reset e-mail
// (`/set-password?token=...`). The token is used once; the API says in words when it has expired,
// was used or was replaced, and this page then offers to send a new link. No one is signed in by
// this page: afterwards the person signs in with the new password.

import { Alert, Button, Paper, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useSearch } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../shared/api/client";
import { fieldError } from "../../shared/api/problem";
import { AnchorLink, ButtonLink } from "../../shared/ui/links";
import { RefusalAlert } from "../../shared/ui/refusal";
import { AuthFrame, PasswordField } from "./fields";

/** The API's minimum (POST /set-password answers 400 naming `password` below it). */
export const MIN_PASSWORD_LENGTH = 12;

export function SetPasswordPage({ token }: { token: string | undefined }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const save = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/v1/set-password", { body: { token: token ?? "", password } })),
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    // Only a typing slip is caught here; the rules are the API's.
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    save.mutate();
  };

  const tokenProblem =
    token === undefined ? t("account.linkMissing") : fieldError(save.error, "token");

  return (
    <AuthFrame title={t("account.setTitle")} width={460}>
      {save.isSuccess ? (
        <Paper withBorder p="lg">
          <Stack>
            <Alert color="green" role="status" title={t("account.setDoneTitle")}>
              {t("account.setDone")}
            </Alert>
            <ButtonLink to="/sign-in">{t("auth.signIn")}</ButtonLink>
          </Stack>
        </Paper>
      ) : tokenProblem !== undefined ? (
        <Paper withBorder p="lg">
          <Stack>
            <Alert color="red" role="alert" title={t("account.linkInvalidTitle")}>
              <Text size="sm">{t("account.linkInvalid")}</Text>
            </Alert>
            <ButtonLink to="/reset-password">{t("account.askNewLink")}</ButtonLink>
          </Stack>
        </Paper>
      ) : (
        <Paper withBorder p="lg" component="form" onSubmit={onSubmit} noValidate>
          <Stack>
            <Text size="sm">{t("account.setIntro")}</Text>
            <PasswordField
              label={t("account.newPassword")}
              description={t("account.passwordRule", { min: MIN_PASSWORD_LENGTH })}
              autoComplete="new-password"
              value={password}
              onChange={setPassword}
              error={fieldError(save.error, "password")}
            />
            <PasswordField
              label={t("account.repeatPassword")}
              autoComplete="new-password"
              value={repeat}
              onChange={setRepeat}
              error={mismatch ? t("account.passwordsDiffer") : undefined}
            />
            <RefusalAlert error={save.error} fields={["password", "token"]} />
            <Button type="submit" loading={save.isPending}>
              {t("account.setSubmit")}
            </Button>
            <AnchorLink to="/sign-in" size="sm">
              {t("account.backToSignIn")}
            </AnchorLink>
          </Stack>
        </Paper>
      )}
    </AuthFrame>
  );
}

/** The route's component: the token from `?token=`. */
export function SetPasswordRoutePage() {
  const search = useSearch({ strict: false });
  return <SetPasswordPage token={typeof search.token === "string" ? search.token : undefined} />;
}
