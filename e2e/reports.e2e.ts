// Finance opens the reports from the staff navigation: the requests-per-week chart is drawn, its
// table is there, and the CSV download holds exactly the table's rows; every tab passes axe.
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkPage, launchChromium, newSession } from "./support/browser.js";
import { signIn } from "./support/pages.js";

const STORY = "reports";

/** The table's header and body cells as text. */
async function tableCells(page: Page, name: string): Promise<{ head: string[]; body: string[][] }> {
  const table = page.getByRole("table", { name });
  await table.waitFor();
  const head = await table.locator("thead th").allInnerTexts();
  const rows = table.locator("tbody tr");
  const body: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    body.push(await rows.nth(i).locator("td").allInnerTexts());
  }
  return { head, body };
}

/** A table cell as the CSV writes it: digits without grouping; a dash for nothing. */
const asCsv = (cell: string): string => (cell.trim() === "—" ? "" : cell.trim().replace(/,/g, ""));

describe("reports", () => {
  let browser: Browser;
  const baseUrl = inject("baseUrl");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows a chart whose CSV export matches its table", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "fran@prosphere.example");
    await page.waitForURL(/\/staff\/payouts$/);
    await page.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
    await page.waitForURL(/\/staff\/reports/);
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Last 12 months" }).click();
    await page.waitForURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);

    // The chart: a figure named by its title, with bars drawn.
    const figure = page.getByRole("figure", { name: "By reason" });
    await figure.waitFor();
    await figure.locator("svg .recharts-bar-rectangle").first().waitFor();
    expect(await figure.locator("svg .recharts-bar-rectangle").count()).toBeGreaterThan(0);
    await page.getByText(/requests from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}\./).waitFor();

    const { head, body } = await tableCells(page, "Requests per week: the data the chart shows");
    expect(head.slice(0, 3)).toEqual(["Week from", "Week to", "Requests"]);
    expect(body.length).toBeGreaterThan(40); // a year of weeks
    const requests = body.reduce((s, row) => s + Number(asCsv(row[2] ?? "0")), 0);
    expect(requests).toBeGreaterThan(0); // the demo company's requests are in it

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download the Requests per week table as CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^request-volume_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = await readFile((await download.path())!, "utf8");
    const [header, ...lines] = csv
      .trimEnd()
      .split("\r\n")
      .map((l) => l.split(","));
    expect(header?.length).toBe(head.length);
    expect(header?.slice(0, 3)).toEqual(["week_start", "week_end", "requests"]);
    expect(lines).toEqual(body.map((row) => row.map(asCsv)));

    await checkPage(page, STORY, "volume");
    await context.close();
  });

  it("every tab reads without an axe violation, on a desktop and at 375 px", async () => {
    const { context, page } = await newSession(browser, baseUrl);
    await signIn(page, "quinn@prosphere.example");
    await page.waitForURL(/\/staff\/queue$/);
    await page.goto("/staff/reports");
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
    for (const [tab, heading] of [
      ["Decisions", "Decisions against the recommendation"],
      ["Money", "Money refunded per month"],
      ["Deadlines", "Payout deadlines"],
      ["Speed", "Requests waiting now"],
      ["Duplicates", "Duplicate payments"],
    ] as const) {
      await page.getByRole("tab", { name: tab }).click();
      await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
      await page
        .getByRole("link", { name: /table as CSV$/ })
        .first()
        .waitFor();
      await checkPage(page, STORY, tab.toLowerCase());
    }
    await context.close();
  });
});
