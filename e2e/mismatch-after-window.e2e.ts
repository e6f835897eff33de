// A mismatch filed after the request window: the client files it from My orders (which says the
// window closed, in the policy's zone); QA denies it as the policy recommends; the client follows
// the decision e-mail's link and reads the refusal with its reason and the clause in words (and
// in Thai, with a labelled convenience translation), sees until when it may be contested, opens
// the same page by its REQ- reference, and contests it with a message and a document.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiGet, apiSend, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { linkIn, waitForMail } from "./support/mail.js";
import { DEMO_PASSWORD, signIn } from "./support/pages.js";

const STORY = "mismatch-after-window";
const DAY = 86_400_000;
const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
);

interface Req {
  id: string;
  reference: string;
  version: number;
  status: string;
  recommendation: { outcome: string; clauses: string[] } | null;
}

describe("a mismatch filed after the window", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  const mailDir = inject("mailDir");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the refusal with the clause in words, and can be contested once", async () => {
    // The company's system records an order delivered 20 days ago (the window is 7 days).
    const ada = await apiSignIn(baseUrl, "ada@prosphere.example", DEMO_PASSWORD);
    const bob = await apiSignIn(baseUrl, "bob@globex.example", DEMO_PASSWORD);
    const session = await apiGet<{ clientId: string }>(baseUrl, bob, "/api/v1/session");
    const now = Date.now();
    await apiSend(baseUrl, ada, "POST", "/api/v1/orders", {
      id: "ORD-3001",
      clientId: session.clientId,
      service: { name: "Firewall configuration audit", category: "audit", billing: "one_off" },
      price: { amount: "1200.00", currency: "USD" },
      placedAt: new Date(now - 40 * DAY).toISOString(),
      promisedStartBy: new Date(now - 35 * DAY).toISOString(),
      startedAt: new Date(now - 34 * DAY).toISOString(),
      deliveredAt: new Date(now - 20 * DAY).toISOString(),
    });
    await apiSend(baseUrl, ada, "POST", "/api/v1/payments", {
      id: "ORD-3001-PAY-1",
      orderId: "ORD-3001",
      chargeRef: "ORD-3001",
      amount: { amount: "1200.00", currency: "USD" },
      method: "bank_transfer",
      capturedAt: new Date(now - 39 * DAY).toISOString(),
    });

    // My orders says the window closed, in the policy's zone; asking is still possible.
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "bob@globex.example");
    await page.waitForURL(/\/requests$/);
    await page.getByRole("link", { name: "My orders" }).click();
    const order = page.getByRole("article").filter({ hasText: "Order ORD-3001" });
    await order
      .getByText(/^The request window for this order closed at the end of .+ \(\S+ time\)\.$/)
      .waitFor();
    await order.getByText(/^Paid US\$1,200\.00 by bank transfer on /).waitFor();
    await checkPage(page, STORY, "my-orders");
    await order.getByRole("link", { name: "Ask for a refund" }).click();
    await page.getByRole("radio", { name: "The service differs from its description" }).check();
    await page.getByRole("button", { name: "Next" }).click();
    await page
      .getByLabel("Describe the issue")
      .fill("The audit covered two firewalls; the agreed scope named all five.");
    await page.getByRole("button", { name: "Send request" }).click();
    await page.getByRole("heading", { name: "Request sent", level: 1 }).waitFor();
    await page.getByText(/We have your request REQ-[0-9A-F]{8}\./).waitFor();

    // QA denies it as recommended (the window), with the reason the client reads.
    const quinn = await apiSignIn(baseUrl, "quinn@prosphere.example", DEMO_PASSWORD);
    const mine = await apiGet<{ items: Req[] }>(baseUrl, bob, "/api/v1/requests?orderId=ORD-3001");
    const filed = mine.items[0];
    expect(filed).toBeDefined();
    const path = `/api/v1/requests/${encodeURIComponent(filed?.id ?? "")}`;
    const r = await apiGet<Req>(baseUrl, quinn, path);
    expect(r.recommendation).toMatchObject({ outcome: "deny", clauses: ["procedure.window"] });
    const before = Date.now();
    await apiSend(baseUrl, quinn, "POST", `${path}/deny`, {
      expectedVersion: r.version,
      justification:
        "The audit was delivered 20 days before your request; the policy asks for requests within 7 days of delivery.",
    });

    // The decision e-mail links to the request's page.
    const mail = await waitForMail(
      mailDir,
      "bob@globex.example",
      new RegExp(`${r.reference} was declined`),
      before,
    );
    const link = linkIn(mail, "/requests/");
    expect(link.origin).toBe(new URL(baseUrl).origin);
    await page.goto(link.pathname);
    await page.getByRole("heading", { name: `Request ${r.reference}`, level: 1 }).waitFor();
    const decision = page.getByRole("region", { name: "Decision" });
    await decision.getByText("Denied", { exact: true }).waitFor();
    await decision.getByText(/delivered 20 days before your request/).waitFor();
    await decision.getByText("The request window", { exact: true }).waitFor();
    await decision
      .getByText(
        "Clients must submit a written refund request to our support team within 7 calendar days of the service delivery date.",
      )
      .waitFor();
    await decision.getByRole("link", { name: "Read it in the whole policy" }).waitFor();
    // The way to contest it, and until when (date, time and zone).
    const appeal = page.getByRole("region", { name: "Contest this decision" });
    await appeal.getByText(/You can contest it once, until .+ (UTC|GMT)/).waitFor();
    // The timeline has the denial with its clause too; the recommendation is never shown.
    const timeline = page.getByRole("region", { name: "Timeline" });
    await timeline.getByText("You sent the request").waitFor();
    await timeline.getByText("Denied", { exact: true }).waitFor();
    expect(await page.getByText("Recommendation").count()).toBe(0);
    await checkPage(page, STORY, "denied");

    // The policy is one click away, at the clause.
    await decision.getByRole("link", { name: "Read it in the whole policy" }).click();
    await page.waitForURL(/\/policy#procedure\.window$/);
    await page.getByRole("heading", { name: "Refund policy", level: 1 }).waitFor();
    await page
      .getByText("Ask for a refund within 7 calendar days of the service's delivery.")
      .waitFor();
    await checkPage(page, STORY, "policy");
    await page.goBack();

    // In Thai: the reason as written, the clause's Thai summary labelled as a convenience
    // translation, and the policy's own words.
    await page.getByLabel("Language").selectOption("th");
    const th = page.getByRole("region", { name: "ผลการพิจารณา" });
    await th.getByText("ปฏิเสธ", { exact: true }).waitFor();
    await th.getByText("ต้องยื่นคำขอภายใน 7 วันตามปฏิทินนับจากวันที่ส่งมอบบริการ").waitFor();
    await th.getByText(/^คำแปลเพื่อความสะดวก/).waitFor();
    await th.getByText(/within 7 calendar days of the service delivery date/).waitFor();
    await page.getByText(/โต้แย้งได้หนึ่งครั้ง จนถึง .+25\d\d/).waitFor();
    await checkPage(page, STORY, "denied-th");
    await page.getByLabel("ภาษา").selectOption("en");

    // The REQ- reference of the e-mails opens the same page.
    await page.goto(`/requests/${r.reference.toLowerCase()}`);
    await page.getByRole("heading", { name: `Request ${r.reference}`, level: 1 }).waitFor();

    // Contesting needs words: the API's refusal shows next to the field.
    const form = page.getByRole("region", { name: "Contest this decision" });
    await form.getByRole("button", { name: "Contest the decision" }).click();
    const words = form.getByLabel("Why the decision is wrong");
    await expect.poll(() => words.getAttribute("aria-invalid")).toBe("true");
    await checkPage(page, STORY, "contest-refused");
    await words.fill(
      "We reported the missing firewalls by phone on the day of delivery; the ticket is attached.",
    );
    await form.locator('input[type="file"]').setInputFiles({
      name: "support-ticket.pdf",
      mimeType: "application/pdf",
      buffer: PDF,
    });
    await form.getByText("support-ticket.pdf").waitFor();
    await form.getByRole("button", { name: "Contest the decision" }).click();

    // Back in review for another specialist; the words and the document are on the request.
    await page.getByText(/You contested the denial\. A specialist other than the one/).waitFor();
    await page.getByRole("link", { name: "support-ticket.pdf" }).waitFor();
    await page
      .getByRole("region", { name: "Timeline" })
      .getByText("You contested the decision")
      .waitFor();
    await page.getByText("We reported the missing firewalls by phone", { exact: false }).waitFor();
    expect(await page.getByRole("region", { name: "Contest this decision" }).count()).toBe(0);
    await checkPage(page, STORY, "contested");
    await context.close();
  });
});
