// Finance answers a card dispute in the browser (issue 20). Its own server, wired to a Stripe
// stand-in this test holds: the stand-in plays the cardholder's bank and its signed
// `charge.dispute.*` events are delivered to the server's webhook route. Fran finds the dispute
// under Disputes (open, evidence needed, its due date), opens it, reads the evidence draft the
// desk assembled, edits a field, saves, and submits it; the stand-in then holds the evidence with
// the three documents attached by file id. axe on every page visited.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  signStripePayload,
  startStripeStandIn,
  type StripeStandIn,
} from "../src/payouts/stripe/index.js";
import { demoChargeId } from "../src/service/demo-seed.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { signIn } from "./support/pages.js";
import { startServer, type StartedServer } from "./support/server.js";

const STORY = "finance-disputes";
const SECRET = "whsec_e2e_disputes";

describe("finance answers a card dispute in the browser", () => {
  let browser: Browser;
  let standIn: StripeStandIn;
  let server: StartedServer;

  beforeAll(async () => {
    standIn = await startStripeStandIn({});
    standIn.addCharge({ id: demoChargeId("ORD-1001", 1), amount: 480000, currency: "usd" });
    server = await startServer({
      STRIPE_SECRET_KEY: standIn.apiKey,
      STRIPE_API_BASE: standIn.url,
      STRIPE_WEBHOOK_SECRET: SECRET,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await standIn?.close();
  });

  it("a dispute is found, its draft read and edited, and the evidence submitted", async () => {
    const dispute = standIn.createDispute({
      charge: demoChargeId("ORD-1001", 1),
      reason: "product_not_received",
      dueBy: Math.floor(Date.now() / 1000) + 10 * 86_400,
    });
    for (const e of standIn.events()) {
      const payload = JSON.stringify(e);
      const res = await fetch(`${server.url}/api/v1/webhooks/stripe`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "stripe-signature": signStripePayload(payload, SECRET, Math.floor(Date.now() / 1000)),
        },
        body: payload,
      });
      expect(res.status).toBe(200);
    }

    const { context, page } = await newSession(browser, server.url);
    await signIn(page, "fran@prosphere.example");
    await page.waitForURL(/\/staff\/payouts/);
    await page.getByRole("link", { name: "Disputes" }).click();
    await page.getByRole("heading", { name: "Card disputes", level: 1 }).waitFor();
    const row = page.getByRole("row").filter({ hasText: dispute.id });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/4,800\.00.*product_not_received.*Open/);
    await row.getByText("Evidence needed").waitFor();
    await checkPage(page, STORY, "disputes");

    await row.getByRole("link", { name: dispute.id }).click();
    await page.waitForURL((url) => url.pathname === `/staff/disputes/${dispute.id}`);
    await page.getByRole("heading", { name: /^Dispute of .*4,800\.00$/ }).waitFor();
    const product = page.getByLabel("Service ordered (product_description)");
    await expect(product.inputValue()).resolves.toContain("ORD-1001");
    await page.getByText("Service record: order ORD-1001").waitFor();
    await checkPage(page, STORY, "dispute-draft");

    const other = page.getByLabel("Anything else (uncategorized_text)");
    await other.fill("The client confirmed the schedule by e-mail on 3 February.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Changed by finance").waitFor();
    await page.getByRole("button", { name: "Submit the evidence to the card provider" }).click();
    await page.getByText(/awaits no evidence/).waitFor();
    await page
      .getByText(/^Uploaded as file_/)
      .first()
      .waitFor();
    await checkPage(page, STORY, "dispute-submitted");

    const atStripe = standIn.disputes().find((d) => d.id === dispute.id);
    expect(atStripe?.status).toBe("under_review");
    expect(atStripe?.evidence["uncategorized_text"]).toBe(
      "The client confirmed the schedule by e-mail on 3 February.",
    );
    expect(String(atStripe?.evidence["service_documentation"])).toMatch(/^file_/);
    expect(standIn.files()).toHaveLength(3);
    await context.close();
  });
});
