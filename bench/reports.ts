// `npm run bench:reports`: the reports' queries on a large SQLite database, side by side.
//
// A seeded generator writes a year of a busy desk into a fresh SQLite file (migrated like the
// service's): BENCH_REQUESTS refund requests (default 1,000,000) submitted through 2026, each on
// its own order and payment, with the engine's recommendation (about 1 KB of decision JSON, as
// stored), the decisions (a second one after some appeals), the payouts of approvals with their
// due windows and outcomes, and duplicate payments found and refunded. Rows go in with prepared
// statements, 50,000 to a transaction, chronologically (as the desk writes them).
//
// Then each report is read for the year 2026 through the use case the API calls (`getReport`:
// the period and buckets in the policy's zone, one SQL query, the rows made), BENCH_RUNS times
// (default 3), on the service's own connection (`openDatabase`). Printed: each report's times
// side by side, the best kept, and last one JSON line
// `{"requests":N,"slowestReportMs":N}` (the slowest report's best time). Target: 1,000 ms.
// Environment: BENCH_REQUESTS, BENCH_SEED, BENCH_RUNS, BENCH_ZONE (default Asia/Bangkok).

import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { createAppDeps } from "../src/app/context.js";
import { getReport } from "../src/app/reports/get-report.js";
import { SYSTEM_USER_ID } from "../src/core/access/index.js";
import { REASONS } from "../src/core/policy/index.js";
import { seededRandom } from "../src/core/random/seeded-random.js";
import { REPORT_NAMES, type ReportName } from "../src/core/reports/index.js";
import { SQLITE_FILE, openDatabase } from "../src/db/connection.js";
import { migrateToLatest } from "../src/db/migrations/index.js";
import { loadPolicyFile } from "../src/policy-file/load.js";
import { envInt } from "./env.js";
import { localAttachmentStorage } from "../src/storage/index.js";

const TARGET_MS = 1000;
const N = envInt("BENCH_REQUESTS", 1_000_000, 100);
const SEED = envInt("BENCH_SEED", 20261206, 0);
const RUNS = envInt("BENCH_RUNS", 3, 1);
const ZONE = process.env["BENCH_ZONE"]?.trim() || "Asia/Bangkok";
const BATCH = 50_000;
const DAY = 86_400_000;
const YEAR_START = Date.parse("2026-01-01T00:00:00.000Z");
const YEAR_MS = Date.parse("2027-01-01T00:00:00.000Z") - YEAR_START;
const CLIENTS = 200;
const REVIEWERS = 20;

function log(line = ""): void {
  process.stdout.write(line + "\n");
}
const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");
const msSince = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;
const iso = (ms: number): string => new Date(ms).toISOString();
const day = (ms: number): string => iso(ms).slice(0, 10);
const pad = (i: number): string => String(i).padStart(9, "0");

/** About 1 KB, as a stored recommendation's decision JSON is (clauses, explanation, lines). */
const DECISION_JSON = JSON.stringify({
  outcome: "refund",
  explanation:
    "The service was not started within the promised timeframe because of an administrative delay on our side; the client is entitled to a full refund of the amount paid for the service that was not delivered. ".repeat(
      3,
    ),
  clauses: ["refunds.not-delivered", "procedure.approval-processing"],
  deadlines: { requestWindowEndsAt: "2026-03-09T23:59:59.999Z", payoutLatest: "2026-03-23" },
  refunds: [
    { paymentId: "pay_000000000", method: "card", amount: { amount: "4800.00", currency: "USD" } },
  ],
});

interface Weighted<T> {
  readonly value: T;
  readonly weight: number;
}
function picker<T>(r: () => number, items: readonly Weighted<T>[]): () => T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  return () => {
    let x = r() * total;
    for (const i of items) {
      x -= i.weight;
      if (x < 0) return i.value;
    }
    return items[items.length - 1]!.value;
  };
}

interface Counts {
  requests: number;
  recommendations: number;
  decisions: number;
  payouts: number;
  duplicates: number;
}

/** Writes the generated year into the (migrated) SQLite file; returns what it wrote. */
function load(file: string, n: number, seed: number): Counts {
  const r = seededRandom(seed);
  const db = new SqliteDatabase(file);
  // A bulk load, not the service: no fsync per batch, no foreign-key lookups (the generator
  // writes consistent rows), WAL kept.
  db.pragma("synchronous = OFF");
  db.pragma("foreign_keys = OFF");
  db.pragma("cache_size = -200000");
  const at = "2025-12-01T00:00:00.000Z";
  const ins = {
    client: db.prepare(
      "insert into clients (id, name, email, created_at, updated_at) values (?, ?, null, ?, ?)",
    ),
    user: db.prepare(
      "insert into users (id, email, name, role, client_id, password_hash, created_at, updated_at) values (?, ?, ?, 'qa', null, '!', ?, ?)",
    ),
    order: db.prepare(
      "insert into orders (id, client_id, service_name, service_category, service_billing, price_minor, price_currency, placed_at, created_at, updated_at) values (?, ?, 'Managed SOC', 'monitoring', 'one_off', ?, ?, ?, ?, ?)",
    ),
    payment: db.prepare(
      "insert into payments (id, order_id, client_id, charge_ref, amount_minor, currency, method, captured_at, refunded_minor, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    request: db.prepare(
      "insert into refund_requests (id, order_id, client_id, reason, description, status, submitted_at, updated_at, reviewer_id, closed_at, recommendation_id, waiting_since) values (?, ?, ?, ?, 'Bench request', ?, ?, ?, ?, ?, ?, ?)",
    ),
    recommendation: db.prepare(
      "insert into recommendations (id, request_id, policy_version, outcome, amount_minor, amount_currency, decision_json, created_at, payout_latest) values (?, ?, '2026-01', ?, ?, ?, ?, ?, ?)",
    ),
    decision: db.prepare(
      "insert into decisions (id, request_id, recommendation_id, decided_by, kind, amount_minor, amount_currency, justification, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    payout: db.prepare(
      "insert into payouts (id, request_id, decision_id, payment_id, method, amount_minor, currency, status, due_earliest, due_latest, idempotency_key, created_at, updated_at, succeeded_at, approvals) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]')",
    ),
    duplicate: db.prepare(
      "insert into duplicate_payments (payment_id, order_id, request_id, how, created_at) values (?, ?, ?, 'opened', ?)",
    ),
  };
  db.transaction(() => {
    for (let c = 0; c < CLIENTS; c++) ins.client.run(`cl_${c}`, `Client ${c}`, at, at);
    for (let u = 0; u < REVIEWERS; u++) {
      ins.user.run(`usr_qa${u}`, `qa${u}@bench.test`, `Reviewer ${u}`, at, at);
    }
  })();

  const reason = picker(r, [
    { value: "not_delivered", weight: 35 },
    { value: "mismatch", weight: 25 },
    { value: "duplicate_payment", weight: 10 },
    { value: "unused_subscription", weight: 15 },
    { value: "other", weight: 15 },
  ] as Weighted<(typeof REASONS)[number]>[]);
  const outcome = picker(r, [
    { value: "refund", weight: 45 },
    { value: "deny", weight: 30 },
    { value: "review", weight: 18 },
    { value: "incomplete", weight: 2 },
    { value: null, weight: 5 },
  ] as Weighted<string | null>[]);
  const status = picker(r, [
    { value: "approved", weight: 48 },
    { value: "denied", weight: 30 },
    { value: "alternative_accepted", weight: 4 },
    { value: "alternative_offered", weight: 1 },
    { value: "withdrawn", weight: 5 },
    { value: "submitted", weight: 3 },
    { value: "in_review", weight: 6 },
    { value: "info_requested", weight: 3 },
  ]);
  const money = picker(r, [
    { value: ["card", "USD"], weight: 50 },
    { value: ["card", "EUR"], weight: 12 },
    { value: ["bank_transfer", "USD"], weight: 15 },
    { value: ["bank_transfer", "THB"], weight: 8 },
    { value: ["crypto", "USDT"], weight: 6 },
    { value: ["crypto", "ETH"], weight: 4 },
    { value: ["other", "USD"], weight: 5 },
  ] as Weighted<[string, string]>[]);
  const payoutStatus = picker(r, [
    { value: "succeeded", weight: 90 },
    { value: "scheduled", weight: 6 },
    { value: "failed", weight: 3 },
    { value: "reissued", weight: 1 },
  ]);
  const counts: Counts = {
    requests: 0,
    recommendations: 0,
    decisions: 0,
    payouts: 0,
    duplicates: 0,
  };
  const step = YEAR_MS / n;

  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(n, from + BATCH);
    db.transaction(() => {
      for (let i = from; i < to; i++) {
        const id = pad(i);
        const reqId = `req_${id}`;
        const orderId = `ord_${id}`;
        const payId = `pay_${id}`;
        const clientId = `cl_${i % CLIENTS}`;
        const submitted = YEAR_START + i * step + r() * step;
        const [method, currency] = money();
        const minor =
          currency === "ETH"
            ? `${1 + Math.floor(r() * 40)}${"0".repeat(16)}`
            : String(10_000 + Math.floor(r() * 2_000_000));
        const placed = iso(submitted - 20 * DAY);
        ins.order.run(orderId, clientId, minor, currency, placed, placed, placed);
        ins.payment.run(
          payId,
          orderId,
          clientId,
          orderId,
          minor,
          currency,
          method,
          placed,
          "0",
          placed,
          placed,
        );

        const why = reason();
        const rec = outcome();
        const recId = rec === null ? null : `rec_${id}`;
        const st = status();
        const decided = !["submitted", "in_review", "info_requested", "withdrawn"].includes(st);
        const decidedAt = submitted + (0.05 + r() * r() * 20) * DAY;
        const system = why === "duplicate_payment" && r() < 0.5;
        const reviewer = system ? SYSTEM_USER_ID : `usr_qa${Math.floor(r() * REVIEWERS)}`;
        const open = ["submitted", "in_review", "info_requested", "alternative_offered"].includes(
          st,
        );
        ins.request.run(
          reqId,
          orderId,
          clientId,
          why,
          st,
          iso(submitted),
          iso(decided ? decidedAt : submitted),
          st === "submitted" ? null : reviewer,
          decided && !open ? iso(decidedAt) : null,
          recId,
          open ? iso(submitted + r() * 5 * DAY) : null,
        );
        counts.requests++;
        if (rec !== null) {
          const amount = rec === "refund" ? minor : null;
          ins.recommendation.run(
            recId,
            reqId,
            rec,
            amount,
            amount === null ? null : currency,
            DECISION_JSON,
            iso(submitted),
            rec === "refund" ? day(submitted + 18 * DAY) : null,
          );
          counts.recommendations++;
        }
        if (!decided) continue;
        // Some decisions were appealed: a first denial, then the decision that stands.
        if (st === "approved" && r() < 0.03) {
          ins.decision.run(
            `dec_${id}_a`,
            reqId,
            recId,
            reviewer,
            "deny",
            null,
            null,
            "Denied first.",
            iso(decidedAt - DAY),
          );
          counts.decisions++;
        }
        const kind = st === "approved" ? "approve" : st === "denied" ? "deny" : "offer_alternative";
        const follows = r() < 0.8;
        const approved = kind === "approve" ? (follows ? minor : String(BigInt(minor) / 2n)) : null;
        const decId = `dec_${id}`;
        ins.decision.run(
          decId,
          reqId,
          recId,
          reviewer,
          kind,
          approved,
          approved === null ? null : currency,
          follows ? null : "Departed.",
          iso(decidedAt),
        );
        counts.decisions++;
        if (kind !== "approve" || approved === null) continue;
        const ps = payoutStatus();
        const sentAt = decidedAt + (0.5 + r() * r() * 25) * DAY;
        ins.payout.run(
          `po_${id}`,
          reqId,
          decId,
          payId,
          method,
          approved,
          currency,
          ps,
          day(decidedAt + 9 * DAY),
          day(decidedAt + 18 * DAY),
          `po_${id}`,
          iso(decidedAt),
          iso(decidedAt),
          ps === "succeeded" ? iso(sentAt) : null,
        );
        counts.payouts++;
        // Duplicate payments: a second charge of the same order, tied to a request and refunded.
        if (why === "duplicate_payment") {
          const dupId = `pay_${id}_x`;
          const refunded = ps === "succeeded" ? approved : "0";
          ins.payment.run(
            dupId,
            orderId,
            clientId,
            orderId,
            minor,
            currency,
            method,
            placed,
            refunded,
            placed,
            placed,
          );
          ins.duplicate.run(dupId, orderId, reqId, iso(submitted));
          counts.duplicates++;
        }
      }
    })();
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return counts;
}

async function main(): Promise<void> {
  log(
    `bench:reports  ${new Date().toISOString()}  ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const dir = mkdtempSync(join(os.tmpdir(), "bench-reports-"));
  try {
    const opened = await openDatabase({ dataDir: dir });
    await migrateToLatest(opened.db);
    await opened.close();
    const file = join(dir, SQLITE_FILE);
    let t = process.hrtime.bigint();
    const counts = load(file, N, SEED);
    log(
      `loaded ${fmtInt(counts.requests)} requests, ${fmtInt(counts.recommendations)} recommendations, ` +
        `${fmtInt(counts.decisions)} decisions, ${fmtInt(counts.payouts)} payouts, ` +
        `${fmtInt(counts.duplicates)} duplicate payments in ${(msSince(t) / 1000).toFixed(1)} s; ` +
        `file ${fmtInt(statSync(file).size / 1e6)} MB`,
    );

    const loaded = loadPolicyFile();
    if (!loaded.ok) throw new Error(loaded.error.message);
    const policy = { ...loaded.value, params: { ...loaded.value.params, timezone: ZONE } };
    const db = await openDatabase({ dataDir: dir });
    try {
      const deps = createAppDeps({
        db: db.db,
        dialect: db.dialect,
        policy,
        clock: () => Date.parse("2027-01-15T12:00:00.000Z"),
        dataDir: dir,
        attachments: localAttachmentStorage(db.db, dir),
      });
      const ctx = { actor: { role: "admin", userId: "usr_admin" } as const, ip: null };
      const times = new Map<ReportName, number[]>();
      const rowCounts = new Map<ReportName, number>();
      for (let run = 0; run < RUNS; run++) {
        for (const name of REPORT_NAMES) {
          t = process.hrtime.bigint();
          const report = await getReport(deps, ctx, name, { from: "2026-01-01", to: "2026-12-31" });
          const ms = msSince(t);
          times.set(name, [...(times.get(name) ?? []), ms]);
          rowCounts.set(name, report.rows.length);
        }
      }
      log();
      log(`report (2026-01-01..2026-12-31, ${ZONE})   rows   best ms   every run (ms)`);
      log("-".repeat(78));
      let slowest = 0;
      for (const name of REPORT_NAMES) {
        const all = times.get(name) ?? [];
        const best = Math.min(...all);
        slowest = Math.max(slowest, best);
        log(
          `${name.padEnd(38)} ${String(rowCounts.get(name)).padStart(5)} ${best.toFixed(0).padStart(9)}   ${all.map((x) => x.toFixed(0)).join(", ")}`,
        );
      }
      log();
      log(
        `target: the slowest report at most ${fmtInt(TARGET_MS)} ms: ${slowest.toFixed(0)} ms, ${slowest <= TARGET_MS ? "met" : "NOT met"}`,
      );
      log(JSON.stringify({ requests: counts.requests, slowestReportMs: Math.round(slowest) }));
    } finally {
      await db.close();
    }
  } finally {
    if (process.env["BENCH_KEEP"] === "1") log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
