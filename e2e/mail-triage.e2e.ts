// E-mail triage (issue 19): a server of its own listens for SMTP; two e-mails arrive through
// nodemailer (one from an unknown sender, one from Alice naming her order without saying why),
// the worker files them as triage items, and Quinn (QA) works the list in the console: the
// page passes axe at desktop and phone width, and saying the reason makes the request.
import nodemailer from "nodemailer";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGet, apiSignIn } from "./support/api.js";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { DEMO_PASSWORD, signIn } from "./support/pages.js";
import { freePort, startServer, type StartedServer } from "./support/server.js";

const STORY = "mail-triage";

interface MailPage {
  items: { id: string; from: string | null; triageKind: string | null }[];
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

  it("QA reads why each e-mail waits and files one as a request", async () => {
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
    // The worker in the server's process files both.
    const qa = await apiSignIn(server.url, "quinn@prosphere.example", DEMO_PASSWORD);
    await expect
      .poll(
        async () =>
          (await apiGet<MailPage>(server.url, qa, "/api/v1/inbound-mail")).items
            .map((m) => m.triageKind)
            .sort(),
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(["reason_unclear", "unknown_sender"]);

    const { context, page } = await newSession(browser, server.url);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    await page.getByRole("navigation").getByRole("link", { name: "E-mail triage" }).click();
    await page.waitForURL(/\/staff\/mail$/);
    await page.getByRole("heading", { name: "E-mail to triage", level: 1 }).waitFor();
    await page.getByText("The sender is not a known client contact.").waitFor();
    await page.getByText("The e-mail does not say plainly why a refund is asked for.").waitFor();
    await checkPage(page, STORY, "list");

    // Alice's e-mail: say the reason; the order it named is kept.
    await page.getByRole("button", { name: /Resolve the e-mail "About ORD-1001"/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("What to do").selectOption("classify-reason");
    await dialog.getByLabel("Reason").selectOption("mismatch");
    await expect.poll(() => dialog.getByLabel("Order").inputValue()).toBe("ORD-1001");
    await checkPage(page, STORY, "resolve-dialog");
    await dialog.getByRole("button", { name: "Make the request" }).click();
    await page.getByText("It is filed: a request or a message.").waitFor();
    await expect.poll(() => page.getByText("About ORD-1001").count()).toBe(0);
    await checkPage(page, STORY, "after");

    const filed = await apiGet<{ items: { requestId: string | null }[] }>(
      server.url,
      qa,
      "/api/v1/inbound-mail?status=done",
    );
    expect(filed.items).toHaveLength(1);
    const request = await apiGet<{ orderId: string; reason: string }>(
      server.url,
      qa,
      `/api/v1/requests/${filed.items[0]?.requestId ?? ""}`,
    );
    expect(request).toMatchObject({ orderId: "ORD-1001", reason: "mismatch" });
    await context.close();
  });
});
