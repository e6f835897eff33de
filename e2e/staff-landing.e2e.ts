// Staff land where their role starts: QA on the review queue, finance on payouts, admin on people;
// and a client who types a staff URL is sent back to the client portal.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { signIn } from "./support/pages.js";

const STORY = "staff-landing";

describe("staff land on their console", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("QA lands on the review queue", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    await page.getByRole("heading", { name: "Review queue", level: 1 }).waitFor();
    await page.getByRole("columnheader", { name: "Reference" }).waitFor();
    expect(await page.getByRole("row").count()).toBeGreaterThan(1);
    await page.getByText("Signed in as Quinn (QA)").waitFor();
    await checkPage(page, STORY, "queue");
    await context.close();
  });

  it("finance lands on payouts and admin on people", async () => {
    for (const [email, path, heading] of [
      ["fran@prosphere.example", /\/staff\/payouts$/, "Payouts"],
      ["ada@prosphere.example", /\/staff\/people$/, "People"],
    ] as const) {
      const { context, page } = await newSession(browser, baseUrl);
      await signIn(page, email);
      await page.waitForURL(path);
      await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
      await checkPage(page, STORY, heading.toLowerCase());
      await context.close();
    }
  });

  it("a client who opens a staff URL lands in the client portal", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "bob@globex.example");
    await page.waitForURL(/\/requests$/);
    await page.goto("/staff/queue");
    await page.waitForURL(/\/requests$/);
    await page.getByRole("heading", { name: "My requests", level: 1 }).waitFor();
    await context.close();
  });
});
