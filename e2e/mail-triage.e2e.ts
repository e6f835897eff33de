// E-mail triage (issue 19): a server of its own listens for SMTP; two e-mails arrive through
// nodemailer (one from an unknown sender, one from Alice naming her order without saying why).
// The worker files the unknown sender's as a triage item, and Alice's as a request in status
// triage at once: Alice sees it in her portal ("Being sorted"), and Quinn (QA) finds it in the
// review queue and classifies its reason in the console, which submits it to the engine. Each
// page passes axe at desktop and phone width.
import nodemailer from "nodemailer";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGet, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { DEMO_PASSWORD, signIn } from "./support/pages.js";
import { freePort, startServer, type StartedServer } from "./support/server.js";

const STORY = "mail-triage";

interface MailPage {
  items: { id: string; from: string | null; triageKind: string | null; subject: string | null }[];
}
interface RequestPage {
  items: { id: string; reference: string; orderId: string; reason: string | null }[];
}

describe("e-mail triage", () => {
  let browser: Browser;
  let server: StartedServer;
  let smtpPort: number;
  beforeAll(async () => {
    smtpPort = await freePort();
    server = await startServer({
      INBOUND_SMTP_PORT: String(smtpPort),
      INBOUND_ADDRESS: "support@prosphere.example",
      INBOUND_TOKEN_SECRET: "e2e-inbound-secret-0123456789",
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("an e-mail without a plain reason is a request being sorted; QA classifies it in the console", async () => {
    const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, ignoreTLS: true });
    try {
      await smtp.sendMail({
        from: "Someone <someone@unknown.example>",
        to: "support@prosphere.example",
        subject: "Money back please",
        text: "Hello, we want our money back for the audit.",
      });
      await smtp.sendMail({
        from: "Alice <alice@acme.example>",
        to: "support@prosphere.example",
        subject: "About ORD-1001",
        text: "We are not satisfied with ORD-1001 and would like a refund.\n\n-- \nAlice",
      });
    } finally {
      smtp.close();
    }
    // The worker in the server's process files both: one item to triage, one request in triage.
    const qa = await apiSignIn(server.url, "quinn@prosphere.example", DEMO_PASSWORD);
    await expect
      .poll(
        async () =>
          (await apiGet<RequestPage>(server.url, qa, "/api/v1/requests?status=triage")).items
            .length,
        { timeout: 30_000, interval: 500 },
      )
      .toBe(1);
    const [triaged] = (await apiGet<RequestPage>(server.url, qa, "/api/v1/requests?status=triage"))
      .items;
    expect(triaged).toMatchObject({ orderId: "ORD-1001", reason: null });
    await expect
      .poll(
        async () =>
          (await apiGet<MailPage>(server.url, qa, "/api/v1/inbound-mail")).items.map(
            (m) => m.triageKind,
          ),
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(["unknown_sender"]);

    // Alice sees her e-mail's request in the portal, being sorted.
    const alice = await newSession(browser, server.url);
    await signIn(alice.page, "alice@acme.example");
    await alice.page.waitForURL(/\/requests$/);
    await alice.page
      .getByRole("link", { name: new RegExp(`${triaged!.reference}.*Reason being sorted`) })
      .click();
    await alice.page.waitForURL(/\/requests\/(?!new)[^/]+$/);
    await alice.page.getByText("Being sorted").first().waitFor();
    await alice.page.getByText(/We received your e-mail and made this request/).waitFor();
    await checkPage(alice.page, STORY, "client-being-sorted");
    await alice.context.close();

    const { context, page } = await newSession(browser, server.url);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    // The e-mail triage list keeps only what has no request to be: the unknown sender's.
    await page.getByRole("navigation").getByRole("link", { name: "E-mail triage" }).click();
    await page.waitForURL(/\/staff\/mail$/);
    await page.getByRole("heading", { name: "E-mail to triage", level: 1 }).waitFor();
    await page.getByText("The sender is not a known client contact.").waitFor();
    expect(await page.getByText("About ORD-1001").count()).toBe(0);
    await checkPage(page, STORY, "list");
    await page.getByRole("button", { name: /Resolve the e-mail "Money back please"/ }).click();
    await page.getByRole("dialog").waitFor();
    await checkPage(page, STORY, "resolve-dialog");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    // The review queue's default view (waiting on QA) shows the request in triage.
    await page.getByRole("navigation").getByRole("link", { name: "Queue" }).click();
    await page.waitForURL(/\/staff\/queue/);
    const row = page.getByRole("link", {
      name: new RegExp(`${triaged!.reference}: .*Reason being sorted`),
    });
    await row.waitFor();
    await page.getByText("Reason to classify").first().waitFor();
    await checkPage(page, STORY, "queue");
    await row.click();
    await page.waitForURL(/\/staff\/requests\/[^/]+$/);
    // Nothing to decide yet: the only action is to classify the reason.
    await page.getByRole("button", { name: "Classify the reason…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: "The service differs from its description" }).check();
    await checkPage(page, STORY, "classify-dialog");
    await dialog.getByRole("button", { name: "Classify and submit" }).click();
    await page.getByText(/is classified as “The service differs from its description”/).waitFor();
    await page.getByRole("button", { name: "Start the review" }).waitFor();
    await checkPage(page, STORY, "classified");

    const request = await apiGet<{
      status: string;
      reason: string;
      recommendation: { outcome: string } | null;
    }>(server.url, qa, `/api/v1/requests/${triaged!.id}`);
    expect(request).toMatchObject({ status: "submitted", reason: "mismatch" });
    expect(request.recommendation).not.toBeNull();
    await context.close();
  });
});
