// Forgot your password: the address gets an e-mail with a link to choose a new one (48 hours,
// once). The answer is the same whether or not the address has an account, so the page says so
// and never tells which addresses exist.

import { Alert, Button, Paper, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../shared/api/client";
import { fieldError } from "../../shared/api/problem";
import { AnchorLink } from "../../shared/ui/links";
import { RefusalAlert } from "../../shared/ui/refusal";
import { AuthFrame, EmailField } from "./fields";

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/v1/password-resets", { body: { email: email.trim() } })),
    onSuccess: () => setSentTo(email.trim()),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  return (
    <AuthFrame title={t("account.resetTitle")} width={460}>
      <Paper withBorder p="lg" component="form" onSubmit={onSubmit} noValidate>
        <Stack>
          {sentTo === null ? (
            <Text size="sm">{t("account.resetIntro")}</Text>
          ) : (
            <Alert color="green" role="status" title={t("account.resetSentTitle")}>
              {t("account.resetSent", { email: sentTo })}
            </Alert>
          )}
          <EmailField value={email} onChange={setEmail} error={fieldError(send.error, "email")} />
          <RefusalAlert error={send.error} fields={["email"]} />
          <Button type="submit" loading={send.isPending}>
            {sentTo === null ? t("account.resetSubmit") : t("account.resetAgain")}
          </Button>
          <AnchorLink to="/sign-in" size="sm">
            {t("account.backToSignIn")}
          </AnchorLink>
        </Stack>
      </Paper>
    </AuthFrame>
  );
}
