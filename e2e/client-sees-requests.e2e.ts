// A demo client signs in, sees their requests and orders (in English, then in Thai with
// Buddhist-era years), and signs out.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { signIn } from "./support/pages.js";

const STORY = "client-sees-requests";

describe("a client sees their requests and orders", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("in English: sign-in, My requests, a request, My orders, sign-out", async () => {
    const { context, page } = await newSession(browser, baseUrl, "en-GB");
    await page.goto("/");
    await page.waitForURL(/\/sign-in/);
    await expect
      .poll(() => page.getByRole("heading", { name: "Sign in to Refund Desk" }).count())
      .toBe(1);
    await checkPage(page, STORY, "sign-in");

    // A wrong password is refused in words.
    await page.getByLabel("E-mail address").fill("alice@acme.example");
    await page.getByLabel(/^Password/).fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .getByRole("alert")
      .getByText("The e-mail address or the password is not right")
      .waitFor();

    await signIn(page, "alice@acme.example");
    await page.waitForURL(/\/requests$/);
    await page.getByRole("heading", { name: "My requests", level: 1 }).waitFor();
    await page.getByText("Signed in as Alice (Acme)").waitFor();
    // The seeded requests: not delivered (ORD-1001), mismatch (ORD-1005), unused subscription.
    const links = page.getByRole("link", {
      name: /The service was not delivered|differs from its description|Unused part/,
    });
    await links.first().waitFor();
    expect(await links.count()).toBeGreaterThanOrEqual(3);
    await page.getByText("Order ORD-1001", { exact: false }).first().waitFor();
    await checkPage(page, STORY, "my-requests");

    // One request's page.
    await page
      .getByRole("link", { name: /The service was not delivered/ })
      .first()
      .click();
    await page.waitForURL(/\/requests\/(?!new)[^/]+$/);
    await page.getByRole("heading", { name: /^Request \S+/, level: 1 }).waitFor();
    await page.getByText("What happens next").waitFor();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    await checkPage(page, STORY, "request");

    // My orders: state in words, payments, the open request.
    await page.getByRole("link", { name: "My orders" }).click();
    await page.waitForURL(/\/orders$/);
    await page.getByRole("heading", { name: "My orders", level: 1 }).waitFor();
    const audit = page.getByRole("article").filter({ hasText: "Order ORD-1001" });
    await audit.getByText("Not started yet").waitFor();
    await audit.getByText(/Paid US\$4,800\.00 by card on/).waitFor();
    await audit.getByText("Request open:").waitFor();
    const delivered = page.getByRole("article").filter({ hasText: "Order ORD-1005" });
    await delivered.getByText(/^Delivered on /).waitFor();
    await delivered.getByText(/ask for a refund until the end of .* \(\S+ time\)/).waitFor();
    await checkPage(page, STORY, "my-orders");

    // Asking for a refund starts with the order when none is chosen yet.
    await page.getByRole("link", { name: "My requests" }).click();
    await page.getByRole("link", { name: "Ask for a refund" }).click();
    await page.waitForURL(/\/orders$/);
    await page.goto("/requests/new");
    await page.getByRole("heading", { name: "Ask for a refund", level: 1 }).waitFor();
    await page.getByRole("textbox", { name: "Which order is it about?" }).waitFor();
    await checkPage(page, STORY, "new-request-order");

    // Sign out: back on the sign-in page, and the pages need signing in again.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);
    await page.goto("/orders");
    await page.waitForURL(/\/sign-in\?redirect=%2Forders/);
    await context.close();
  });

  it("in Thai: the portal in Thai with Buddhist-era years", async () => {
    const { context, page } = await newSession(browser, baseUrl, "th-TH");
    await signIn(page, "alice@acme.example", {
      email: "อีเมล",
      password: "รหัสผ่าน",
      submit: "เข้าสู่ระบบ",
    });
    await page.waitForURL(/\/requests$/);
    await page.getByRole("heading", { name: "คำขอของฉัน", level: 1 }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("th");
    // Dates in the Buddhist era: 2026 CE is 2569 BE.
    const year = new Date().getUTCFullYear() + 543;
    await page
      .getByText(new RegExp(`${year}`))
      .first()
      .waitFor();
    await checkPage(page, STORY, "my-requests-th");

    await page.getByRole("link", { name: "คำสั่งซื้อของฉัน" }).click();
    await page.getByRole("heading", { name: "คำสั่งซื้อของฉัน", level: 1 }).waitFor();
    await page.getByText("ยังไม่เริ่ม").first().waitFor();
    await checkPage(page, STORY, "my-orders-th");

    // The language can be switched back, and the choice is kept.
    await page.getByLabel("ภาษา").selectOption("en");
    await page.getByRole("heading", { name: "My orders", level: 1 }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "My orders", level: 1 }).waitFor();
    await context.close();
  });
});
