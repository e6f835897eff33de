// The review console: QA works the queue by keyboard only (filter, open, approve); a request's
// evidence (promises, a client-side blocker, an extra payment), internal notes, the refusals of
// the API in words next to what caused them, and a version conflict answered with Reload.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiGet, apiSend, apiSignIn } from "./support/api.js";
import {
  checkPage,
  DESKTOP,
  launchChromium,
  newSession,
  PHONE,
  settleLayout,
} from "./support/browser.js";
import { DEMO_PASSWORD, signIn } from "./support/pages.js";

const STORY = "review-console";

/** The accessible name of the focused element, as a sighted keyboard user reads it. */
async function focusedText(page: Page): Promise<string> {
  const focused = page.locator(":focus");
  if ((await focused.count()) === 0) return "";
  return ((await focused.getAttribute("aria-label")) ?? (await focused.innerText())).trim();
}

/** Presses Tab until the focused element's name matches (keyboard only), at most `max` times. */
async function tabTo(page: Page, name: RegExp, max = 60): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const focused = await focusedText(page);
    if (name.test(focused)) return;
    seen.push(JSON.stringify(focused.slice(0, 60)));
  }
  throw new Error(
    `no focusable element named ${name} within ${max} presses of Tab (focused: ${seen.join(", ")})`,
  );
}

describe("the review console", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("QA works the queue by keyboard only: filter, open, approve", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    await page.getByRole("heading", { name: "Review queue", level: 1 }).waitFor();
    // Counts per status for the filters in force, and the rows read without opening them.
    await page.getByText(/^Submitted · \d+$/).waitFor();
    await page
      .getByRole("cell", { name: /Acme Networks/ })
      .first()
      .waitFor();
    await checkPage(page, STORY, "queue");

    // On a phone the filters are folded away: "/" unfolds them and jumps to the order filter.
    await page.setViewportSize(PHONE);
    await settleLayout(page);
    await expect.poll(() => page.getByPlaceholder("ORD-1001").isVisible()).toBe(false);
    await page.keyboard.press("/");
    expect(await page.locator("input:focus").getAttribute("placeholder")).toBe("ORD-1001");
    await page.locator("input:focus").blur();
    await page.setViewportSize(DESKTOP);
    await settleLayout(page);

    // Filter: "/" jumps to the order filter; Enter applies it; the URL keeps it.
    await page.keyboard.press("/");
    expect(await page.locator("input:focus").getAttribute("placeholder")).toBe("ORD-1001");
    await page.keyboard.type("ORD-2001");
    await page.keyboard.press("Enter");
    await page.waitForURL(/[?&]orderId=ORD-2001/);
    await expect.poll(() => page.getByRole("link", { name: /^REQ-/ }).count()).toBe(1);
    // A reason by keyboard too: back (Shift+Tab) to the reason select, the arrows pick.
    const reasonId = await page.getByLabel("Reason", { exact: true }).getAttribute("id");
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Shift+Tab");
      if ((await page.locator(":focus").getAttribute("id")) === reasonId) break;
    }
    expect(await page.locator("select:focus").getAttribute("id")).toBe(reasonId);
    await page.keyboard.press("ArrowDown"); // the first reason after "Any reason"
    await page.waitForURL(/[?&]reason=not_delivered/);
    await page.getByText("No requests match these filters.", { exact: false }).waitFor();
    await page.keyboard.press("ArrowUp"); // back to "Any reason"
    await page.waitForURL((u) => !u.search.includes("reason="));
    await expect.poll(() => page.getByRole("link", { name: /^REQ-/ }).count()).toBe(1);
    // The bookmarked URL opens the same view.
    await page.reload();
    await expect.poll(() => page.getByRole("link", { name: /^REQ-/ }).count()).toBe(1);
    await checkPage(page, STORY, "queue-filtered");

    // Open: j focuses the first row, Enter opens it.
    await page.keyboard.press("j");
    // The row's link reads in full: reference, client and reason.
    const rowName = await focusedText(page);
    expect(rowName).toMatch(/^REQ-[0-9A-F]{8}: Acme Networks, Unused part of a subscription$/);
    const reference = rowName.slice(0, "REQ-".length + 8);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/staff\/requests\/req_/);
    await page.getByRole("heading", { name: `Request ${reference}`, level: 1 }).waitFor();
    // The heading has the focus: reading starts there.
    expect(await focusedText(page)).toBe(`Request ${reference}`);
    await page.getByRole("heading", { name: "Recommendation" }).waitFor();
    await page.getByRole("heading", { name: "Evidence" }).waitFor();
    await page.getByText("Promised and actual dates").waitFor();
    await checkPage(page, STORY, "request");

    // Approve: Tab to "Approve…", Enter opens the dialog with the amount focused.
    await tabTo(page, /^Approve…$/);
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: `Approve a refund on ${reference}` }).waitFor();
    await expect.poll(() => page.locator(":focus").getAttribute("inputmode")).toBe("decimal");
    await page.keyboard.press("Tab");
    await page.keyboard.type(
      "The rest of the month is unused: the client moves monitoring in-house.",
    );
    await tabTo(page, /^Approve a refund of /, 5);
    await checkPage(page, STORY, "approve-dialog");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Decision" }).waitFor();
    await page.getByText(/^Approved: US\$/).waitFor();
    await page.getByText("Nothing to do here now", { exact: false }).waitFor();
    // The queue no longer waits on it.
    await page.goto("/staff/queue?orderId=ORD-2001");
    await page.getByText("No requests match these filters.", { exact: false }).waitFor();
    await context.close();
  });

  it("shows the evidence, keeps notes internal, and says each refusal in words", async () => {
    // Setup through the API: an order of Acme's with a client-side blocker and a duplicate
    // payment, and a request on it filed by its client.
    const ada = await apiSignIn(baseUrl, "ada@prosphere.example", DEMO_PASSWORD);
    const alice = await apiSignIn(baseUrl, "alice@acme.example", DEMO_PASSWORD);
    const aliceSession = await apiGet<{ clientId: string }>(baseUrl, alice, "/api/v1/session");
    const now = Date.now();
    const day = 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    await apiSend(baseUrl, ada, "POST", "/api/v1/orders", {
      id: "ORD-E2E-RC",
      clientId: aliceSession.clientId,
      service: { name: "Firewall review", category: "audit", billing: "one_off" },
      price: { amount: "1200.00", currency: "USD" },
      placedAt: iso(now - 20 * day),
      promisedStartBy: iso(now - 15 * day),
      promisedDeliveryBy: iso(now - 5 * day),
      startedAt: null,
      deliveredAt: null,
      subscription: null,
    });
    for (const [n, at] of [
      [1, now - 20 * day + 60_000],
      [2, now - 20 * day + 120_000],
    ] as const) {
      await apiSend(baseUrl, ada, "POST", "/api/v1/payments", {
        id: `ORD-E2E-RC-PAY-${n}`,
        orderId: "ORD-E2E-RC",
        chargeRef: "ORD-E2E-RC",
        amount: { amount: "1200.00", currency: "USD" },
        method: "bank_transfer",
        capturedAt: iso(at),
      });
    }
    await apiSend(baseUrl, ada, "POST", "/api/v1/orders/ORD-E2E-RC/events", {
      kind: "client_blocker",
      from: iso(now - 16 * day),
      to: iso(now - 12 * day),
      note: "Firewall credentials not provided",
    });
    const filed = await apiSend<{ id: string; reference: string }>(
      baseUrl,
      alice,
      "POST",
      "/api/v1/requests",
      {
        orderId: "ORD-E2E-RC",
        reason: "not_delivered",
        description: "Nothing was delivered by the promised date.",
        attachmentsCount: 0,
      },
    );

    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    // By reference, as e-mails name it.
    await page.goto(`/staff/requests/${filed.reference}`);
    await page.getByRole("heading", { name: `Request ${filed.reference}`, level: 1 }).waitFor();
    const evidence = page.getByRole("region", { name: "Evidence" });
    await evidence.getByText("Blocker on the client's side").waitFor();
    await evidence.getByText("client-side", { exact: true }).waitFor();
    await evidence.getByText("Firewall credentials not provided").waitFor();
    await evidence.getByText("Extra payment", { exact: true }).waitFor();
    await evidence
      .getByText(/^Not yet: \d+ days past the promise$/)
      .first()
      .waitFor();

    // An internal note: listed for staff, never shown to the client.
    await page
      .getByRole("textbox", { name: "Internal note" })
      .fill("Checked the ticket: the credentials came late.");
    await page.getByRole("button", { name: "Add the note" }).click();
    const talk = page.getByRole("region", { name: "Conversation and internal notes" });
    await talk.getByText("Checked the ticket: the credentials came late.").waitFor();
    await talk.getByText("Internal note", { exact: true }).first().waitFor();
    const clientMessages = await apiGet<{ items: { body: string }[] }>(
      baseUrl,
      alice,
      `/api/v1/requests/${filed.id}/messages`,
    );
    expect(clientMessages.items.map((m) => m.body)).not.toContain(
      "Checked the ticket: the credentials came late.",
    );

    // Deny without a reason: the API's words next to the field.
    await page.getByRole("button", { name: "Deny…" }).click();
    const deny = page.getByRole("dialog", { name: `Deny ${filed.reference}` });
    await deny.getByRole("button", { name: "Deny the request" }).click();
    const reason = deny.getByLabel(/^Reason for the client/);
    await expect.poll(() => reason.getAttribute("aria-invalid")).toBe("true");
    await deny.getByText(/is required when the decision departs/).waitFor();
    await checkPage(page, STORY, "deny-refused");

    // Meanwhile someone else takes the request: the page's version is stale.
    const ada2 = await apiSignIn(baseUrl, "ada@prosphere.example", DEMO_PASSWORD);
    await apiSend(baseUrl, ada2, "POST", `/api/v1/requests/${filed.id}/claim`, {});
    await reason.fill("The delay came from the credentials you sent late (client-side blocker).");
    await deny.getByRole("button", { name: "Deny the request" }).click();
    await deny.getByText("The request changed").waitFor();
    await deny.getByText(/Someone changed the request since you loaded it/).waitFor();
    await deny.getByRole("button", { name: "Reload the request" }).click();
    await expect.poll(() => deny.getByText("The request changed").count()).toBe(0);
    await page.getByText("Ada (admin)").first().waitFor();
    await deny.getByRole("button", { name: "Deny the request" }).click();
    await deny.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Decision" }).waitFor();
    await page.getByText(/^It (follows|departs from) the recommendation\.$/).waitFor();
    await page
      .getByRole("region", { name: "Decision" })
      .getByText(/^Reason: The delay came from the credentials/)
      .waitFor();
    await checkPage(page, STORY, "denied");
    await context.close();
  });

  it("assigns from the queue: who has what is shown, and Mine lists it", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    await page.goto("/staff/queue?orderId=ORD-1001");
    const link = page.getByRole("link", { name: /^REQ-/ });
    await expect.poll(() => link.count()).toBe(1);
    const reference = ((await link.textContent()) ?? "").trim();
    const row = page.getByRole("row").filter({ has: link });
    await row.getByText("Unassigned", { exact: true }).waitFor();

    await row.getByRole("button", { name: `Assignment of ${reference}` }).click();
    await page.getByRole("menuitem", { name: "Take it myself" }).click();
    await page.getByText(`${reference} is now yours.`).waitFor();
    await row.getByText("You (Quinn (QA))").waitFor();

    // Mine: the saved view, a link with its filters in the URL.
    await page.getByRole("link", { name: "Mine", exact: true }).click();
    await page.waitForURL(/[?&]assignee=me/);
    await expect.poll(() => page.getByRole("link", { name: /^REQ-/ }).count()).toBe(1);
    await checkPage(page, STORY, "queue-mine");

    // Give it to Ada, then put it back: the queue says who has it each time.
    await page.goto("/staff/queue?orderId=ORD-1001");
    await row.getByRole("button", { name: `Assignment of ${reference}` }).click();
    await page.getByRole("menuitem", { name: "Ada (admin)" }).click();
    await row.getByText("Ada (admin)").waitFor();
    await row.getByRole("button", { name: `Assignment of ${reference}` }).click();
    await page.getByRole("menuitem", { name: "Put it back (unassigned)" }).click();
    await row.getByText("Unassigned", { exact: true }).waitFor();
    await context.close();
  });

  it("staff following a request's e-mail link land on its staff page", async () => {
    const quinn = await apiSignIn(baseUrl, "quinn@prosphere.example", DEMO_PASSWORD);
    const list = await apiGet<{ items: { id: string; reference: string }[] }>(
      baseUrl,
      quinn,
      "/api/v1/requests?orderId=ORD-1005",
    );
    const target = list.items[0];
    expect(target).toBeDefined();
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    await page.goto(`/requests/${target?.id}`);
    await page.waitForURL(new RegExp(`/staff/requests/${target?.id}$`));
    await page.getByRole("heading", { name: `Request ${target?.reference}`, level: 1 }).waitFor();
    await context.close();
  });
});
