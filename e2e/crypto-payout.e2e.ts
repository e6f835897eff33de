// A refund paid in crypto waits on the client's wallet: QA approves Bob's request on the order he
// paid in bitcoin; the "where should we send it?" e-mail links to the payout's page, which asks
// him to sign in first and then comes back; a wrong address is refused next to its field; the
// right one is taken and shown masked, with the days in which the money arrives, on the payout's
// page and on the request's page (in English and in Thai). Staff who open the same links land in
// their console.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiGet, apiSend, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { linkIn, waitForMail } from "./support/mail.js";
import { DEMO_PASSWORD } from "./support/pages.js";

const STORY = "crypto-payout";
const ADDRESS = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh";

interface Req {
  id: string;
  reference: string;
  version: number;
  recommendation: { amount: { amount: string; currency: string } | null } | null;
}

describe("a crypto refund waits on the client's wallet", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  const mailDir = inject("mailDir");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("the e-mail's link opens the payout page, which takes the address", async () => {
    // Bob's order paid in bitcoin was never started; he asks, QA approves (setup through the API).
    const bob = await apiSignIn(baseUrl, "bob@globex.example", DEMO_PASSWORD);
    const quinn = await apiSignIn(baseUrl, "quinn@prosphere.example", DEMO_PASSWORD);
    const filed = await apiSend<Req>(baseUrl, bob, "POST", "/api/v1/requests", {
      orderId: "ORD-1008",
      reason: "not_delivered",
      description: "The assessment paid in bitcoin never started.",
    });
    const path = `/api/v1/requests/${encodeURIComponent(filed.id)}`;
    const r = await apiGet<Req>(baseUrl, quinn, path);
    const since = Date.now();
    await apiSend(baseUrl, quinn, "POST", `${path}/approve`, {
      expectedVersion: r.version,
      amount: r.recommendation?.amount ?? { amount: "4800.00", currency: "USD" },
    });

    const mail = await waitForMail(
      mailDir,
      "bob@globex.example",
      /where should we send it\?/,
      since,
    );
    const link = linkIn(mail, "/payouts/");
    expect(link.origin).toBe(new URL(baseUrl).origin);

    // Signed out, the link asks for signing in and comes back to the payout.
    const { context, page } = await newSession(browser, baseUrl);
    await page.goto(link.pathname);
    await page.waitForURL(/\/sign-in\?redirect=/);
    await page.getByLabel(/^E-mail address/).fill("bob@globex.example");
    await page.getByLabel(/^Password/).fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === link.pathname);
    await page.getByRole("heading", { name: "Your refund", level: 1 }).waitFor();
    await page.getByText(`For request ${filed.reference}, order ORD-1008`).waitFor();
    await page.getByText("We need your details to send it").waitFor();
    await page
      .getByText(
        /^Tell us the wallet address it goes to\. Once you do, we send it between .+ and .+ \(\S+ time\)\.$/,
      )
      .waitFor();
    await checkPage(page, STORY, "payout-needs-wallet");

    // A wrong address is refused next to its field.
    await page.getByLabel(/^Network/).fill("bitcoin");
    await page.getByLabel(/^Wallet address/).fill("not an address");
    await page.getByRole("button", { name: "Send my refund to this wallet" }).click();
    const address = page.getByLabel(/^Wallet address/);
    await expect.poll(() => address.getAttribute("aria-invalid")).toBe("true");
    await checkPage(page, STORY, "payout-wallet-refused");

    await address.fill(ADDRESS);
    await page.getByRole("button", { name: "Send my refund to this wallet" }).click();
    await page.getByText("To your BTC wallet on bitcoin: bc1qxy…0wlh").waitFor();
    await page.getByText(/^The money arrives between .+ and .+ \(\S+ time\)\.$/).waitFor();
    expect(await page.getByText(ADDRESS).count()).toBe(0);
    await page.getByRole("button", { name: "Change where it goes" }).waitFor();
    await checkPage(page, STORY, "payout-wallet-given");

    // The request's page shows the same payout, and the timeline says what happened.
    await page.getByRole("link", { name: `Open request ${filed.reference}` }).click();
    await page.getByRole("heading", { name: `Request ${filed.reference}`, level: 1 }).waitFor();
    const refund = page.getByRole("region", { name: "Your refund" });
    await refund.getByText("To your BTC wallet on bitcoin: bc1qxy…0wlh").waitFor();
    await page
      .getByRole("region", { name: "Timeline" })
      .getByText("You told us where to send the refund")
      .waitFor();
    await checkPage(page, STORY, "request-approved");
    await page.getByLabel("Language").selectOption("th");
    await page
      .getByRole("region", { name: "เงินคืนของคุณ" })
      .getByText(/^เงินจะเข้าระหว่าง .+25\d\d/)
      .waitFor();
    await checkPage(page, STORY, "request-approved-th");
    await page.getByLabel("ภาษา").selectOption("en");
    await context.close();

    // Staff who open the client links land in their console.
    const staff = await newSession(browser, baseUrl);
    await staff.page.goto("/sign-in");
    await staff.page.getByLabel(/^E-mail address/).fill("fran@prosphere.example");
    await staff.page.getByLabel(/^Password/).fill(DEMO_PASSWORD);
    await staff.page.getByRole("button", { name: "Sign in" }).click();
    await staff.page.waitForURL(/\/staff\/payouts$/);
    await staff.page.goto(link.pathname);
    await staff.page.waitForURL((url) => url.pathname === `/staff${link.pathname}`);
    await staff.page.goto(`/requests/${filed.id}`);
    await staff.page.waitForURL((url) => url.pathname === `/staff/requests/${filed.id}`);
    await staff.context.close();
  });
});
