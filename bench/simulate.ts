// `npm run bench:simulate`: a policy simulation (issue 16) over a large SQLite database.
//
// A seeded generator writes BENCH_REQUESTS refund requests (default 100,000) into a fresh SQLite
// file (migrated like the service's), submitted through 2026, each on its own order (one-off or
// subscription services, started or not, delivered or not, on time or late) with one or two
// payments (card, bank transfer; USD, EUR, THB; some a duplicate charge) and zero to two service
// events (client blockers, external incidents, internal faults), some recorded after the
// submission, in which case the request was evaluated again then. Each request's stored
// recommendation is the engine's decision under the shipped policy on the facts recorded by its
// evaluation instant, as the service stores it. Rows go in with prepared statements, 20,000 to a
// transaction.
//
// Then the shipped policy with a shorter request window (BENCH_WINDOW_DAYS, default 3) is
// simulated over every request through the use case the CLI and the worker call
// (`simulatePolicy`: keyset pages, typed facts, nothing written), on the service's own connection.
// Printed: the load, the simulation's time and its report's headline, and last one JSON line
// `{"requests":N,"seconds":N}`. Target: 10 s for 100,000 requests.
// Environment: BENCH_REQUESTS, BENCH_SEED, BENCH_WINDOW_DAYS, BENCH_KEEP=1 (keep the file).

import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { caseFromFacts } from "../src/app/requests/evaluate-order.js";
import { simulatePolicy } from "../src/app/simulations/simulate-policy.js";
import {
  decisionToJson,
  evaluateFacts,
  type Policy,
  type Reason,
} from "../src/core/policy/index.js";
import { seededRandom } from "../src/core/random/seeded-random.js";
import { simulationPeriod } from "../src/core/simulation/simulation.js";
import { SQLITE_FILE, openDatabase } from "../src/db/connection.js";
import { migrateToLatest } from "../src/db/migrations/index.js";
import type { OrderRow, PaymentRow, ServiceEventRow } from "../src/db/schema.js";
import { loadPolicyFile } from "../src/policy-file/load.js";
import { envInt } from "./env.js";

const TARGET_SECONDS = 10;
const N = envInt("BENCH_REQUESTS", 100_000, 10);
const SEED = envInt("BENCH_SEED", 20261206, 0);
const WINDOW_DAYS = envInt("BENCH_WINDOW_DAYS", 3, 0);
const BATCH = 20_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR_START = Date.parse("2026-01-01T00:00:00.000Z");
const YEAR_MS = Date.parse("2027-01-01T00:00:00.000Z") - YEAR_START;
const CLIENTS = 200;

function log(line = ""): void {
  process.stdout.write(line + "\n");
}
const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");
const secondsSince = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;
const iso = (ms: number): string => new Date(ms).toISOString();
const pad = (i: number): string => String(i).padStart(9, "0");

function shippedPolicy(): Policy {
  const loaded = loadPolicyFile();
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

/** Writes the generated year into the (migrated) SQLite file; returns the rows written. */
function load(file: string, n: number, seed: number, policy: Policy) {
  const r = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const db = new SqliteDatabase(file);
  // A bulk load, not the service: no fsync per batch, no foreign-key lookups.
  db.pragma("synchronous = OFF");
  db.pragma("foreign_keys = OFF");
  db.pragma("cache_size = -200000");
  const at = "2025-12-01T00:00:00.000Z";
  const ins = {
    client: db.prepare(
      "insert into clients (id, name, email, created_at, updated_at) values (?, ?, null, ?, ?)",
    ),
    order: db.prepare(
      `insert into orders (id, client_id, service_name, service_category, service_billing,
        price_minor, price_currency, placed_at, promised_start_by, promised_delivery_by,
        started_at, delivered_at, subscription_period_start, subscription_period_end,
        subscription_charge_ref, created_at, updated_at)
       values (@id, @client_id, @service_name, @service_category, @service_billing,
        @price_minor, @price_currency, @placed_at, @promised_start_by, @promised_delivery_by,
        @started_at, @delivered_at, @subscription_period_start, @subscription_period_end,
        @subscription_charge_ref, @created_at, @updated_at)`,
    ),
    payment: db.prepare(
      `insert into payments (id, order_id, client_id, charge_ref, amount_minor, currency, method,
        captured_at, provider_ref, refunded_minor, created_at, updated_at)
       values (@id, @order_id, @client_id, @charge_ref, @amount_minor, @currency, @method,
        @captured_at, @provider_ref, @refunded_minor, @created_at, @updated_at)`,
    ),
    event: db.prepare(
      `insert into service_events (id, order_id, kind, from_at, to_at, note, recorded_by, recorded_at)
       values (@id, @order_id, @kind, @from_at, @to_at, @note, @recorded_by, @recorded_at)`,
    ),
    request: db.prepare(
      `insert into refund_requests (id, order_id, client_id, reason, description, status,
        submitted_at, updated_at, recommendation_id, waiting_since)
       values (?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?)`,
    ),
    recommendation: db.prepare(
      `insert into recommendations (id, request_id, policy_version, outcome, amount_minor,
        amount_currency, decision_json, created_at, payout_latest, window_ends_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
  db.transaction(() => {
    for (let c = 0; c < CLIENTS; c++) ins.client.run(`cl_${c}`, `Client ${c}`, at, at);
  })();

  const reasons: readonly Reason[] = [
    "not_delivered",
    "not_delivered",
    "mismatch",
    "mismatch",
    "duplicate_payment",
    "unused_subscription",
    "other",
  ];
  const currencies = [
    ["USD", 2],
    ["USD", 2],
    ["EUR", 2],
    ["THB", 2],
  ] as const;
  const counts = { requests: 0, payments: 0, events: 0, reevaluated: 0, refused: 0 };
  const step = YEAR_MS / n;
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(n, from + BATCH);
    db.transaction(() => {
      for (let i = from; i < to; i++) {
        const id = pad(i);
        const orderId = `ord_${id}`;
        const clientId = `cl_${i % CLIENTS}`;
        const submitted = Math.floor(YEAR_START + i * step + r() * step);
        const placed = submitted - (20 + Math.floor(r() * 40)) * DAY;
        const subscription = r() < 0.15;
        const started = r() < 0.75 ? placed + Math.floor(r() * 6) * DAY : null;
        const promisedDelivery = placed + (10 + Math.floor(r() * 20)) * DAY;
        const delivered =
          started !== null && r() < 0.6
            ? Math.min(submitted - HOUR, promisedDelivery + Math.floor((r() - 0.6) * 10) * DAY)
            : null;
        const [currency] = pick(currencies);
        const price = 10_000 + Math.floor(r() * 2_000_000);
        const order: OrderRow = {
          id: orderId,
          client_id: clientId,
          service_name: subscription ? "Managed SOC" : "Penetration test",
          service_category: subscription ? "monitoring" : "audit",
          service_billing: subscription ? "subscription" : "one_off",
          price_minor: String(price),
          price_currency: currency,
          placed_at: iso(placed),
          promised_start_by: iso(placed + 5 * DAY),
          promised_delivery_by: iso(promisedDelivery),
          started_at: started === null ? null : iso(Math.max(placed, started)),
          delivered_at:
            delivered === null || started === null ? null : iso(Math.max(started, delivered)),
          subscription_period_start: subscription ? iso(placed) : null,
          subscription_period_end: subscription ? iso(placed + 30 * DAY) : null,
          subscription_charge_ref: subscription ? `ch_${id}` : null,
          created_at: iso(placed),
          updated_at: iso(placed),
          version: 0,
        };
        ins.order.run(order);
        const method = r() < 0.7 ? "card" : "bank_transfer";
        const payments: PaymentRow[] = [];
        const paymentsCount = r() < 0.08 ? 2 : 1; // a second full charge: a duplicate
        for (let k = 0; k < paymentsCount; k++) {
          const captured = placed + HOUR + k * 7 * DAY;
          const p: PaymentRow = {
            id: `pay_${id}_${k}`,
            order_id: orderId,
            client_id: clientId,
            charge_ref: subscription ? `ch_${id}` : `inv_${id}`,
            amount_minor: String(price),
            currency,
            method,
            captured_at: iso(captured),
            provider_ref: null,
            refunded_minor: "0",
            created_at: iso(captured),
            updated_at: iso(captured),
            version: 0,
          };
          ins.payment.run(p);
          payments.push(p);
        }
        const events: ServiceEventRow[] = [];
        const eventsCount = r() < 0.3 ? 1 + Math.floor(r() * 2) : 0;
        for (let k = 0; k < eventsCount; k++) {
          const fromAt = placed + (1 + Math.floor(r() * 10)) * DAY;
          // A third of the events are recorded after the submission (the request is evaluated
          // again then); the others before it.
          const recorded = r() < 0.33 ? submitted + (1 + Math.floor(r() * 48)) * HOUR : fromAt;
          const e: ServiceEventRow = {
            id: `sev_${id}_${k}`,
            order_id: orderId,
            kind: pick(["client_blocker", "external_incident", "internal_fault"] as const),
            from_at: iso(fromAt),
            to_at: r() < 0.8 ? iso(fromAt + (1 + Math.floor(r() * 4)) * DAY) : null,
            note: "Bench event",
            recorded_by: "tok_bench",
            recorded_at: iso(Math.min(recorded, Date.parse("2027-03-01T00:00:00Z"))),
          };
          ins.event.run(e);
          events.push(e);
        }
        events.sort((a, b) => (a.from_at < b.from_at ? -1 : a.from_at > b.from_at ? 1 : 0));
        // The request's latest evaluation: its submission, or the last event recorded after it.
        let evaluated = submitted;
        for (const e of events) evaluated = Math.max(evaluated, Date.parse(e.recorded_at));
        if (evaluated > submitted) counts.reevaluated++;
        const at = iso(evaluated);
        const reason = pick(reasons);
        const description = r() < 0.03 ? " " : "The service was not what we paid for.";
        const facts = caseFromFacts(
          {
            order,
            payments: payments.filter((p) => p.created_at <= at),
            events: events.filter((e) => e.recorded_at <= at),
          },
          { reason, submittedAt: submitted, description, attachments: 0 },
          evaluated,
        );
        const decision = facts.ok ? evaluateFacts(facts.value, policy) : facts;
        const reqId = `req_${id}`;
        const recId = decision.ok ? `rec_${id}` : null;
        ins.request.run(
          reqId,
          orderId,
          clientId,
          reason,
          description,
          iso(submitted),
          at,
          recId,
          iso(submitted),
        );
        if (decision.ok && recId !== null) {
          const d = decision.value;
          const json = decisionToJson(d);
          ins.recommendation.run(
            recId,
            reqId,
            d.policyVersion,
            d.outcome,
            d.amount === null ? null : String(d.amount.minor),
            d.amount === null ? null : d.amount.currency,
            JSON.stringify(json),
            at,
            json.deadlines.payoutLatest,
            json.deadlines.requestWindowEndsAt,
          );
        } else counts.refused++;
        counts.requests++;
        counts.payments += payments.length;
        counts.events += events.length;
      }
    })();
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return counts;
}

async function main(): Promise<void> {
  log(
    `bench:simulate  ${new Date().toISOString()}  ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const inForce = shippedPolicy();
  const candidate: Policy = {
    ...inForce,
    version: `${inForce.version}-window-${WINDOW_DAYS}`,
    params: { ...inForce.params, requestWindowDays: WINDOW_DAYS },
  };
  const dir = mkdtempSync(join(os.tmpdir(), "bench-simulate-"));
  try {
    const opened = await openDatabase({ dataDir: dir });
    await migrateToLatest(opened.db);
    await opened.close();
    const file = join(dir, SQLITE_FILE);
    let t = process.hrtime.bigint();
    const counts = load(file, N, SEED, inForce);
    log(
      `loaded ${fmtInt(counts.requests)} requests (${fmtInt(counts.reevaluated)} evaluated again ` +
        `after an event, ${fmtInt(counts.refused)} without a recommendation), ` +
        `${fmtInt(counts.payments)} payments, ${fmtInt(counts.events)} service events in ` +
        `${secondsSince(t).toFixed(1)} s; file ${fmtInt(statSync(file).size / 1e6)} MB`,
    );

    const db = await openDatabase({ dataDir: dir });
    try {
      const period = simulationPeriod({}, candidate.params.timezone);
      if (!period.ok) throw new Error(period.error.message);
      t = process.hrtime.bigint();
      const report = await simulatePolicy(
        { db: db.db },
        { policy: candidate, period: period.value },
      );
      const seconds = secondsSince(t);
      log();
      log(
        `simulated ${candidate.version} over ${fmtInt(report.requests)} requests in ` +
          `${seconds.toFixed(2)} s (${fmtInt(report.requests / seconds)} requests/s): ` +
          `${fmtInt(report.changed)} recommendations change`,
      );
      for (const cell of report.matrix) {
        if (cell.count > 0 && cell.from !== cell.to) {
          log(`  ${cell.from} -> ${cell.to}: ${fmtInt(cell.count)}`);
        }
      }
      for (const total of report.totals) {
        log(`  ${total.currency}: ${total.before} -> ${total.after} (${total.change})`);
      }
      log();
      log(
        `target: at most ${TARGET_SECONDS} s for 100,000 requests: ${seconds.toFixed(2)} s for ` +
          `${fmtInt(report.requests)}${report.requests >= 100_000 ? `, ${seconds <= TARGET_SECONDS ? "met" : "NOT met"}` : " (a smaller run: no verdict)"}`,
      );
      log(JSON.stringify({ requests: report.requests, seconds: Number(seconds.toFixed(3)) }));
    } finally {
      await db.close();
    }
  } finally {
    if (process.env["BENCH_KEEP"] === "1") log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
