// `npm run bench:ledger`: finding duplicate payments on a large ledger, side by side in one run.
//
//   (a) the scan of `refund-desk ledger scan --dry-run`: `scanLedger` itself (payments read a page
//       at a time ordered by order id, the core's rule 2 per order, the few orders with extras
//       checked against the cases on file), writing nothing.
//   (b) a plain SQL GROUP BY in PostgreSQL over the same rows: payments of one order with the same
//       charge, amount and currency, more than one. It is the naive reading of "charged more than
//       once": it knows nothing of installments (two equal halves look like a duplicate) nor of a
//       payment in another currency covering the whole charge, so its count differs from rule 2.
//
// The ledger is generated (seeded) into PostgreSQL, DATABASE_URL (default
// postgresql://postgres@127.0.0.1:5432/test), in a schema of its own that is dropped afterwards,
// with multi-row inserts (unnest of arrays, 20,000 rows a statement). The generator knows which
// payments it made extra; the scan's extras must be exactly those, and the run fails otherwise.
// Environment: BENCH_PAYMENTS (default 1000000), BENCH_SEED, BENCH_RUNS (timed runs of each, best
// kept; default 3). The last line printed is one JSON object with the figures.

import { performance } from "node:perf_hooks";
import { PolicyStore } from "../src/app/policy/store.js";
import os from "node:os";
import { sql, type Kysely } from "kysely";
import { SILENT_LOGGER } from "../src/app/context.js";
import { scanLedger } from "../src/app/ledger/scan-ledger.js";
import { openDatabase } from "../src/db/connection.js";
import { migrateToLatest } from "../src/db/migrations/index.js";
import type { Database } from "../src/db/schema.js";
import { loadPolicyFile } from "../src/policy-file/load.js";
import { seededRandom } from "../src/core/random/seeded-random.js";
import { envInt } from "./env.js";

const TARGET_SCAN_SECONDS = 3;
const N = envInt("BENCH_PAYMENTS", 1_000_000, 10);
const SEED = envInt("BENCH_SEED", 20261128, 0);
const RUNS = envInt("BENCH_RUNS", 3, 1);
const URL = process.env["DATABASE_URL"]?.trim() || "postgresql://postgres@127.0.0.1:5432/test";
const BATCH = 20_000;

function log(line = ""): void {
  process.stdout.write(line + "\n");
}
const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");
const secondsSince = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;

// ---- the generated ledger ----------------------------------------------------------------------

interface Columns {
  [column: string]: (string | null)[];
}

interface Ledger {
  orders: Columns;
  payments: Columns;
  /** Payment ids the generator made extra (rule 2). */
  extras: Set<string>;
  /** Orders by pattern, for the description of the mix. */
  mix: Record<string, number>;
  paymentCount: number;
}

const PRICES = ["480000", "99000", "310000", "1250000", "2500"];
const T0 = Date.parse("2026-01-05T08:00:00Z");
const CLIENTS = 50;

function generate(n: number, seed: number): Ledger {
  const r = seededRandom(seed); // the same ledger on every run
  const orders: Columns = {
    id: [],
    client_id: [],
    service_billing: [],
    price_minor: [],
    price_currency: [],
    placed_at: [],
    subscription_period_start: [],
    subscription_period_end: [],
    subscription_charge_ref: [],
  };
  const payments: Columns = {
    id: [],
    order_id: [],
    client_id: [],
    charge_ref: [],
    amount_minor: [],
    currency: [],
    method: [],
    captured_at: [],
  };
  const extras = new Set<string>();
  const mix: Record<string, number> = {};
  let count = 0;
  let o = 0;
  while (count < n) {
    const orderId = `ord_${String(o).padStart(9, "0")}`;
    const clientId = `cl_${o % CLIENTS}`;
    const price = PRICES[o % PRICES.length] as string;
    const placed = T0 + o * 37_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const x = r();
    // About 0.3% duplicates, 0.3% installments, 0.05% installments overpaid, 0.05% crypto then
    // card, 0.2% subscriptions billed for two periods; the rest paid once.
    const pattern =
      x < 0.003
        ? "duplicate"
        : x < 0.006
          ? "installments"
          : x < 0.0065
            ? "installments+extra"
            : x < 0.007
              ? "crypto+card"
              : x < 0.009
                ? "two periods"
                : "paid once";
    mix[pattern] = (mix[pattern] ?? 0) + 1;
    const subscription = pattern === "two periods";
    orders.id?.push(orderId);
    orders.client_id?.push(clientId);
    orders.service_billing?.push(subscription ? "subscription" : "one_off");
    orders.price_minor?.push(price);
    orders.price_currency?.push("USD");
    orders.placed_at?.push(iso(placed));
    orders.subscription_period_start?.push(subscription ? iso(placed + 30 * 86_400_000) : null);
    orders.subscription_period_end?.push(subscription ? iso(placed + 60 * 86_400_000) : null);
    orders.subscription_charge_ref?.push(subscription ? `${orderId}/2` : null);
    let k = 0;
    const pay = (
      amount: string,
      extra: boolean,
      o2: { currency?: string; method?: string; charge?: string; minutes?: number } = {},
    ) => {
      const id = `pay_${String(count).padStart(9, "0")}`;
      payments.id?.push(id);
      payments.order_id?.push(orderId);
      payments.client_id?.push(clientId);
      payments.charge_ref?.push(o2.charge ?? orderId);
      payments.amount_minor?.push(amount);
      payments.currency?.push(o2.currency ?? "USD");
      payments.method?.push(o2.method ?? "card");
      payments.captured_at?.push(iso(placed + 60_000 + (o2.minutes ?? k) * 60_000));
      if (extra) extras.add(id);
      count++;
      k++;
    };
    const half = String(BigInt(price) / 2n);
    const rest = String(BigInt(price) - BigInt(price) / 2n);
    switch (pattern) {
      case "duplicate": {
        pay(price, false);
        pay(price, true);
        if (r() < 0.2) pay(price, true); // charged three times
        break;
      }
      case "installments":
        pay(half, false);
        pay(rest, false, { minutes: 60 * 24 * 14 });
        break;
      case "installments+extra":
        pay(half, false);
        pay(rest, false, { minutes: 60 * 24 * 14 });
        pay(half, true, { minutes: 60 * 24 * 15 });
        break;
      case "crypto+card":
        pay("150000", false, { currency: "ETH", method: "crypto" }); // covers the whole charge
        pay(price, true, { minutes: 30 });
        break;
      case "two periods":
        pay(price, false, { charge: `${orderId}/1` });
        pay(price, false, { charge: `${orderId}/2`, minutes: 60 * 24 * 30 });
        break;
      case "paid once":
        pay(price, false);
        break;
    }
    o++;
  }
  return { orders, payments, extras, mix, paymentCount: count };
}

// ---- loading -----------------------------------------------------------------------------------

async function insertColumns(
  db: Kysely<Database>,
  table: string,
  cols: Columns,
  constant: Record<string, string>,
): Promise<void> {
  const names = Object.keys(cols);
  const length = cols[names[0] as string]?.length ?? 0;
  const constNames = Object.keys(constant);
  for (let from = 0; from < length; from += BATCH) {
    const to = Math.min(length, from + BATCH);
    const arrays = names.map((c) => sql`${(cols[c] ?? []).slice(from, to)}::text[]`);
    await sql`insert into ${sql.table(table)} (${sql.join(
      [...names, ...constNames].map((c) => sql.id(c)),
    )})
      select u.*, ${sql.join(constNames.map((c) => sql`${constant[c]}`))}
      from unnest(${sql.join(arrays)}) as u`.execute(db);
  }
}

async function load(db: Kysely<Database>, ledger: Ledger): Promise<void> {
  const at = "2026-01-05T08:00:00.000Z";
  await insertColumns(
    db,
    "clients",
    { id: Array.from({ length: CLIENTS }, (_, i) => `cl_${i}`) },
    { name: "Bench client", created_at: at, updated_at: at },
  );
  await insertColumns(db, "orders", ledger.orders, {
    service_name: "Bench service",
    service_category: "monitoring",
    created_at: at,
    updated_at: at,
  });
  await insertColumns(db, "payments", ledger.payments, { created_at: at, updated_at: at });
  // As autovacuum would after a bulk load: statistics, and the visibility map for index-only reads.
  await sql`vacuum analyze payments`.execute(db);
  await sql`vacuum analyze orders`.execute(db);
}

// ---- the two measurements ----------------------------------------------------------------------

async function timeScan(db: Kysely<Database>): Promise<{ seconds: number; extras: Set<string> }> {
  const loaded = loadPolicyFile();
  if (!loaded.ok) throw new Error(loaded.error.message);
  const extras = new Set<string>();
  const start = process.hrtime.bigint();
  const summary = await scanLedger(
    {
      db,
      policies: new PolicyStore({
        db,
        initial: loaded.value,
        clock: Date.now,
        cacheClock: () => performance.now(),
      }),
      clock: Date.now,
      logger: SILENT_LOGGER,
    },
    {
      dryRun: true,
      onExtras: (_order, ids) => {
        for (const id of ids) extras.add(id);
      },
    },
  );
  const seconds = secondsSince(start);
  if (summary.extras !== extras.size) throw new Error("scan summary and reported extras differ");
  return { seconds, extras };
}

async function timeGroupBy(db: Kysely<Database>): Promise<{ seconds: number; extras: number }> {
  const start = process.hrtime.bigint();
  const r = await sql<{ extras: number | null }>`
    select sum(n - 1)::bigint as extras from (
      select count(*) as n from payments
      group by order_id, charge_ref, amount_minor, currency
      having count(*) > 1
    ) g`.execute(db);
  const seconds = secondsSince(start);
  return { seconds, extras: Number(r.rows[0]?.extras ?? 0) };
}

async function main(): Promise<void> {
  const schema = `bench_ledger_${process.pid}`;
  log(
    `bench:ledger  ${new Date().toISOString()}  ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(2)}`,
  );
  let t = process.hrtime.bigint();
  const ledger = generate(N, SEED);
  log(
    `generated ${fmtInt(ledger.paymentCount)} payments on ${fmtInt(ledger.orders.id?.length ?? 0)} orders ` +
      `in ${secondsSince(t).toFixed(1)} s; ${fmtInt(ledger.extras.size)} extra by construction`,
  );
  log(
    "  orders: " +
      Object.entries(ledger.mix)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${fmtInt(v)}`)
        .join(", "),
  );
  const opened = await openDatabase({ databaseUrl: URL, schema, poolSize: 2 });
  try {
    await migrateToLatest(opened.db);
    t = process.hrtime.bigint();
    await load(opened.db, ledger);
    log(`loaded into PostgreSQL schema ${schema} in ${secondsSince(t).toFixed(1)} s`);

    const scans: number[] = [];
    const groups: number[] = [];
    let scanExtras = new Set<string>();
    let sqlExtras = 0;
    for (let i = 0; i < RUNS; i++) {
      const s = await timeScan(opened.db);
      scans.push(s.seconds);
      scanExtras = s.extras;
      const g = await timeGroupBy(opened.db);
      groups.push(g.seconds);
      sqlExtras = g.extras;
    }
    const missing = [...ledger.extras].filter((id) => !scanExtras.has(id));
    const unexpected = [...scanExtras].filter((id) => !ledger.extras.has(id));
    const same = missing.length === 0 && unexpected.length === 0;
    const scanBest = Math.min(...scans);
    const sqlBest = Math.min(...groups);

    log();
    log(`benchmark (best of ${RUNS})                               payments   seconds   extras`);
    log("-".repeat(86));
    log(
      `(a) ledger scan --dry-run (scanLedger, rule 2 per order) ${fmtInt(ledger.paymentCount).padStart(10)} ` +
        `${scanBest.toFixed(3).padStart(9)} ${fmtInt(scanExtras.size).padStart(8)}`,
    );
    log(
      `(b) SQL GROUP BY order, charge, amount; count > 1        ${fmtInt(ledger.paymentCount).padStart(10)} ` +
        `${sqlBest.toFixed(3).padStart(9)} ${fmtInt(sqlExtras).padStart(8)}`,
    );
    log(
      `    every run: (a) ${scans.map((s) => s.toFixed(3)).join(", ")}; (b) ${groups.map((s) => s.toFixed(3)).join(", ")}`,
    );
    log();
    log(
      `cross-check: the scan's extras ${same ? "EQUAL" : "DIFFER FROM"} the generator's ` +
        `(${fmtInt(scanExtras.size)} found, ${fmtInt(ledger.extras.size)} made; ` +
        `${missing.length} missed, ${unexpected.length} unexpected)`,
    );
    log(
      `the GROUP BY counts ${fmtInt(sqlExtras)}: it takes equal installments for duplicates and ` +
        `misses a card payment after a crypto one`,
    );
    log(
      `target: (a) at most ${TARGET_SCAN_SECONDS} s for ${fmtInt(ledger.paymentCount)} payments: ` +
        `${scanBest.toFixed(3)} s, ${scanBest <= TARGET_SCAN_SECONDS ? "met" : "NOT met"}`,
    );
    log(
      JSON.stringify({
        payments: ledger.paymentCount,
        scanSeconds: Number(scanBest.toFixed(3)),
        sqlGroupBySeconds: Number(sqlBest.toFixed(3)),
        extras: scanExtras.size,
      }),
    );
    if (!same) process.exitCode = 1;
  } finally {
    await opened.close();
    const admin = await openDatabase({ databaseUrl: URL, poolSize: 1 });
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
    } finally {
      await admin.close();
    }
  }
}

await main();
