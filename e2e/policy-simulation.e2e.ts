// An admin simulates a candidate policy from the staff navigation: a file with a bad parameter is
// refused naming the field, a good one is queued, the worker runs it, and the report shows the
// outcome matrix (as a chart and a table whose cells add up to the requests read), the totals
// and the sample; the pages pass axe at desktop and phone width.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { signIn } from "./support/pages.js";

const STORY = "policy-simulation";
const POLICY = join(import.meta.dirname, "..", "policy", "default-policy.yaml");

describe("policy simulation", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("an admin runs a candidate policy over the stored requests and reads the matrix", async () => {
    const shipped = await readFile(POLICY, "utf8");
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "ada@prosphere.example");
    await page.waitForURL(/\/staff\/people$/);
    await page.getByRole("navigation").getByRole("link", { name: "Policy simulations" }).click();
    await page.waitForURL(/\/staff\/simulations$/);
    await page.getByRole("heading", { name: "Policy simulations", level: 1 }).waitFor();
    await page.getByText("No simulation yet.").waitFor();
    await checkPage(page, STORY, "empty");

    // A bad parameter: refused, and the field named next to the file.
    const file = page.locator("input[type=file]");
    await file.setInputFiles({
      name: "broken.yaml",
      mimeType: "application/yaml",
      buffer: Buffer.from(shipped.replace("requestWindowDays: 7", "requestWindowDays: seven")),
    });
    await page.getByRole("button", { name: "Run the simulation" }).click();
    await page.getByText(/parameters\.requestWindowDays: /).waitFor();
    await checkPage(page, STORY, "refused");

    // A candidate with a one-day request window, over every request.
    await file.setInputFiles({
      name: "strict.yaml",
      mimeType: "application/yaml",
      buffer: Buffer.from(
        shipped
          .replace(/^version: .*$/m, "version: e2e-strict")
          .replace("requestWindowDays: 7", "requestWindowDays: 1"),
      ),
    });
    await page.getByRole("button", { name: "Run the simulation" }).click();
    await page.waitForURL(/\/staff\/simulations\/sim_/);
    await page
      .getByRole("heading", { name: "Simulation of policy e2e-strict", level: 1 })
      .waitFor();
    // The worker runs it; the page follows until the report is there.
    const table = page.getByRole("table", { name: /^Outcome matrix/ });
    await table.waitFor({ timeout: 30_000 });
    const head = await table.locator("thead th").allInnerTexts();
    expect(head).toEqual([
      "Stored \\ candidate",
      "Refund",
      "Needs review",
      "Deny",
      "Incomplete facts",
      "None yet",
    ]);
    const cells = (await table.locator("tbody td").allInnerTexts()).map((c) =>
      Number(c.replace(/[^0-9]/g, "")),
    );
    expect(cells).toHaveLength(25);
    const headline = await page
      .getByText(/ of \d+ recommendations? changes? under the candidate/)
      .innerText();
    const read = Number(/ of ([\d,]+) recommendation/.exec(headline)?.[1]?.replace(/,/g, ""));
    expect(read).toBeGreaterThan(0);
    expect(cells.reduce((a, b) => a + b, 0)).toBe(read);
    const figure = page.getByRole("figure", { name: "Candidate outcomes for each stored outcome" });
    await figure.locator("svg .recharts-bar-rectangle").first().waitFor();
    await page.getByRole("heading", { name: "Recommended refunds per currency" }).waitFor();
    await page.getByRole("heading", { name: "Changed requests (a sample)" }).waitFor();
    await checkPage(page, STORY, "report");

    // Listed, done.
    await page.getByRole("link", { name: "All simulations" }).click();
    await page.waitForURL(/\/staff\/simulations$/);
    await page.getByRole("cell", { name: "e2e-strict", exact: true }).waitFor();
    await page.getByText("Done").first().waitFor();
    await checkPage(page, STORY, "list");
    await context.close();
  });
});
