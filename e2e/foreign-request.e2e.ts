// A client who opens another client's request by URL sees "not found" (the API answers a foreign
// id exactly like a missing one), and nothing of the request.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiGet, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { DEMO_PASSWORD, signIn } from "./support/pages.js";

describe("a client cannot open another client's request", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("Bob opens Alice's request by URL and reads 'Not found'", async () => {
    const alice = await apiSignIn(baseUrl, "alice@acme.example", DEMO_PASSWORD);
    const list = await apiGet<{ items: { id: string; reference: string }[] }>(
      baseUrl,
      alice,
      "/api/v1/requests",
    );
    const aliceRequest = list.items[0]?.id;
    const aliceReference = list.items[0]?.reference;
    expect(aliceRequest).toEqual(expect.any(String));

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "bob@globex.example");
    await page.waitForURL(/\/requests$/);
    await page.goto(`/requests/${aliceRequest}`);
    await page.getByRole("heading", { name: "Not found", level: 1 }).waitFor();
    expect(await page.getByText(aliceRequest ?? "").count()).toBe(0);
    expect(await page.getByText("never started").count()).toBe(0);
    await checkPage(page, "foreign-request", "not-found");

    // By the REQ- reference e-mails show, the same.
    await page.goto(`/requests/${aliceReference}`);
    await page.getByRole("heading", { name: "Not found", level: 1 }).waitFor();
    expect(await page.getByText(aliceReference ?? "").count()).toBe(0);

    // Alice's payouts too: a payout id that is not Bob's reads "not found".
    await page.goto("/payouts/pyo_00000000-0000-4000-8000-000000000000");
    await page.getByRole("heading", { name: "Not found", level: 1 }).waitFor();
    await page.getByRole("link", { name: "Go to your start page" }).click();
    await page.waitForURL(/\/requests$/);

    // An address that is no page at all says the same.
    await page.goto("/no-such-page");
    await page.getByRole("heading", { name: "Not found", level: 1 }).waitFor();
    await context.close();
  });
});
