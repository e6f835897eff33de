// Sign in with e-mail address and password. The API's refusal is shown in words: next to the field
// it names, or above the form for "wrong address or password" (which names neither, on purpose).

import { Alert, Button, Paper, Stack } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, setCsrfToken, unwrap } from "../../shared/api/client";
import { ApiError, fieldError } from "../../shared/api/problem";
import { landingPath, sessionQuery } from "../../shared/api/session";
import { AnchorLink } from "../../shared/ui/links";
import { AuthFrame, EmailField, PasswordField } from "./fields";

export function SignInPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const search = useSearch({ strict: false });
  const redirectTo = typeof search.redirect === "string" ? search.redirect : undefined;
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const signIn = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/v1/session", { body: { email, password } })),
    onSuccess: async (session) => {
      setCsrfToken(session.csrfToken);
      queryClient.setQueryData(sessionQuery.queryKey, session);
      await navigate({ href: redirectTo ?? landingPath(session) });
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate();
  };

  const error = signIn.error;
  const formMessage =
    error instanceof ApiError
      ? error.status === 401
        ? t("auth.wrongCredentials")
        : error.status === 429
          ? t("auth.tooManyAttempts")
          : error.status === 400
            ? null
            : t("errors.server")
      : error
        ? t("errors.network")
        : null;

  return (
    <AuthFrame title={t("auth.signInTitle")} width={420}>
      <Paper withBorder p="lg" component="form" onSubmit={onSubmit} noValidate>
        <Stack>
          {formMessage === null ? null : (
            <Alert color="red" role="alert">
              {formMessage}
            </Alert>
          )}
          <EmailField value={email} onChange={setEmail} error={fieldError(error, "email")} />
          <PasswordField
            label={t("auth.password")}
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            error={fieldError(error, "password")}
          />
          <Button type="submit" loading={signIn.isPending}>
            {t("auth.signIn")}
          </Button>
          <AnchorLink to="/reset-password" size="sm">
            {t("auth.forgotPassword")}
          </AnchorLink>
        </Stack>
      </Paper>
    </AuthFrame>
  );
}
