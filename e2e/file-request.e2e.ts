// A client asks for a refund: picks the order from My orders, the reason (each with its plain
// line), describes the issue, attaches a PDF by the dropzone (limits said up front, progress), and
// sends; a refusal (an empty description) shows next to the field. QA asks a question in the
// review console (the PDF previewed there); the client answers with a second document; QA
// approves in the console; finance releases the payout (two approvals, API); the worker pays it
// through the Stripe stand-in; the client sees the refund as sent with its dates, in English and
// in Thai.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiGet, apiSend, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { DEMO_PASSWORD, signIn } from "./support/pages.js";
import { pdfWithText } from "./support/pdf.js";

interface Req {
  id: string;
  version: number;
  status: string;
  recommendation: { outcome: string; amount: { amount: string; currency: string } | null } | null;
}
interface Payout {
  id: string;
  version: number;
  status: string;
}

const STORY = "file-request";
const PDF = pdfWithText("Order ORD-1002: the work starts within five days of the order.");

describe("a client files a request with a document", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("not delivered, with a PDF, from My orders", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "alice@acme.example");
    await page.waitForURL(/\/requests$/);
    await page.getByRole("link", { name: "My orders" }).click();
    const order = page.getByRole("article").filter({ hasText: "Order ORD-1002" });
    await order.getByRole("link", { name: "Ask for a refund" }).click();
    await page.waitForURL(/\/requests\/new\?orderId=ORD-1002/);

    // Step 2 of 3: the reason, each with one plain line from the policy.
    await page.getByRole("heading", { name: "Ask for a refund", level: 1 }).waitFor();
    await page.getByText("not started or provided within the promised time").waitFor();
    await checkPage(page, STORY, "reason");
    await page.getByRole("radio", { name: "The service was not delivered" }).check();
    await page.getByRole("button", { name: "Next" }).click();

    // Step 3: the limits are said before anything is chosen; the recommendation is not promised.
    await page.getByText(/up to 5 documents: PDF, PNG, JPEG, plain text or CSV/).waitFor();
    await page
      .getByText("Sending a request does not mean a refund is granted.", { exact: false })
      .waitFor();
    await checkPage(page, STORY, "details");

    // The API refuses an empty description: the words appear next to the field.
    await page.getByRole("button", { name: "Send request" }).click();
    const description = page.getByLabel("Describe the issue");
    await expect.poll(() => description.getAttribute("aria-invalid")).toBe("true");
    const errorId = (await description.getAttribute("aria-describedby")) ?? "";
    expect(errorId).not.toBe("");
    await checkPage(page, STORY, "details-refused");

    await description.fill(
      "The work was promised to start in five days; it started nine days late and is still not delivered.",
    );
    await page.locator('input[type="file"]').setInputFiles({
      name: "promised-start.pdf",
      mimeType: "application/pdf",
      buffer: PDF,
    });
    await page.getByText("promised-start.pdf").waitFor();
    await page.getByRole("button", { name: "Send request" }).click();

    await page.getByRole("heading", { name: "Request sent", level: 1 }).waitFor();
    await page.getByText("Your document is attached.").waitFor();
    await checkPage(page, STORY, "sent");

    await page.getByRole("link", { name: "Open your request" }).click();
    await page.getByRole("heading", { name: /^Request /, level: 1 }).waitFor();
    await page.getByRole("link", { name: "promised-start.pdf" }).waitFor();
    // While it is open, its order shows it instead of "Ask for a refund".
    await page.getByRole("link", { name: "My orders" }).click();
    const open = page.getByRole("article").filter({ hasText: "Order ORD-1002" });
    await open.getByText("Request open:").waitFor();
    expect(await open.getByRole("link", { name: "Ask for a refund" }).count()).toBe(0);
    await page.goBack();
    await page.getByText("The work was promised to start in five days", { exact: false }).waitFor();
    await checkPage(page, STORY, "request");

    const requestId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
    const path = `/api/v1/requests/${encodeURIComponent(requestId)}`;

    // QA finds it in the review console (the queue filtered by its order), sees the client's
    // PDF previewed in the page, and asks a question.
    const qa = await newSession(browser, baseUrl);
    await signIn(qa.page, "quinn@prosphere.example");
    await qa.page.waitForURL(/\/staff\/queue$/);
    await qa.page.getByLabel("Order").fill("ORD-1002");
    await qa.page.getByLabel("Order").press("Enter");
    await qa.page.waitForURL(/orderId=ORD-1002/);
    await qa.page.getByRole("link", { name: /^REQ-/ }).first().click();
    await qa.page.waitForURL(new RegExp(`/staff/requests/${requestId}$`));
    await qa.page.getByRole("heading", { name: /^Request REQ-[0-9A-F]{8}$/, level: 1 }).waitFor();
    await qa.page.getByRole("link", { name: "Download promised-start.pdf" }).waitFor();
    await checkPage(qa.page, STORY, "qa-request");
    // The PDF previewed in the page. (After checkPage: with the browser's PDF viewer in a frame,
    // Playwright's network-idle never comes, so no page check follows a preview until a reload.)
    await qa.page.getByRole("button", { name: "Preview promised-start.pdf" }).click();
    await qa.page.getByTitle("Preview of promised-start.pdf").waitFor();
    await qa.page.getByRole("button", { name: "Ask the client…" }).click();
    const ask = qa.page.getByRole("dialog", { name: /^Ask the client about REQ-/ });
    await ask
      .getByLabel(/^Your question/)
      .fill("When was the work promised to start? Please attach the order confirmation.");
    await ask.getByRole("button", { name: "Send the question" }).click();
    await ask.waitFor({ state: "detached" });
    await qa.page.getByText(/^The client is to answer by /).waitFor();

    // The client sees the question, and answers it with a second document.
    await page.reload();
    await page.getByText("Our question: When was the work promised to start?").waitFor();
    await checkPage(page, STORY, "question");
    await page.getByLabel("Your answer").fill("On the 5th; the confirmation is attached.");
    await page.locator('input[type="file"]').setInputFiles({
      name: "order-confirmation.pdf",
      mimeType: "application/pdf",
      buffer: PDF,
    });
    await page.getByRole("button", { name: "Send answer" }).click();
    await page.getByText("On the 5th; the confirmation is attached.").waitFor();
    await page.getByRole("link", { name: "order-confirmation.pdf" }).waitFor();
    expect(await page.getByRole("button", { name: "Send answer" }).count()).toBe(0);

    // QA sees the answer and the second document in the console, and approves: the recommended
    // amount, or the whole price with a justification when the engine named none.
    await qa.page.reload();
    await qa.page
      .getByRole("region", { name: "Conversation and internal notes" })
      .getByText("On the 5th; the confirmation is attached.")
      .waitFor();
    await qa.page.getByRole("button", { name: "Approve…" }).click();
    const approve = qa.page.getByRole("dialog", { name: /^Approve a refund on REQ-/ });
    const amount = approve.getByLabel(/^Amount to refund/);
    if ((await amount.inputValue()) === "") await amount.fill("4800.00");
    await approve
      .getByLabel(/^Justification/)
      .fill("Work started nine days late; the client is owed it.");
    await checkPage(qa.page, STORY, "qa-approve");
    await approve.getByRole("button", { name: /^Approve a refund of / }).click();
    await approve.waitFor({ state: "detached" });
    await qa.page.getByRole("heading", { name: "Decision" }).waitFor();
    await qa.page.getByText(/^Approved: US\$/).waitFor();
    // The client's second document, previewed in the page.
    await qa.page.getByRole("button", { name: "Preview order-confirmation.pdf" }).click();
    await qa.page.getByTitle("Preview of order-confirmation.pdf").waitFor();
    const quinn = await apiSignIn(baseUrl, "quinn@prosphere.example", DEMO_PASSWORD);
    expect((await apiGet<Req>(baseUrl, quinn, path)).status).toBe("approved");
    await qa.context.close();

    // The client sees the decision and the window in which the money arrives.
    await page.reload();
    await page.getByRole("heading", { name: "Decision" }).waitFor();
    await page
      .getByRole("region", { name: "Your refund" })
      .getByText(/^The money arrives between .+ and .+ \(\S+ time\)\.$/)
      .waitFor();
    await checkPage(page, STORY, "approved");

    // Finance releases it: two approvals above the policy's threshold, never by the decider.
    const payoutsPath = `/api/v1/payouts?requestId=${encodeURIComponent(requestId)}`;
    for (const email of ["fran@prosphere.example", "ada@prosphere.example"]) {
      const who = await apiSignIn(baseUrl, email, DEMO_PASSWORD);
      const [p] = (await apiGet<{ items: Payout[] }>(baseUrl, who, payoutsPath)).items;
      expect(p).toBeDefined();
      await apiSend(baseUrl, who, "POST", `/api/v1/payouts/${p?.id}/approve`, {
        expectedVersion: p?.version,
      });
    }
    // The worker pays it through the Stripe stand-in.
    await expect
      .poll(
        async () =>
          (await apiGet<{ items: Payout[] }>(baseUrl, quinn, payoutsPath)).items[0]?.status,
        { timeout: 60_000, interval: 500 },
      )
      .toBe("succeeded");

    await page.reload();
    const refund = page.getByRole("region", { name: "Your refund" });
    await refund.getByText("US$4,800.00 back to the card you paid with").waitFor();
    await refund.getByText("Sent", { exact: true }).waitFor();
    await refund.getByText(/^Sent on .+ (UTC|GMT\S*)\.$/).waitFor();
    await refund.getByText("Your bank usually shows it within 5 to 10 business days.").waitFor();
    await page.getByRole("region", { name: "Timeline" }).getByText("The refund was sent").waitFor();
    await checkPage(page, STORY, "sent-refund");

    // The same page in Thai: the refund sent, its date in the Buddhist era, what comes next.
    await page.getByLabel("Language").selectOption("th");
    const refundTh = page.getByRole("region", { name: "เงินคืนของคุณ" });
    await refundTh.getByText("US$4,800.00 คืนไปยังบัตรที่คุณใช้ชำระ").waitFor();
    await refundTh.getByText("ส่งแล้ว", { exact: true }).waitFor();
    await refundTh.getByText(/^ส่งแล้วเมื่อ .+25\d\d/).waitFor();
    await refundTh.getByText("โดยปกติธนาคารของคุณจะแสดงรายการภายใน 5 ถึง 10 วันทำการ").waitFor();
    await page.getByRole("region", { name: "ลำดับเหตุการณ์" }).getByText("ส่งเงินคืนแล้ว").waitFor();
    await checkPage(page, STORY, "sent-refund-th");
    await page.getByLabel("ภาษา").selectOption("en");

    // My orders shows the approved request on ORD-1002.
    await page.getByRole("link", { name: "My orders" }).click();
    const after = page.getByRole("article").filter({ hasText: "Order ORD-1002" });
    await after.getByText("Latest request:").waitFor();
    await after.getByText("Approved").waitFor();
    await context.close();
  });
});
