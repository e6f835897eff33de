// The administration in the browser: the admin invites a QA specialist from the People page; the
// invitation e-mail's link opens the set-password page; the new specialist signs in and lands on
// the review queue. The admin pages (people, clients and a client's contacts, the policy in force)
// and the audit trail (the chain verified; a person's and a request's entries) are visited with
// axe clean at desktop and phone width.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiGet, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { linkIn, waitForMail } from "./support/mail.js";
import { DEMO_PASSWORD, signIn } from "./support/pages.js";

const STORY = "admin";

async function signInWith(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel(/^E-mail address/).fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("administration", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  const mailDir = inject("mailDir");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("an admin invites a QA specialist, who sets a password from the e-mail's link and signs in", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "ada@prosphere.example");
    await page.waitForURL(/\/staff\/people$/);
    await page.getByRole("heading", { name: "People", level: 1 }).waitFor();
    await page.getByRole("cell", { name: "quinn@prosphere.example" }).waitFor();
    await checkPage(page, STORY, "people");

    await page.getByRole("button", { name: "Invite a person" }).click();
    const dialog = page.getByRole("dialog", { name: "Invite a person" });
    await dialog.waitFor();
    // A refusal in words, by the field: an address already taken.
    await dialog.getByLabel(/^Name/).fill("Quinn again");
    await dialog.getByLabel(/^E-mail address/).fill("quinn@prosphere.example");
    await dialog.getByLabel(/^Role/).selectOption({ label: "QA specialist" });
    await dialog.getByRole("button", { name: "Send the invitation" }).click();
    await dialog.getByRole("alert").or(dialog.locator("[aria-invalid=true]")).first().waitFor();
    await checkPage(page, STORY, "invite-refused");

    const since = Date.now();
    await dialog.getByLabel(/^Name/).fill("Rita (QA)");
    await dialog.getByLabel(/^E-mail address/).fill("rita@prosphere.example");
    await dialog.getByRole("button", { name: "Send the invitation" }).click();
    await page.getByText("Rita (QA) is invited").waitFor();
    await page.getByRole("cell", { name: "rita@prosphere.example" }).waitFor();
    await context.close();

    const mail = await waitForMail(mailDir, "rita@prosphere.example", /invited/, since);
    const link = linkIn(mail, "/set-password");
    expect(link.searchParams.get("token")).toMatch(/.{20,}/);

    const rita = await newSession(browser, baseUrl);
    await rita.page.goto(`${link.pathname}${link.search}`);
    await rita.page.getByRole("heading", { name: "Choose your password", level: 1 }).waitFor();
    await rita.page.getByLabel(/^New password/).fill("ritas long passphrase 2026");
    await rita.page.getByLabel(/^Repeat the password/).fill("ritas long passphrase 2026");
    await rita.page.getByRole("button", { name: "Save my password" }).click();
    await rita.page.getByText("Your password is saved").waitFor();
    await signInWith(rita.page, "rita@prosphere.example", "ritas long passphrase 2026");
    await rita.page.waitForURL(/\/staff\/queue$/);
    await rita.page.getByText("Signed in as Rita (QA)").waitFor();
    await rita.context.close();
  });

  it("the admin changes a role, and manages clients and their contacts", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "ada@prosphere.example");
    await page.waitForURL(/\/staff\/people$/);
    // Rita (invited above, or by an earlier run of this file) becomes finance, then QA again.
    const role = page.getByLabel("Role of Rita (QA)");
    await role.selectOption({ label: "Finance" });
    await page.getByText("Rita (QA) is now Finance.").waitFor();
    await role.selectOption({ label: "QA specialist" });
    await page.getByText("Rita (QA) is now QA specialist.").waitFor();

    await page.getByRole("link", { name: "Clients" }).click();
    await page.waitForURL(/\/staff\/clients$/);
    await page.getByRole("heading", { name: "Clients", level: 1 }).waitFor();
    await page.getByRole("link", { name: /Acme/ }).first().waitFor();
    await checkPage(page, STORY, "clients");

    const name = `Initrode ${Date.now()}`;
    await page.getByRole("button", { name: "New client" }).click();
    const dialog = page.getByRole("dialog", { name: "New client company" });
    await dialog.getByLabel(/^Name/).fill(name);
    await dialog.getByLabel(/^Contact e-mail address/).fill("ops@initrode.example");
    await checkPage(page, STORY, "client-new");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("link", { name }).waitFor();
    await page.getByRole("button", { name: `Archive ${name}` }).click();
    await page.getByRole("link", { name }).waitFor({ state: "detached" });
    await page
      .locator("label")
      .filter({ hasText: /^Archived$/ })
      .click();
    await page.getByRole("button", { name: `Restore ${name}` }).waitFor();

    await page
      .locator("label")
      .filter({ hasText: /^Current$/ })
      .click();
    await page.getByRole("link", { name: /Acme/ }).first().click();
    await page.getByRole("heading", { name: "Contacts", level: 2 }).waitFor();
    await page
      .getByRole("cell", { name: /@acme\.example/ })
      .first()
      .waitFor();
    await checkPage(page, STORY, "client-contacts");
    await context.close();
  });

  it("the admin reads the policy in force: parameters, approval thresholds, every clause by id", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "ada@prosphere.example");
    await page.waitForURL(/\/staff\/people$/);
    await page.getByRole("link", { name: "Policy in force" }).click();
    await page.getByRole("heading", { name: "Policy in force", level: 1 }).waitFor();
    await page.getByText(/^Version /).waitFor();
    await page.getByRole("heading", { name: "Second approval", level: 2 }).waitFor();
    await page.getByRole("cell", { name: "EUR" }).waitFor();
    await page.getByText("procedure.window", { exact: true }).waitFor();
    await checkPage(page, STORY, "policy");
    await context.close();
  });

  it("the admin publishes a scheduled policy version, sees it listed and the differences, and withdraws it", async () => {
    // The policy file to upload: the version in force, with a new id and a longer window.
    const ada = await apiSignIn(baseUrl, "ada@prosphere.example", DEMO_PASSWORD);
    const inForce = await apiGet<{
      version: string;
      parameters: Record<string, unknown>;
      payouts: unknown;
      workflow: unknown;
      clauses: { id: string; text: string }[];
    }>(baseUrl, ada, "/api/v1/policy");
    const id = `e2e-${Date.now()}`;
    const fileOf = (parameters: Record<string, unknown>) => ({
      name: `${id}.json`,
      mimeType: "application/json",
      buffer: Buffer.from(
        JSON.stringify({
          version: id,
          parameters,
          payouts: inForce.payouts,
          workflow: inForce.workflow,
          clauses: Object.fromEntries(inForce.clauses.map((c) => [c.id, c.text])),
        }),
      ),
    });
    const effective = new Date(Date.now() + 30 * 86_400_000).toISOString();

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "ada@prosphere.example");
    await page.waitForURL(/\/staff\/people$/);
    await page.getByRole("link", { name: "Policy in force" }).click();
    await page.getByRole("heading", { name: "Versions", level: 2 }).waitFor();
    await page.getByText(/^In force since /).waitFor();
    await page.getByRole("cell", { name: inForce.version, exact: true }).waitFor();

    await page.getByRole("button", { name: "Publish a version" }).click();
    const dialog = page.getByRole("dialog", { name: "Publish a policy version" });
    await dialog.waitFor();
    // A bad field is refused by its path in the file, shown under the file.
    await dialog
      .getByLabel(/^Policy file/)
      .setInputFiles(fileOf({ ...inForce.parameters, requestWindowDays: "fourteen" }));
    await dialog.getByLabel(/^Takes effect at/).fill(effective);
    await dialog.getByRole("button", { name: "Publish", exact: true }).click();
    await dialog.getByText(/parameters\.requestWindowDays: /).waitFor();
    await checkPage(page, STORY, "policy-publish-refused");

    await dialog
      .getByLabel(/^Policy file/)
      .setInputFiles(fileOf({ ...inForce.parameters, requestWindowDays: 14 }));
    await dialog.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByText(`Version ${id} is scheduled from`).waitFor();
    const row = page.getByRole("row").filter({ hasText: id });
    await row.getByText("Scheduled").waitFor();

    // The differences: the version in force against the scheduled one, side by side.
    await page.getByLabel("From version").selectOption(inForce.version);
    await page.getByLabel("To version").selectOption(id);
    const settings = page.getByRole("table", { name: "Settings" });
    await settings.getByRole("cell", { name: "parameters.requestWindowDays" }).waitFor();
    await settings.getByRole("cell", { name: "14", exact: true }).waitFor();
    await checkPage(page, STORY, "policy-versions");

    await page.getByRole("button", { name: `Withdraw version ${id}` }).click();
    await page.getByText(`Version ${id} is withdrawn`).waitFor();
    await row.getByText("Withdrawn").waitFor();
    await context.close();
  });

  it("the admin verifies the audit chain and reads a person's and a request's trail", async () => {
    const ada = await apiSignIn(baseUrl, "ada@prosphere.example", DEMO_PASSWORD);
    const requests = await apiGet<{ items: { reference: string }[] }>(
      baseUrl,
      ada,
      "/api/v1/requests?limit=1",
    );
    const reference = requests.items[0]?.reference;
    expect(reference).toBeDefined();

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "ada@prosphere.example");
    await page.waitForURL(/\/staff\/people$/);
    // Where Rita is signed in (she set her password and signed in above): the admin ends it all.
    await page.getByRole("button", { name: "Actions for Rita (QA)" }).click();
    await page.getByRole("menuitem", { name: "Sessions" }).click();
    const sessions = page.getByRole("dialog", { name: "Where Rita (QA) is signed in" });
    await sessions
      .getByRole("button", { name: /^End the session signed in / })
      .first()
      .waitFor();
    await checkPage(page, STORY, "person-sessions");
    await sessions.getByRole("button", { name: "End every session" }).click();
    await sessions.getByText("Rita (QA) is signed in nowhere.").waitFor();
    await page.getByText(/session(s)? of Rita \(QA\) (is|are) ended\./).waitFor();
    await sessions.getByRole("button", { name: "Close" }).last().click();
    await sessions.waitFor({ state: "detached" });
    // From a person's row to their trail: what they did and what was done to their account.
    await page.getByRole("button", { name: "Actions for Rita (QA)" }).click();
    await page.getByRole("menuitem", { name: "Their audit trail" }).click();
    await page.waitForURL(/\/staff\/audit\?userId=/);
    await page.getByRole("heading", { name: "Audit trail", level: 1 }).waitFor();
    await page
      .getByRole("cell", { name: /^user: / })
      .first()
      .waitFor();
    await page.getByRole("button", { name: "Verify the chain" }).click();
    await page.getByText("The chain is intact").waitFor();
    await checkPage(page, STORY, "audit-person");

    await page
      .locator("label")
      .filter({ hasText: /^A request$/ })
      .click();
    await page.getByLabel(/^Request reference/).fill(reference ?? "");
    await page.getByRole("button", { name: "Show the trail" }).click();
    await page.waitForURL(/\/staff\/audit\?requestId=/);
    await page
      .getByRole("cell", { name: /request: / })
      .first()
      .waitFor();
    await checkPage(page, STORY, "audit-request");
    await context.close();
  });

  it("the admin creates an API token (shown once) and revokes it, and registers a webhook endpoint", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "ada@prosphere.example");
    await page.waitForURL(/\/staff\/people$/);
    await page.getByRole("link", { name: "Tokens and webhooks" }).click();
    await page.getByRole("heading", { name: "Tokens and webhooks", level: 1 }).waitFor();

    await page.getByRole("button", { name: "New API token" }).click();
    const dialog = page.getByRole("dialog", { name: "New API token" });
    await dialog.getByLabel(/^Name/).fill("ERP sync");
    await dialog.getByLabel("orders:read").check();
    await dialog.getByLabel("orders:write").check();
    await checkPage(page, STORY, "token-new");
    await dialog.getByRole("button", { name: "Create the token" }).click();
    await page.getByText("Token ERP sync created").waitFor();
    await expect(page.getByText(/^rdt_/).textContent()).resolves.toMatch(/^rdt_\S{20,}/);
    await page.getByRole("button", { name: "Copy", exact: true }).waitFor();
    await page.getByRole("cell", { name: "orders:read, orders:write" }).first().waitFor();
    await checkPage(page, STORY, "token-created");
    await page.getByRole("button", { name: "Revoke ERP sync" }).first().click();
    await page
      .getByText(/^Revoked on /)
      .first()
      .waitFor();

    await page.getByRole("button", { name: "New webhook endpoint" }).click();
    const hook = page.getByRole("dialog", { name: "New webhook endpoint" });
    await hook.getByLabel(/^URL/).fill("https://erp.acme.example/hooks/refund-desk");
    await hook.getByLabel("refund_sent").check();
    await hook.getByLabel("refund_failed").check();
    await hook.getByRole("button", { name: "Register the endpoint" }).click();
    await page
      .getByText(/Endpoint https:\/\/erp\.acme\.example\/hooks\/refund-desk registered/)
      .waitFor();
    await expect(page.getByText(/^whsec_/).textContent()).resolves.toMatch(/^whsec_\S+/);
    // The endpoint is changed in place: another event, and switched off for now.
    await page
      .getByRole("button", { name: "Edit the endpoint https://erp.acme.example/hooks/refund-desk" })
      .click();
    const edit = page.getByRole("dialog", {
      name: "Change the endpoint https://erp.acme.example/hooks/refund-desk",
    });
    await expect(edit.getByLabel("refund_sent").isChecked()).resolves.toBe(true);
    await edit.getByLabel("payout_overdue").check();
    // The switch's input is drawn by its track: a person clicks its label.
    await edit.getByText("Enabled", { exact: true }).click();
    await expect(edit.getByRole("switch", { name: /^Enabled/ }).isChecked()).resolves.toBe(false);
    await checkPage(page, STORY, "webhook-edit");
    await edit.getByRole("button", { name: "Save the changes" }).click();
    await edit.waitFor({ state: "detached" });
    await page.getByText(/^Events: .*payout_overdue/).waitFor();
    await page.getByText("Disabled", { exact: true }).first().waitFor();
    await page.getByRole("button", { name: "Show deliveries" }).last().click();
    await page
      .getByText(/Nothing delivered yet|Event/)
      .first()
      .waitFor();
    await checkPage(page, STORY, "integrations");
    await context.close();
  });
});
