// The header both sides share: the product, who is signed in, the language and sign-out.

import { Group, NativeSelect, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { AnchorLink } from "../../shared/ui/links";
import { SignOutButton } from "../../features/auth/sign-out-button";
import { sessionQuery } from "../../shared/api/session";
import { changeLanguage, LANGUAGES, type Language } from "../../shared/i18n";

export function AppHeader() {
  const { t } = useTranslation();
  const session = useQuery(sessionQuery).data;
  return (
    <Group justify="space-between" h="100%" px="md" wrap="nowrap" gap="xs">
      <AnchorLink to="/" fw={700} size="lg" c="inherit" underline="never">
        {t("app.name")}
      </AnchorLink>
      <Group gap="sm" wrap="nowrap">
        {session?.user ? (
          <Text size="sm" visibleFrom="xs" data-testid="signed-in-as">
            {t("auth.signedInAs", { name: session.user.name })}
          </Text>
        ) : null}
        <LanguageSelect />
        <SignOutButton />
      </Group>
    </Group>
  );
}

/** The language of the whole app (remembered; the document's `lang` follows). */
export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <NativeSelect
      aria-label={t("app.language")}
      size="xs"
      value={i18n.language.startsWith("th") ? "th" : "en"}
      onChange={(e) => void changeLanguage(e.currentTarget.value as Language)}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
    />
  );
}
