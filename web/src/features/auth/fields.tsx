// What the sign-in, password-reset and set-password pages share: the page's frame (a narrow column
// under its title), the e-mail address field and the password field (its show/hide toggle named,
// and its error marked on the input itself for screen readers).

import { Container, PasswordInput, TextInput, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** An account page: a column `width` wide under its title. */
export function AuthFrame({
  title,
  width,
  children,
}: {
  title: string;
  width: number;
  children: ReactNode;
}) {
  return (
    <Container size={width} py="xl">
      <Title order={1} mb="lg">
        {title}
      </Title>
      {children}
    </Container>
  );
}

/** The account's e-mail address (the browser offers the saved one). */
export function EmailField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <TextInput
      label={t("auth.email")}
      type="email"
      autoComplete="username"
      required
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
    />
  );
}

/** A password (the current one, or a new one), required. */
export function PasswordField({
  label,
  description,
  autoComplete,
  value,
  onChange,
  error,
}: {
  label: string;
  description?: string;
  autoComplete: "current-password" | "new-password";
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      label={label}
      description={description}
      autoComplete={autoComplete}
      visibilityToggleButtonProps={{ "aria-label": t("auth.showPassword") }}
      required
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      // PasswordInput marks the wrapper only; screen readers need it on the input.
      aria-invalid={error !== undefined}
    />
  );
}
