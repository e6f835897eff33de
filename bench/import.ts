// `npm run bench:import`: bulk import at scale (issue 18), side by side with its targets in one run.
//
// Generates (seeded) BENCH_PAYMENTS payments (default 1,000,000) and their orders as CSV files,
// about one order per payment with a few paid twice, in installments or in two currencies, for
// 50 clients; creates a fresh SQLite database with the clients; then runs `refund-desk import
// orders` and `refund-desk import payments` exactly as a user would, each as its own process
// (`node dist/src/cli/main.js import ...`), timing each and reading each process's peak resident
// memory (its maximum RSS, reported by the child itself at exit through `--import
// dist/bench/report-rss.js`). Targets: at least 30,000 rows/s over both files, at most 256 MB peak
// RSS, whatever the file's size. The last line is one JSON object with the figures.

import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import os from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/connection.js";
import { migrateToLatest } from "../src/db/migrations/index.js";
import { seededRandom } from "../src/core/random/seeded-random.js";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { envInt } from "./env.js";
import { IMPORT_COLUMNS } from "../src/app/imports/rows.js";

const TARGET_ROWS_PER_SECOND = 30_000;
const TARGET_PEAK_RSS_MB = 256;
const N = envInt("BENCH_PAYMENTS", 1_000_000, 10);
const SEED = envInt("BENCH_SEED", 20261206, 0);
const CLIENTS = 50;

const CLI = join(PACKAGE_ROOT, "dist", "src", "cli", "main.js");
const RSS_HOOK = join(PACKAGE_ROOT, "dist", "bench", "report-rss.js");

function log(line = ""): void {
  process.stdout.write(line + "\n");
}
const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Writes lines to a file, waiting when the stream's buffer is full. */
async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) {
    if (!out.write(line + "\n")) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

// The import's own column lists (the CSV header it reads).
const ORDER_HEADER = IMPORT_COLUMNS.orders.join(",");
const PAYMENT_HEADER = IMPORT_COLUMNS.payments.join(",");

interface Generated {
  orders: number;
  payments: number;
}

/** The CSV files: orders first (each paid once, twice, or in two installments). */
async function generate(dir: string): Promise<Generated> {
  const rand = seededRandom(SEED);
  const iso = (ms: number) => new Date(ms).toISOString();
  const base = Date.parse("2025-01-01T00:00:00Z");
  // Each order: its price in cents and how it is paid.
  const orders: { id: string; cents: number; at: number; plan: "once" | "twice" | "halves" }[] = [];
  let payments = 0;
  for (let i = 0; payments < N; i++) {
    const r = rand();
    const plan = r < 0.01 ? "twice" : r < 0.02 ? "halves" : "once";
    const left = N - payments;
    const count = plan === "once" || left < 2 ? 1 : 2;
    orders.push({
      id: `ORD-${String(i).padStart(8, "0")}`,
      cents: 10_000 + Math.floor(rand() * 990_000),
      at: base + Math.floor(rand() * 300 * 86_400_000),
      plan: count === 1 ? "once" : plan,
    });
    payments += count;
  }
  const money = (cents: number) =>
    `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  await writeLines(join(dir, "orders.csv"), [
    ORDER_HEADER,
    ...orders.map(
      (o, i) =>
        `${o.id},CL-${i % CLIENTS},Security audit,audit,one_off,${money(o.cents)},USD,` +
        `${iso(o.at)},${iso(o.at + 7 * 86_400_000)},${iso(o.at + 30 * 86_400_000)},,,,,`,
    ),
  ]);
  let n = 0;
  const paymentLines = function* (): Generator<string> {
    yield PAYMENT_HEADER;
    for (const o of orders) {
      const pay = (cents: number, at: number) => {
        n++;
        const id = `PAY-${String(n).padStart(8, "0")}`;
        return `${id},${o.id},${o.id},${money(cents)},USD,card,${iso(at)},ch_${String(n).padStart(12, "0")}`;
      };
      if (o.plan === "halves") {
        const half = Math.floor(o.cents / 2);
        yield pay(half, o.at + 3_600_000);
        yield pay(o.cents - half, o.at + 7_200_000);
      } else {
        yield pay(o.cents, o.at + 3_600_000);
        if (o.plan === "twice") yield pay(o.cents, o.at + 3_660_000);
      }
    }
  };
  await writeLines(join(dir, "payments.csv"), paymentLines());
  return { orders: orders.length, payments: n };
}

interface Run {
  seconds: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `refund-desk import KIND FILE` as its own process, on the database in `dataDir`. */
function runImport(kind: string, file: string, dataDir: string): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--import", RSS_HOOK, CLI, "import", kind, file], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /^peak-rss-kb (\d+)$/m.exec(stderr);
      resolve({
        seconds,
        peakRssMb: m ? Number(m[1]) / 1024 : Number.NaN,
        code,
        stdout: stdout.trim(),
        stderr: stderr.replace(/^peak-rss-kb \d+\n?/m, "").trim(),
      });
    });
  });
}

async function main(): Promise<void> {
  log(
    `bench:import  ${new Date().toISOString()}  ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(2)}`,
  );
  const dir = mkdtempSync(join(os.tmpdir(), "bench-import-"));
  try {
    const t0 = Date.now();
    const g = await generate(dir);
    const sizeMb = (f: string) => (statSync(join(dir, f)).size / 2 ** 20).toFixed(0);
    log(
      `generated ${fmtInt(g.orders)} orders (${sizeMb("orders.csv")} MB) and ${fmtInt(g.payments)} ` +
        `payments (${sizeMb("payments.csv")} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const dataDir = join(dir, "data");
    const db = await openDatabase({ dataDir });
    await migrateToLatest(db.db);
    const now = new Date().toISOString();
    await db.db
      .insertInto("clients")
      .values(
        Array.from({ length: CLIENTS }, (_, i) => ({
          id: `CL-${i}`,
          name: `Client ${i}`,
          email: `ops${i}@client.test`,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    await db.close();

    const orders = await runImport("orders", join(dir, "orders.csv"), dataDir);
    const payments = await runImport("payments", join(dir, "payments.csv"), dataDir);
    for (const [name, r] of [
      ["orders", orders],
      ["payments", payments],
    ] as const) {
      if (r.code !== 0)
        throw new Error(`import ${name} exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
    }
    const rows = g.orders + g.payments;
    const seconds = orders.seconds + payments.seconds;
    const rate = rows / seconds;
    const peak = Math.max(orders.peakRssMb, payments.peakRssMb);
    log();
    log("import (own process each)     rows        seconds   rows/s    peak RSS MB");
    log("-------------------------------------------------------------------------");
    const line = (name: string, n: number, r: Run) =>
      log(
        `${name.padEnd(28)} ${fmtInt(n).padStart(10)} ${r.seconds.toFixed(1).padStart(10)} ` +
          `${fmtInt(n / r.seconds).padStart(8)} ${r.peakRssMb.toFixed(0).padStart(11)}`,
      );
    line("refund-desk import orders", g.orders, orders);
    line("refund-desk import payments", g.payments, payments);
    log(
      `${"both".padEnd(28)} ${fmtInt(rows).padStart(10)} ${seconds.toFixed(1).padStart(10)} ` +
        `${fmtInt(rate).padStart(8)} ${peak.toFixed(0).padStart(11)}`,
    );
    log();
    log(`  orders:   ${orders.stdout}`);
    log(`  payments: ${payments.stdout}`);
    log();
    log(
      `targets: at least ${fmtInt(TARGET_ROWS_PER_SECOND)} rows/s: ${fmtInt(rate)}, ${rate >= TARGET_ROWS_PER_SECOND ? "met" : "MISSED"}; ` +
        `at most ${TARGET_PEAK_RSS_MB} MB peak RSS: ${peak.toFixed(0)} MB, ${peak <= TARGET_PEAK_RSS_MB ? "met" : "MISSED"}`,
    );
    log(JSON.stringify({ rows, rowsPerSecond: Math.round(rate), peakRssMb: Math.round(peak) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(
    `bench:import failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exitCode = 1;
});
