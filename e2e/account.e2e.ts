// Accounts without the demo's passwords: an admin invites a new contact (API); the invitation
// e-mail's link opens the set-password page, whose refusals (passwords that differ, one too short)
// show next to the fields; the contact signs in with the chosen password; the used link no longer
// works and offers a new one. A forgotten password is reset from the sign-in page through the
// e-mailed link; the old password stops working. Sign-in's own field errors show by the fields.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiGet, apiSend, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { linkIn, waitForMail } from "./support/mail.js";
import { DEMO_PASSWORD } from "./support/pages.js";

const STORY = "account";

async function signInWith(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel(/^E-mail address/).fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("accounts: invitation, password reset, sign-in errors", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  const mailDir = inject("mailDir");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("an invited contact sets a password from the e-mail's link and signs in", async () => {
    const ada = await apiSignIn(baseUrl, "ada@prosphere.example", DEMO_PASSWORD);
    const clients = await apiGet<{ items: { id: string; name: string }[] }>(
      baseUrl,
      ada,
      "/api/v1/clients",
    );
    const acme = clients.items.find((c) => /acme/i.test(c.name));
    expect(acme).toBeDefined();
    const since = Date.now();
    await apiSend(baseUrl, ada, "POST", "/api/v1/invitations", {
      email: "carol@acme.example",
      name: "Carol (Acme)",
      role: "client",
      clientId: acme?.id,
    });
    const mail = await waitForMail(mailDir, "carol@acme.example", /invited/, since);
    const link = linkIn(mail, "/set-password");
    expect(link.origin).toBe(new URL(baseUrl).origin);
    expect(link.searchParams.get("token")).toMatch(/.{20,}/);
    // No password is ever in the e-mail.
    expect(mail.text).not.toMatch(/password:/i);

    const { context, page } = await newSession(browser, baseUrl);
    await page.goto(`${link.pathname}${link.search}`);
    await page.getByRole("heading", { name: "Choose your password", level: 1 }).waitFor();
    await checkPage(page, STORY, "set-password");

    // Two different passwords: caught before sending, next to the second field.
    const password = page.getByLabel(/^New password/);
    const repeat = page.getByLabel(/^Repeat the password/);
    await password.fill("correct horse battery");
    await repeat.fill("correct horse battery staple");
    await page.getByRole("button", { name: "Save my password" }).click();
    await expect.poll(() => repeat.getAttribute("aria-invalid")).toBe("true");
    await page.getByText("The two passwords are not the same.", { exact: false }).waitFor();

    // Too short: the API's refusal, next to the password field.
    await password.fill("short one");
    await repeat.fill("short one");
    await page.getByRole("button", { name: "Save my password" }).click();
    await expect.poll(() => password.getAttribute("aria-invalid")).toBe("true");
    await page.getByText("must be at least 12 characters").waitFor();
    await checkPage(page, STORY, "set-password-refused");

    await password.fill("carols long passphrase 2026");
    await repeat.fill("carols long passphrase 2026");
    await page.getByRole("button", { name: "Save my password" }).click();
    await page.getByText("Your password is saved").waitFor();
    await checkPage(page, STORY, "set-password-done");
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL(/\/sign-in$/);
    await signInWith(page, "carol@acme.example", "carols long passphrase 2026");
    await page.waitForURL(/\/requests$/);
    await page.getByText("Signed in as Carol (Acme)").waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);

    // The link works once: opened again, it says so and offers a new one.
    await page.goto(`${link.pathname}${link.search}`);
    await password.fill("another long passphrase");
    await repeat.fill("another long passphrase");
    await page.getByRole("button", { name: "Save my password" }).click();
    await page.getByText("This link does not work any more").waitFor();
    await checkPage(page, STORY, "set-password-used-link");
    await page.getByRole("link", { name: "Send me a new link" }).click();
    await page.waitForURL(/\/reset-password$/);
    await page.getByRole("heading", { name: "Forgot your password?", level: 1 }).waitFor();
    await context.close();
  });

  it("a forgotten password is reset through the e-mailed link", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL(/\/reset-password$/);
    await checkPage(page, STORY, "reset-password");
    const since = Date.now();
    await page.getByLabel(/^E-mail address/).fill("bob@globex.example");
    await page.getByRole("button", { name: "Send me a link" }).click();
    await page.getByText("Check your e-mail").waitFor();
    await page.getByText(/If bob@globex\.example has an account/).waitFor();
    await checkPage(page, STORY, "reset-password-sent");

    const mail = await waitForMail(mailDir, "bob@globex.example", /Reset your/, since);
    const link = linkIn(mail, "/set-password");
    await page.goto(`${link.pathname}${link.search}`);
    await page.getByLabel(/^New password/).fill("bobs brand new passphrase");
    await page.getByLabel(/^Repeat the password/).fill("bobs brand new passphrase");
    await page.getByRole("button", { name: "Save my password" }).click();
    await page.getByText("Your password is saved").waitFor();

    // The old password no longer works; the new one does.
    await signInWith(page, "bob@globex.example", DEMO_PASSWORD);
    await page
      .getByRole("alert")
      .getByText("The e-mail address or the password is not right")
      .waitFor();
    await signInWith(page, "bob@globex.example", "bobs brand new passphrase");
    await page.waitForURL(/\/requests$/);
    await context.close();

    // Other stories sign Bob in with the demo password: put it back the same way.
    const again = Date.now();
    await fetch(`${baseUrl}/api/v1/password-resets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "bob@globex.example" }),
    });
    const token = linkIn(
      await waitForMail(mailDir, "bob@globex.example", /Reset your/, again),
      "/set-password",
    ).searchParams.get("token");
    const reset = await fetch(`${baseUrl}/api/v1/set-password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, password: DEMO_PASSWORD }),
    });
    expect(reset.status).toBe(204);
  });

  it("sign-in names the fields the API refuses, next to them", async () => {
    const { context, page } = await newSession(browser, baseUrl, "th-TH");
    await page.goto("/sign-in");
    await page.getByRole("heading", { name: "เข้าสู่ระบบ Refund Desk", level: 1 }).waitFor();
    await page.getByRole("button", { name: "เข้าสู่ระบบ" }).click();
    const email = page.getByLabel(/^อีเมล/);
    await expect.poll(() => email.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await email.getAttribute("aria-describedby")) ?? "";
    expect(describedBy).not.toBe("");
    // The password's refusal too (the API names one field at a time), on the input itself.
    await email.fill("bob@globex.example");
    await page.getByRole("button", { name: "เข้าสู่ระบบ" }).click();
    const password = page.getByLabel(/^รหัสผ่าน/);
    await expect.poll(() => password.getAttribute("aria-invalid")).toBe("true");
    await checkPage(page, STORY, "sign-in-refused-th");
    await page.getByRole("link", { name: "ลืมรหัสผ่าน" }).click();
    await page.getByRole("heading", { name: "ลืมรหัสผ่าน", level: 1 }).waitFor();
    await checkPage(page, STORY, "reset-password-th");
    await context.close();
  });
});
