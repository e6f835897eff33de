// Debian's Chromium driven by playwright-core (no browser download), axe-core on every page
// visited, and screenshots at desktop and 375 px phone width under e2e/artifacts/ (gitignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
export const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A fresh browser context (no cookies) on the server, in a language. */
export async function newSession(
  browser: Browser,
  baseUrl: string,
  locale: "en-GB" | "th-TH" = "en-GB",
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: baseUrl, locale, viewport: DESKTOP });
  const page = await context.newPage();
  return { context, page };
}

/**
 * Checks the page as it is now: axe-core finds no serious or critical violation, and screenshots
 * are saved at desktop and phone width (`<story>/<name>-desktop.png`, `-phone.png`).
 */
export async function checkPage(page: Page, story: string, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  // A dialog still fading in has text at partial opacity, which axe reads as low contrast: check
  // the page once its transitions and animations have finished.
  // (Endless ones, such as a skeleton's pulse, are left running. One cancelled meanwhile, say
  // because its element left the page, rejects `finished` with an AbortError: it is over too.)
  // (A string, evaluated in the page: this file is type-checked without the DOM's types.)
  await page.evaluate(
    `Promise.all(document.getAnimations()
      .filter((a) => a.effect?.getTiming().iterations !== Infinity)
      .map((a) => a.finished.catch(() => undefined))).then(() => undefined)`,
  );
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    ),
    `axe on ${name}`,
  ).toEqual([]);
  const dir = join(ARTIFACTS, story);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  const phone = await new AxeBuilder({ page }).analyze();
  const badPhone = phone.violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  expect(
    badPhone.map((v) => `${v.id} (${v.impact}): ${v.help}`),
    `axe on ${name} at 375 px`,
  ).toEqual([]);
  await page.screenshot({ path: join(dir, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await settleLayout(page);
}

/**
 * Waits until a change of the viewport has reached the page's layout: media-query listeners (a
 * layout that folds on a phone) run their re-render before the second animation frame after it.
 */
export async function settleLayout(page: Page): Promise<void> {
  await page.evaluate(
    "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(undefined))))",
  );
}
