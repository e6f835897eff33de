// Finance works payouts in the browser. Its own server, wired to a Stripe stand-in this test holds
// (so it can make the next card refund fail, as the API tests do with `queue("refunds.create")`):
// - a 4,800 USD card refund needs two approvals: Fran gives the first from the "Awaiting first
//   approval" tab, is told she may not give the second, and Finn releases it; the provider pays it;
// - a card refund the provider fails (expired card) shows under "Needs action", where the server
//   says why it cannot be retried; Fran reissues it by bank transfer, the client gives the account
//   on her payout page in the browser, finance sees it, Finn approves, and Fran records the
//   transfer's reference. The CSV export of a tab holds that tab's payouts;
// - a card refund the provider declines once is retried from the list by keyboard and paid;
// - a card refund that failed is recorded as paid elsewhere, with its proof;
// - a crypto refund is recorded with its transaction hash and rate, the coins shown before saving.
// axe on every page visited.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../src/payouts/stripe/index.js";
import { demoChargeId } from "../src/service/demo-seed.js";
import { apiGet, apiSend, apiSignIn, type ApiSession } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { signIn } from "./support/pages.js";
import { startServer, type StartedServer } from "./support/server.js";

const STORY = "finance-payouts";

interface Req {
  id: string;
  orderId: string;
  version: number;
  recommendation: { amount: { amount: string; currency: string } | null } | null;
}
interface Payout {
  id: string;
  version: number;
  status: string;
  awaiting: string | null;
  released: boolean;
}

describe("finance works payouts in the browser", () => {
  let browser: Browser;
  let standIn: StripeStandIn;
  let server: StartedServer;
  let baseUrl: string;
  let quinn: ApiSession;
  let fran: ApiSession;

  beforeAll(async () => {
    standIn = await startStripeStandIn({});
    // The demo's card payments, as the stand-in of demo mode would know them.
    standIn.addCharge({ id: demoChargeId("ORD-1001", 1), amount: 480000, currency: "usd" });
    standIn.addCharge({ id: demoChargeId("ORD-2001", 1), amount: 310000, currency: "usd" });
    standIn.addCharge({ id: demoChargeId("ORD-1002", 1), amount: 480000, currency: "usd" });
    standIn.addCharge({ id: demoChargeId("ORD-1005", 1), amount: 480000, currency: "usd" });
    server = await startServer({
      STRIPE_SECRET_KEY: standIn.apiKey,
      STRIPE_API_BASE: standIn.url,
    });
    baseUrl = server.url;
    browser = await launchChromium();
    quinn = await apiSignIn(baseUrl, "quinn@prosphere.example", "demo-password-2026");
    fran = await apiSignIn(baseUrl, "fran@prosphere.example", "demo-password-2026");
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await standIn?.close();
  });

  /**
   * QA approves the request on an order (setup), the recommended amount or `amount` (then with a
   * justification); its payout as finance reads it.
   */
  async function approvedPayoutOn(
    orderId: string,
    amount?: { amount: string; currency: string },
  ): Promise<Payout> {
    const list = await apiGet<{ items: Req[] }>(baseUrl, quinn, "/api/v1/requests?limit=100");
    const found = list.items.find((r) => r.orderId === orderId);
    if (found === undefined) throw new Error(`no request on ${orderId}`);
    const path = `/api/v1/requests/${encodeURIComponent(found.id)}`;
    const r = await apiGet<Req>(baseUrl, quinn, path);
    const reviewed = await apiSend<Req>(baseUrl, quinn, "POST", `${path}/start-review`, {
      expectedVersion: r.version,
    });
    await apiSend(baseUrl, quinn, "POST", `${path}/approve`, {
      expectedVersion: reviewed.version,
      ...(amount === undefined
        ? { amount: r.recommendation?.amount }
        : { amount, justification: "A part of the order was delivered; this part is refunded." }),
    });
    const payouts = await apiGet<{ items: Payout[] }>(
      baseUrl,
      fran,
      `/api/v1/payouts?requestId=${encodeURIComponent(found.id)}`,
    );
    const p = payouts.items[0];
    if (p === undefined) throw new Error(`no payout on ${orderId}`);
    return p;
  }

  async function until(id: string, status: string): Promise<Payout> {
    const end = Date.now() + 30_000;
    for (;;) {
      const p = await apiGet<Payout>(baseUrl, fran, `/api/v1/payouts/${id}`);
      if (p.status === status) return p;
      if (Date.now() > end) throw new Error(`payout ${id} is ${p.status}, not ${status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function openTab(page: Page, name: RegExp): Promise<void> {
    await page.getByRole("tab", { name }).click();
  }

  it("a payout above the threshold is released by two different people", async () => {
    const payout = await approvedPayoutOn("ORD-1001");
    expect(payout.awaiting).toBe("approval");

    // Fran: the first approval, from the list's tab.
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "fran@prosphere.example");
    await page.waitForURL(/\/staff\/payouts/);
    await page.getByRole("heading", { name: "Payouts", level: 1 }).waitFor();
    await openTab(page, /^Awaiting first approval/);
    await page.waitForURL(/tab=approval/);
    const row = page.getByRole("row").filter({ hasText: "ORD-1001" });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/Card.*4,800\.00.*First approval/);
    await checkPage(page, STORY, "awaiting-first-approval");
    await row.getByRole("link", { name: "Acme Networks" }).click();
    await page.waitForURL((url) => url.pathname === `/staff/payouts/${payout.id}`);
    await page
      .getByRole("heading", { name: /US\$4,800\.00 by Card|\$4,800\.00 by Card/ })
      .waitFor();
    await page.getByText("Approvals (0 of 2)").waitFor();
    await checkPage(page, STORY, "payout-first-approval");
    await page.getByRole("button", { name: /^Approve .*4,800\.00 by Card$/ }).click();
    await page.getByText("Approvals (1 of 2)").waitFor();
    await page.getByText(/^First approval by Fran .* \(you\), /).waitFor();
    // She may not give the second, and is told why.
    await page
      .getByText(
        "You gave the first approval: the second must come from a different finance person.",
      )
      .waitFor();
    await expect(
      page.getByRole("button", { name: /^Approve .*4,800\.00 by Card$/ }).isDisabled(),
    ).resolves.toBe(true);
    await checkPage(page, STORY, "payout-second-approval-refused");
    await context.close();

    // Finn: the second approval, from the "Awaiting second approval" tab.
    const finn = await newSession(browser, baseUrl);
    await signIn(finn.page, "finn@prosphere.example");
    await finn.page.waitForURL(/\/staff\/payouts/);
    await openTab(finn.page, /^Awaiting second approval/);
    const row2 = finn.page.getByRole("row").filter({ hasText: "ORD-1001" });
    await row2.getByRole("link", { name: "Acme Networks" }).click();
    await finn.page
      .getByText("You did not give the first approval, so you may give the second (four-eyes).")
      .waitFor();
    await finn.page
      .getByText("Approving sends US$4,800.00 back to the card through the provider.")
      .or(finn.page.getByText(/^Approving sends .*4,800\.00 back to the card/))
      .first()
      .waitFor();
    await finn.page.getByRole("button", { name: /^Approve .*4,800\.00 by Card$/ }).click();
    await finn.page.getByText("Approvals (2 of 2)").waitFor();
    await finn.page.getByText(/^Second approval by Finn .* \(you\), /).waitFor();

    // The worker sends it to the provider, which pays it.
    await until(payout.id, "succeeded");
    await finn.page.reload();
    await finn.page.getByText("Paid", { exact: true }).first().waitFor();
    await finn.page.getByText(/^re_/).waitFor();
    await checkPage(finn.page, STORY, "payout-paid");
    await finn.context.close();
  });

  it("a failed card payout is reissued by bank transfer and recorded", async () => {
    const payout = await approvedPayoutOn("ORD-2001");
    standIn.queue("refunds.create", {
      kind: "status",
      status: "failed",
      failureReason: "expired_or_canceled_card",
    });
    // Released by two people (through the API: the first story does it in the browser).
    const finnApi = await apiSignIn(baseUrl, "finn@prosphere.example", "demo-password-2026");
    let p = await apiSend<Payout>(baseUrl, fran, "POST", `/api/v1/payouts/${payout.id}/approve`, {
      expectedVersion: payout.version,
    });
    if (!p.released) {
      p = await apiSend<Payout>(baseUrl, finnApi, "POST", `/api/v1/payouts/${payout.id}/approve`, {
        expectedVersion: p.version,
      });
    }
    await until(payout.id, "failed");

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "fran@prosphere.example");
    await page.waitForURL(/\/staff\/payouts/);
    // Finance lands on "Needs action", where the failure is.
    const row = page.getByRole("row").filter({ hasText: "ORD-2001" });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/Needs action/);
    // The CSV export holds exactly this tab's payouts.
    const href = await page
      .getByRole("link", { name: "Export this list as CSV" })
      .getAttribute("href");
    expect(href).toBe("/api/v1/payouts/export.csv?deadline=needs_action");
    const csv = await (await context.request.get(href ?? "")).text();
    expect(csv).toContain("ORD-2001");
    expect(csv).not.toContain("ORD-1001");
    await checkPage(page, STORY, "needs-action");

    await row.getByRole("link", { name: "Acme Networks" }).click();
    await page.waitForURL((url) => url.pathname === `/staff/payouts/${payout.id}`);
    await page.getByText("expired_or_canceled_card").waitFor();
    await checkPage(page, STORY, "payout-failed");
    // The server offers no retry (an expired card cannot take refunds) and says why, in words.
    const retry = page.getByRole("button", { name: /^Retry / });
    await expect(retry.isDisabled()).resolves.toBe(true);
    await page.getByText(/The card cannot take refunds any more/).waitFor();

    await page.getByRole("button", { name: "Reissue by another method…" }).click();
    const reissue = page.getByRole("dialog", { name: "Reissue by another method" });
    await reissue.getByRole("textbox", { name: "New method" }).waitFor();
    await reissue
      .getByLabel(/^Justification/)
      .fill("The card expired; the client asked for a bank transfer.");
    await checkPage(page, STORY, "reissue-dialog");
    await reissue.getByRole("button", { name: /^Reissue .* by Bank transfer$/ }).click();
    await page.waitForURL((url) => url.pathname !== `/staff/payouts/${payout.id}`);
    const newId = new URL(page.url()).pathname.split("/").pop() ?? "";
    await page.getByRole("heading", { name: /by Bank transfer$/, level: 1 }).waitFor();
    await page.getByText("Waits on: The client's address or account", { exact: false }).waitFor();
    await page.getByText("Replaces the failed payout").waitFor();
    await checkPage(page, STORY, "reissued-awaiting-client");

    // Alice gives the account on her payout page (the link her e-mail carries), in the browser.
    const alice = await newSession(browser, baseUrl);
    await signIn(alice.page, "alice@acme.example");
    await alice.page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
    await alice.page.goto(`/payouts/${newId}`);
    await alice.page.getByRole("heading", { name: "Your refund", level: 1 }).waitFor();
    await alice.page.getByText(/^Tell us the bank account it goes to\./).waitFor();
    await checkPage(alice.page, STORY, "client-bank-details");
    await alice.page.getByLabel(/^Account holder/).fill("Acme Networks");
    await alice.page.getByLabel(/^IBAN/).fill("DE89 3704 0044 0532 0130 01");
    await alice.page.getByRole("button", { name: "Send my refund to this account" }).click();
    // A wrong check digit is refused next to the field; the right IBAN is taken.
    await expect
      .poll(() => alice.page.getByLabel(/^IBAN/).getAttribute("aria-invalid"))
      .toBe("true");
    await alice.page.getByLabel(/^IBAN/).fill("DE89 3704 0044 0532 0130 00");
    await alice.page.getByRole("button", { name: "Send my refund to this account" }).click();
    await alice.page.getByText(/^To Acme Networks, account DE89/).waitFor();
    await checkPage(alice.page, STORY, "client-bank-details-given");
    await alice.context.close();

    // Finance sees it on the payout; Finn gives the second approval.
    await page.reload();
    await page.getByText("Acme Networks, IBAN DE89370400440532013000").waitFor();
    const ready = await apiGet<Payout>(baseUrl, finnApi, `/api/v1/payouts/${newId}`);
    if (!ready.released) {
      await apiSend(baseUrl, finnApi, "POST", `/api/v1/payouts/${newId}/approve`, {
        expectedVersion: ready.version,
      });
    }

    // Fran records the transfer she made, from the "To record" tab.
    await page.goto("/staff/payouts?tab=record");
    const toRecord = page.getByRole("row").filter({ hasText: "ORD-2001" });
    await toRecord.getByRole("link", { name: "Acme Networks" }).click();
    await page.waitForURL((url) => url.pathname === `/staff/payouts/${newId}`);
    await page.getByText("Acme Networks, IBAN DE89370400440532013000").waitFor();
    await page.getByRole("button", { name: "Record the Bank transfer…" }).click();
    const record = page.getByRole("dialog", { name: "Record the Bank transfer you made" });
    await record.getByLabel(/^Bank reference/).fill("SEPA-2026-000123");
    await checkPage(page, STORY, "record-transfer");
    await record.getByRole("button", { name: /^Record .* as sent$/ }).click();
    await page.getByText("SEPA-2026-000123").waitFor();
    await page.getByText("Paid", { exact: true }).first().waitFor();
    await checkPage(page, STORY, "reissued-paid");
    await context.close();
    const done = await apiGet<Payout>(baseUrl, fran, `/api/v1/payouts/${newId}`);
    expect(done.status).toBe("succeeded");
  });

  /** Waits until the worker has moved the payout out of `from` (sent, failed...). */
  async function fails(payout: Payout, reason: string): Promise<Payout> {
    standIn.queue("refunds.create", { kind: "status", status: "failed", failureReason: reason });
    const p = await apiSend<Payout>(baseUrl, fran, "POST", `/api/v1/payouts/${payout.id}/approve`, {
      expectedVersion: payout.version,
    });
    expect(p.released).toBe(true);
    return until(payout.id, "failed");
  }

  it("a card payout the provider declined is retried from the list, by keyboard, and paid", async () => {
    // Alice asks for a refund on a late order; QA approves 900.00 (one approval is enough).
    const alice = await apiSignIn(baseUrl, "alice@acme.example", "demo-password-2026");
    await apiSend(baseUrl, alice, "POST", "/api/v1/requests", {
      orderId: "ORD-1002",
      reason: "not_delivered",
      description: "Started late and still not delivered.",
    });
    const payout = await approvedPayoutOn("ORD-1002", { amount: "900.00", currency: "USD" });
    await fails(payout, "declined");

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "fran@prosphere.example");
    await page.waitForURL(/\/staff\/payouts/);
    const row = page.getByRole("row").filter({ hasText: "ORD-1002" });
    await row.waitFor();
    // j moves the focus through the rows (visible focus), Enter opens the focused one.
    const links = page.locator("tbody [data-row-link]");
    const count = await links.count();
    const target = await row.locator("[data-row-link]").getAttribute("href");
    let opened = false;
    for (let i = 0; i < count && !opened; i++) {
      await page.keyboard.press("j");
      const focused = await page.evaluate("document.activeElement?.getAttribute('href') ?? ''");
      if (focused === target) {
        await checkPage(page, STORY, "needs-action-keyboard");
        await page.keyboard.press("Enter");
        opened = true;
      }
    }
    expect(opened).toBe(true);
    await page.waitForURL((url) => url.pathname === `/staff/payouts/${payout.id}`);
    await page.getByRole("row", { name: /Failure.*declined/ }).waitFor();
    await checkPage(page, STORY, "payout-declined");
    const retry = page.getByRole("button", { name: /^Retry .*900\.00$/ });
    await expect(retry.isDisabled()).resolves.toBe(false);
    await retry.click();
    // The worker checks the failed attempt at the provider, then sends attempt 2, which is paid.
    await until(payout.id, "succeeded");
    await page.reload();
    await page.getByText("Paid", { exact: true }).first().waitFor();
    await page.getByText(/^Attempt 2 /).waitFor();
    await page.getByText(/^re_/).waitFor();
    await checkPage(page, STORY, "retried-paid");
    await context.close();
  });

  it("a failed card payout is recorded as paid elsewhere, with its proof", async () => {
    const payout = await approvedPayoutOn("ORD-1005", { amount: "800.00", currency: "USD" });
    await fails(payout, "declined");

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "fran@prosphere.example");
    await page.waitForURL(/\/staff\/payouts/);
    await page.goto(`/staff/payouts/${payout.id}`);
    await page.getByRole("button", { name: "Record as paid elsewhere…" }).click();
    const dialog = page.getByRole("dialog", { name: "Record as paid elsewhere" });
    await dialog.getByLabel(/^Proof's reference/).fill("RCPT-2026-0042");
    await dialog.getByLabel(/^Justification/).fill("Too short");
    await dialog.getByRole("button", { name: /^Record .*800\.00 as paid elsewhere$/ }).click();
    // The server's refusal stands next to the field it names.
    await expect
      .poll(() => dialog.getByLabel(/^Justification/).getAttribute("aria-invalid"))
      .toBe("true");
    await dialog
      .getByLabel(/^Justification/)
      .fill("Refunded at the front desk in cash; the signed receipt is scanned.");
    await checkPage(page, STORY, "paid-elsewhere-dialog");
    await dialog.getByRole("button", { name: /^Record .*800\.00 as paid elsewhere$/ }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("Paid", { exact: true }).first().waitFor();
    await page.getByRole("row", { name: /Paid outside Refund Desk\s*Yes/ }).waitFor();
    await page.getByText("RCPT-2026-0042").waitFor();
    await checkPage(page, STORY, "paid-elsewhere");
    await context.close();
    const done = await apiGet<Payout>(baseUrl, fran, `/api/v1/payouts/${payout.id}`);
    expect(done.status).toBe("succeeded");
  });

  it("a crypto transfer is recorded with its hash and rate, the coins shown before saving", async () => {
    // Bob's order paid in bitcoin; QA approves; Bob gives his wallet; two approvals (API setup).
    const bob = await apiSignIn(baseUrl, "bob@globex.example", "demo-password-2026");
    await apiSend(baseUrl, bob, "POST", "/api/v1/requests", {
      orderId: "ORD-1008",
      reason: "not_delivered",
      description: "The assessment paid in bitcoin never started.",
    });
    const payout = await approvedPayoutOn("ORD-1008");
    const mine = await apiGet<Payout>(baseUrl, bob, `/api/v1/payouts/${payout.id}`);
    const given = await apiSend<Payout>(
      baseUrl,
      bob,
      "PUT",
      `/api/v1/payouts/${payout.id}/destination`,
      {
        expectedVersion: mine.version,
        network: "bitcoin",
        address: "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
      },
    );
    const finnApi = await apiSignIn(baseUrl, "finn@prosphere.example", "demo-password-2026");
    let p = await apiSend<Payout>(baseUrl, fran, "POST", `/api/v1/payouts/${payout.id}/approve`, {
      expectedVersion: given.version,
    });
    if (!p.released) {
      p = await apiSend<Payout>(baseUrl, finnApi, "POST", `/api/v1/payouts/${payout.id}/approve`, {
        expectedVersion: p.version,
      });
    }
    expect(p.awaiting).toBe("record");

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "fran@prosphere.example");
    await page.waitForURL(/\/staff\/payouts/);
    await page.goto("/staff/payouts?tab=record");
    const row = page.getByRole("row").filter({ hasText: "ORD-1008" });
    await row.getByRole("link").first().click();
    await page.waitForURL((url) => url.pathname === `/staff/payouts/${payout.id}`);
    await page.getByRole("button", { name: "Record the crypto transfer…" }).click();
    const dialog = page.getByRole("dialog", { name: "Record the crypto transfer" });
    await dialog
      .getByText("To BTC on bitcoin: bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh")
      .waitFor();
    await dialog.getByLabel(/^Transaction hash/).fill("a".repeat(64));
    await dialog.getByText(/^Enter the rate to see how many coins/).waitFor();
    await dialog.getByLabel(/^Rate used/).fill("100000");
    // 4,800.00 USD at 100,000 USD per coin: 0.048 BTC, shown before anything is saved.
    await dialog.getByText(/at 100000 USD per coin is 0\.04800000 BTC/).waitFor();
    await checkPage(page, STORY, "crypto-record-dialog");
    await dialog.getByRole("button", { name: "Record 0.04800000 BTC as sent" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("Paid", { exact: true }).first().waitFor();
    await page.getByRole("row", { name: /Coins sent.*0\.048.*100000 USD per coin/ }).waitFor();
    await checkPage(page, STORY, "crypto-recorded");
    await context.close();
    const done = await apiGet<{ status: string; crypto: { coins: { amount: string } } }>(
      baseUrl,
      fran,
      `/api/v1/payouts/${payout.id}`,
    );
    expect(done.status).toBe("succeeded");
    expect(done.crypto.coins.amount).toBe("0.04800000");
  });
});
