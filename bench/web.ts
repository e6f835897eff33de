// `npm run bench:web`: what the client portal's first page costs a client, in the production build.
//
// Starts the real service (src/service/start.ts, demo company on a fresh SQLite DATA_DIR, no
// worker) serving dist/web, signs the demo client in through the API, then, five times in a fresh
// Chromium context (empty cache, the session cookie set), opens /requests (the page a client lands
// on) and measures:
// - the JS the page loaded: every script response, gzipped (zlib, default level) and summed — the
//   bytes a compressing proxy would send; the chunk names are printed, so a staff chunk would show;
// - the time until it is interactive: from navigation until the list of requests is rendered and
//   its first link has focus (React mounted, data loaded, the page answers the keyboard).
// Prints each run, then the medians; the last line is {"firstPageJsGzipBytes":N,"interactiveMs":N}.
// Targets: <= 200 KB and <= 1,500 ms. A benchmark, not a test: it never fails on a figure.
//
// Chromium: /usr/bin/chromium (CHROMIUM_PATH to override), headless with the e2e flags.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { startService } from "../src/service/start.js";
import { findWebRoot } from "../src/http/web-app.js";

const RUNS = 5;
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const webRoot = findWebRoot();
  if (webRoot === null) throw new Error("dist/web is missing: run npm run build:web first");
  const dataDir = mkdtempSync(join(tmpdir(), "rd-bench-web-"));
  const service = await startService({
    port: 0,
    host: "127.0.0.1",
    database: { dataDir },
    demo: true,
    secureCookies: false,
    logger: false,
    worker: false,
    webRoot,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const signIn = await fetch(`${service.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "alice@acme.example", password: "demo-password-2026" }),
    });
    if (!signIn.ok) throw new Error(`sign-in: ${signIn.status}`);
    const cookie = /rd_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")?.[1];
    if (cookie === undefined) throw new Error("no session cookie");
    const url = new URL(service.url);

    const bytes: number[] = [];
    const times: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addCookies([
        { name: "rd_session", value: cookie, domain: url.hostname, path: "/", httpOnly: true },
      ]);
      const page = await context.newPage();
      const scripts: Promise<{ name: string; gzip: number }>[] = [];
      page.on("response", (response) => {
        if (response.request().resourceType() !== "script") return;
        scripts.push(
          response.body().then((body) => ({
            name: new URL(response.url()).pathname,
            gzip: gzipSync(body).length,
          })),
        );
      });
      const start = performance.now();
      await page.goto(`${service.url}/requests`);
      const first = page.getByRole("link", { name: /^req_|^REQ-|: / }).first();
      await first.waitFor({ state: "visible" });
      await first.focus();
      const focused = await first.evaluate((el) => el === el.ownerDocument.activeElement);
      const elapsed = performance.now() - start;
      if (!focused) throw new Error("the first request link did not take focus");
      await page.waitForLoadState("networkidle");
      const loaded = await Promise.all(scripts);
      const total = loaded.reduce((s, x) => s + x.gzip, 0);
      bytes.push(total);
      times.push(elapsed);
      process.stdout.write(
        `run ${run}: ${loaded.length} scripts, ${total} B gzip, interactive in ${elapsed.toFixed(0)} ms\n`,
      );
      if (run === 1) {
        for (const s of loaded.sort((a, b) => b.gzip - a.gzip)) {
          process.stdout.write(`  ${String(s.gzip).padStart(7)} B  ${s.name}\n`);
        }
        const staff = loaded.filter((s) => /staff|queue|payouts-page|people-page/.test(s.name));
        process.stdout.write(
          staff.length === 0
            ? "  no staff console chunk loaded\n"
            : `  STAFF CHUNKS LOADED: ${staff.map((s) => s.name).join(", ")}\n`,
        );
      }
      await context.close();
    }
    const result = {
      firstPageJsGzipBytes: median(bytes),
      interactiveMs: Math.round(median(times)),
    };
    process.stdout.write(
      `median of ${RUNS}: ${result.firstPageJsGzipBytes} B gzip (target <= 204800), ` +
        `${result.interactiveMs} ms to interactive (target <= 1500)\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
