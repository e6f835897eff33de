// Page helpers: act as a person does, by role and label.
import type { Page } from "playwright-core";

export const DEMO_PASSWORD = "demo-password-2026";

/** Signs in on the sign-in page (English labels unless `labels` says otherwise). */
export async function signIn(
  page: Page,
  email: string,
  labels = { email: "E-mail address", password: "Password", submit: "Sign in" },
): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel(new RegExp(`^${labels.email}`)).fill(email);
  await page.getByLabel(new RegExp(`^${labels.password}`)).fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: labels.submit }).click();
}
