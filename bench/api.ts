// `npm run bench:api`: the HTTP service under load, measured with autocannon (50 connections).
//
// The server runs in a child process (bench/api-server.ts): the real service (logger off) on a
// fresh database, plus a bare Fastify instance with one route in the same process. This process
// only generates load, so autocannon does not share the server's event loop. Runs, each after a
// short warm-up of the same load:
//   bare   GET /bare on the bare Fastify instance: the ceiling (SQLite child only).
//   read   GET /api/v1/requests/:id as the request's client (session cookie from POST /session).
//   write  POST /api/v1/requests as the client (cookie + X-CSRF-Token), each on an order of its
//          own (a second open request on one order and reason answers 409); only 2xx count.
// first on SQLite (a fresh temporary DATA_DIR, WAL, commits synced before they return) and then on PostgreSQL (a
// fresh schema, dropped afterwards). Everything this run creates (child processes, temporary
// directories, the schema) is removed at the end, also on failure or Ctrl-C.
//
// Targets (issue 3): reads >= 40% of the bare route's rate with p99 <= 25 ms; SQLite writes >=
// 3,000/s. A benchmark prints figures; it never fails on a time. The last line printed is one
// JSON object: {"bareRps","readRps","readP99Ms","writeRps","writeP99Ms","pgReadRps","pgWriteRps"}.
//
// Environment: BENCH_SECONDS (per run, default 10), BENCH_WARMUP (seconds, default 2, 0 = none),
// BENCH_CONNECTIONS (default 50), BENCH_ORDERS (orders seeded for the write run, default
// (seconds + warm-up) x 12,500), BENCH_PG_URL (else DATABASE_URL, else
// postgresql://postgres@127.0.0.1:5432/test), BENCH_PG=0 (skip PostgreSQL), BENCH_RUNS (a
// comma-separated subset of bare,read,write; default all: handy with BENCH_PROFILE),
// BENCH_PROFILE=<dir> (CPU-profile the server during each measured run: <dir>/<db>-<run>.cpuprofile
// and a summary of where the time goes; profiling slows the server, so the figures are lower).

import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import type { ServerReady } from "./api-server.js";
import { formatProfileSummary, summarizeProfile } from "./cpu-profile.js";
import { envInt } from "./env.js";

const TARGET_READ_VS_BARE = 0.4;
const TARGET_READ_P99_MS = 25;
const TARGET_SQLITE_WRITES = 3000;
/** Orders seeded per second of write load (warm-up included): well above any rate seen here. */
const ORDERS_PER_SECOND = 12_500;

const SECONDS = envInt("BENCH_SECONDS", 10, 1);
const WARMUP = envInt("BENCH_WARMUP", 2, 0);
const CONNECTIONS = envInt("BENCH_CONNECTIONS", 50, 1);
const PG_URL =
  process.env["BENCH_PG_URL"]?.trim() ||
  process.env["DATABASE_URL"]?.trim() ||
  "postgresql://postgres@127.0.0.1:5432/test";
const WITH_PG = process.env["BENCH_PG"]?.trim() !== "0";
const RUN_NAMES = ["bare", "read", "write"] as const;
type RunName = (typeof RUN_NAMES)[number];
const RUNS: ReadonlySet<RunName> = (() => {
  const raw = process.env["BENCH_RUNS"]?.trim();
  if (raw === undefined || raw === "") return new Set(RUN_NAMES);
  const names = raw.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(RUN_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`BENCH_RUNS: unknown run(s) ${unknown.join(", ")}`);
  return new Set(names as RunName[]);
})();
/** Orders for the write run to file on (none needed without it). */
const ORDERS = envInt(
  "BENCH_ORDERS",
  RUNS.has("write") ? (SECONDS + WARMUP) * ORDERS_PER_SECOND : 0,
  0,
);
const PROFILE_DIR = process.env["BENCH_PROFILE"]?.trim() || undefined;

const SERVER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "api-server.js");
/** How long the child may take to migrate, seed and listen (150k orders on a busy machine). */
const START_TIMEOUT_MS = 10 * 60_000;
const COMMAND_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

// ---- cleaning up, whatever happens ---------------------------------------------------------------

type Cleanup = { readonly what: string; readonly run: () => Promise<void> | void };
const cleanups: Cleanup[] = [];

/** Runs (once, newest first) everything registered so far. */
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const c = cleanups.pop();
    if (c === undefined) break;
    try {
      await c.run();
    } catch (err) {
      process.stderr.write(`cleanup (${c.what}) failed: ${String(err)}\n`);
    }
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

function tempDir(label: string): string {
  const dir = mkdtempSync(join(os.tmpdir(), `refund-desk-bench-${label}-`));
  cleanups.push({
    what: `remove ${dir}`,
    run: () => rmSync(dir, { recursive: true, force: true }),
  });
  return dir;
}

async function dropSchemaLater(url: string, schema: string): Promise<void> {
  cleanups.push({
    what: `drop schema ${schema}`,
    run: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  });
}

// ---- the server child ---------------------------------------------------------------------------

interface ServerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

interface Mark {
  readonly elapsedMs: number;
  readonly cpuMs: number;
  readonly eventLoopUtilization: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

class ServerProcess {
  private readonly waiting: ((m: ServerMessage) => void)[] = [];
  private readonly queued: ServerMessage[] = [];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolveExit) =>
      child.once("exit", (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : -1);
        resolveExit(this.exitCode);
      }),
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      let message: ServerMessage | undefined;
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === "object" && parsed !== null && "type" in parsed) {
          message = parsed as ServerMessage;
        }
      } catch {
        /* not ours: passed through below */
      }
      if (message === undefined) {
        process.stderr.write(`[server] ${line}\n`);
        return;
      }
      const waiter = this.waiting.shift();
      if (waiter === undefined) this.queued.push(message);
      else waiter(message);
    });
  }

  static start(label: string, env: Record<string, string>): ServerProcess {
    const child = spawn(process.execPath, [SERVER_SCRIPT], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, ...env },
    });
    const server = new ServerProcess(child);
    cleanups.push({ what: `stop the ${label} server`, run: () => server.stop() });
    return server;
  }

  /** The next message from the child; rejects if it exits first or takes too long. */
  next(timeoutMs: number): Promise<ServerMessage> {
    const queued = this.queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolveMessage, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(deliver);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`the server did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const deliver = (m: ServerMessage) => {
        clearTimeout(timer);
        resolveMessage(m);
      };
      this.waiting.push(deliver);
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (code ${String(code)})`));
      });
    });
  }

  async ready(): Promise<ServerReady> {
    const m = await this.next(START_TIMEOUT_MS);
    if (m.type !== "ready") throw new Error(`server: ${JSON.stringify(m)}`);
    return m as unknown as ServerReady;
  }

  async command(cmd: object): Promise<ServerMessage> {
    this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    const m = await this.next(COMMAND_TIMEOUT_MS);
    if (m.type === "error") throw new Error(`server: ${String(m["message"])}`);
    return m;
  }

  async mark(): Promise<Mark> {
    return (await this.command({ cmd: "mark" })) as unknown as Mark;
  }

  /** Asks the child to stop; kills it if it does not exit in time. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    if (this.child.stdin?.writable === true)
      this.child.stdin.end(`${JSON.stringify({ cmd: "stop" })}\n`);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---- measuring -----------------------------------------------------------------------------------

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolveResult, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolveResult(result)));
  });
}

interface Measured {
  readonly db: string;
  readonly run: RunName;
  /** 2xx responses per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Share of the measured time the server's event loop was busy (1 = saturated). */
  readonly serverElu: number;
  /** Server CPU time over wall time (may exceed 100% with libuv threads, e.g. argon2, fsync). */
  readonly serverCpu: number;
  /** The longest the server's event loop was held up at once (ms). */
  readonly loopDelayMaxMs: number;
  readonly load1: number;
}

async function measure(
  server: ServerProcess,
  db: string,
  run: Measured["run"],
  opts: autocannon.Options,
): Promise<Measured> {
  const base: autocannon.Options = {
    connections: CONNECTIONS,
    pipelining: 1,
    timeout: 10,
    // Latency of the successful responses only; the others are counted apart.
    excludeErrorStats: true,
    ...opts,
  };
  process.stderr.write(`${db} ${run}: warm-up ${WARMUP} s, then ${SECONDS} s ...\n`);
  if (WARMUP > 0) await cannon({ ...base, duration: WARMUP });
  const profileFile =
    PROFILE_DIR === undefined ? undefined : resolve(PROFILE_DIR, `${db}-${run}.cpuprofile`);
  if (profileFile !== undefined) await server.command({ cmd: "profile-start" });
  await server.mark();
  const result = await cannon({ ...base, duration: SECONDS });
  const mark = await server.mark();
  const load1 = os.loadavg()[0] ?? 0;
  if (profileFile !== undefined) {
    await server.command({ cmd: "profile-stop", file: profileFile });
    process.stderr.write(
      `${formatProfileSummary(`profile ${profileFile}`, summarizeProfile(profileFile))}\n`,
    );
  }
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    db,
    run,
    rps: result["2xx"] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result["2xx"],
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors + result.timeouts,
    serverElu: mark.eventLoopUtilization,
    serverCpu: mark.cpuMs / Math.max(mark.elapsedMs, 1),
    loopDelayMaxMs: mark.loopDelayMaxMs,
    load1,
  };
}

/** POST /requests, each on an order of its own; only 2xx count. */
async function measureWrites(server: ServerProcess, db: string, ready: ServerReady) {
  let nextOrder = 0;
  const description = "Bench: the service never started and nobody answers.";
  const measured = await measure(server, db, "write", {
    url: ready.apiUrl,
    requests: [
      {
        method: "POST",
        path: "/api/v1/requests",
        headers: {
          "content-type": "application/json",
          cookie: ready.cookie,
          "x-csrf-token": ready.csrfToken,
        },
        // Called for every request autocannon builds: each one files on an order of its own.
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            orderId: `${ready.orderPrefix}${nextOrder++}`,
            reason: ready.reason,
            description,
          }),
        }),
      },
    ],
  });
  if (nextOrder > ready.orderCount) {
    process.stderr.write(
      `${db}: ran out of seeded orders (${nextOrder} built, ${ready.orderCount} seeded): ` +
        `the 404s are those; raise BENCH_ORDERS\n`,
    );
  }
  return measured;
}

async function benchDatabase(db: "sqlite" | "postgres", withBare: boolean): Promise<Measured[]> {
  const dataDir = tempDir(db);
  const env: Record<string, string> = { BENCH_DATA_DIR: dataDir, BENCH_ORDERS: String(ORDERS) };
  if (db === "postgres") {
    const schema = `bench_api_${process.pid}_${Date.now().toString(36)}`;
    await dropSchemaLater(PG_URL, schema);
    env["BENCH_DATABASE_URL"] = PG_URL;
    env["BENCH_PG_SCHEMA"] = schema;
  }
  process.stderr.write(`${db}: starting the server and seeding ${ORDERS} orders ...\n`);
  const server = ServerProcess.start(db, env);
  const ready = await server.ready();
  process.stderr.write(`${db}: ready (seeded in ${ready.seedSeconds} s)\n`);

  const results: Measured[] = [];
  if (withBare && RUNS.has("bare")) {
    results.push(await measure(server, db, "bare", { url: ready.bareUrl }));
  }
  if (RUNS.has("read")) {
    results.push(
      await measure(server, db, "read", {
        url: `${ready.apiUrl}/api/v1/requests/${encodeURIComponent(ready.requestId)}`,
        headers: { cookie: ready.cookie },
      }),
    );
  }
  if (RUNS.has("write")) results.push(await measureWrites(server, db, ready));
  await server.stop();
  return results;
}

/**
 * The disk's durable-commit rate: one-row SQLite transactions in WAL with synchronous=FULL (the
 * service's settings), back to back for `ms`. With one fsync per commit this bounds the SQLite
 * write run of any design that commits each request on its own.
 */
function durableCommitsPerSecond(dir: string, ms = 1500): number {
  const db = new SqliteDatabase(join(dir, "fsync-probe.sqlite"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("create table probe (id integer primary key, v text not null)");
    const insert = db.prepare("insert into probe (v) values (?)");
    const row = "x".repeat(200);
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      db.exec("begin immediate");
      insert.run(row);
      db.exec("commit");
      n++;
    }
    return n / ((performance.now() - start) / 1000);
  } finally {
    db.close();
  }
}

// ---- reporting -----------------------------------------------------------------------------------

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (n: number) => `${(100 * n).toFixed(0)}%`;

function table(rows: readonly Measured[], bareRps: number | null): string {
  const header = [
    "db",
    "run",
    "2xx/s",
    "p50 ms",
    "p99 ms",
    "2xx",
    "non-2xx",
    "errors",
    "vs bare",
    "srv loop",
    "srv cpu",
    "cpu µs/2xx",
    "blocked max ms",
    "load1",
  ];
  const body = rows.map((r) => [
    r.db,
    r.run,
    int(r.rps),
    String(round(r.p50Ms, 2)),
    String(round(r.p99Ms, 2)),
    int(r.ok),
    r.non2xx === 0
      ? "0"
      : `${int(r.non2xx)} (${Object.entries(r.statusCodes)
          .filter(([code]) => !code.startsWith("2"))
          .map(([code, n]) => `${code}: ${n}`)
          .join(", ")})`,
    int(r.errors),
    bareRps === null || bareRps === 0 ? "-" : pct(r.rps / bareRps),
    pct(r.serverElu),
    pct(r.serverCpu),
    r.rps > 0 ? int((r.serverCpu / r.rps) * 1e6) : "-",
    String(Math.round(r.loopDelayMaxMs)),
    r.load1.toFixed(2),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

function verdict(ok: boolean): string {
  return ok ? "met" : "MISSED";
}

async function main(): Promise<void> {
  const startLoad = os.loadavg();
  if (PROFILE_DIR !== undefined) mkdirSync(PROFILE_DIR, { recursive: true });
  const rows: Measured[] = [];
  let commitsPerSecond = 0;
  try {
    commitsPerSecond = durableCommitsPerSecond(tempDir("probe"));
    rows.push(...(await benchDatabase("sqlite", true)));
    if (WITH_PG) rows.push(...(await benchDatabase("postgres", false)));
  } finally {
    await cleanUp();
  }
  const find = (db: string, run: string) => rows.find((r) => r.db === db && r.run === run);
  const bare = find("sqlite", "bare");
  const read = find("sqlite", "read");
  const write = find("sqlite", "write");
  const pgRead = find("postgres", "read");
  const pgWrite = find("postgres", "write");
  const bareRps = bare?.rps ?? null;

  const cpus = os.cpus().length;
  const out: string[] = [];
  out.push("");
  out.push(
    `Service API benchmark: ${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP} s ` +
      `warm-up; ${ORDERS.toLocaleString("en-US")} orders seeded per database; node ${process.version}, ` +
      `${cpus} CPUs, load average at start ${startLoad.map((l) => l.toFixed(2)).join(" / ")}` +
      (PROFILE_DIR === undefined ? "" : "; SERVER CPU-PROFILED (figures lower than unprofiled)"),
  );
  out.push(
    `Disk: ${int(commitsPerSecond)} durable commits/s (one-row SQLite transactions, WAL + ` +
      "synchronous=FULL, measured before the runs): the ceiling for one commit per request.",
  );
  out.push(
    "Server and load generator share the machine's cores (and other work on it): the figures are noisy.",
  );
  out.push("2xx/s counts successful responses only; latencies are of successful responses.");
  out.push(
    "srv loop: server event-loop utilisation; srv cpu: server CPU time / wall time; blocked " +
      "max: the longest event-loop delay (a synchronous fsync or WAL checkpoint shows here).",
  );
  out.push(
    "cpu µs/2xx: server CPU time per successful response; it moves less than 2xx/s when other " +
      "work takes the cores.",
  );
  out.push("");
  out.push(table(rows, bareRps));
  out.push("");
  out.push("Targets:");
  for (const r of [read, pgRead]) {
    if (r === undefined || bareRps === null) continue;
    const ratio = r.rps / bareRps;
    out.push(
      `  ${r.db} read: ${pct(ratio)} of bare (target >= ${pct(TARGET_READ_VS_BARE)}): ` +
        `${verdict(ratio >= TARGET_READ_VS_BARE)}; p99 ${round(r.p99Ms, 2)} ms (target <= ` +
        `${TARGET_READ_P99_MS} ms): ${verdict(r.p99Ms <= TARGET_READ_P99_MS)}`,
    );
  }
  if (write !== undefined) {
    out.push(
      `  sqlite write: ${int(write.rps)}/s (target >= ${int(TARGET_SQLITE_WRITES)}/s): ` +
        `${verdict(write.rps >= TARGET_SQLITE_WRITES)}`,
    );
  }
  out.push("");
  process.stdout.write(`${out.join("\n")}\n`);

  const nullable = (n: number | undefined, digits = 0) =>
    n === undefined ? null : round(n, digits);
  const summary = {
    bareRps: nullable(bare?.rps),
    readRps: nullable(read?.rps),
    readP99Ms: nullable(read?.p99Ms, 2),
    writeRps: nullable(write?.rps),
    writeP99Ms: nullable(write?.p99Ms, 2),
    pgReadRps: nullable(pgRead?.rps),
    pgWriteRps: nullable(pgWrite?.rps),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch(async (err: unknown) => {
  await cleanUp();
  process.stderr.write(
    `bench:api failed: ${err instanceof Error ? (err.stack ?? "") : String(err)}\n`,
  );
  process.exit(1);
});
