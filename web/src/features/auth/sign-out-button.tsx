// Sign-out: ends the session on the server, forgets every cached answer, back to sign-in.

import { Button } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { api, setCsrfToken, unwrap } from "../../shared/api/client";

export function SignOutButton() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/api/v1/session")),
    onSettled: async () => {
      setCsrfToken(null);
      queryClient.clear();
      await navigate({ to: "/sign-in" });
    },
  });
  return (
    <Button
      variant="default"
      size="xs"
      loading={signOut.isPending}
      onClick={() => signOut.mutate()}
    >
      {t("auth.signOut")}
    </Button>
  );
}
