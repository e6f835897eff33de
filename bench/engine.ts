// `npm run bench:engine`: the policy engine's throughput, side by side in one run.
//
//   (a) evaluateRefund on case objects exactly as JSON.parse returns them (validation, date and
//       money parsing included); every line is parsed to an object before the clock starts.
//   (b) `refund-desk evaluate --ndjson` end to end: the whole process, the case file piped to its
//       standard input, its output counted and dropped.
//   (c) the floor: JSON.parse + JSON.stringify of every line, in-process.
//   (d) the same core rules in json-rules-engine (bench/json-rules-baseline.ts), on a subset.
//
// Cases come from bench/generate-cases.ts (seeded, so every run sees the same cases). Environment:
// BENCH_CASES (default 1000000), BENCH_SEED, BENCH_JRE_CASES (subset for (d), default 50000),
// BENCH_WARMUP (warm-up slice for (a) and (c), default 20000; (d) warms up on at most 5000 of it).
// (b) gets no warm-up: it is a whole process, start-up included. The last line printed is one
// JSON object with the four figures. A benchmark prints figures; it never fails on a time.

import { spawn } from "node:child_process";
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import {
  evaluateRefund,
  type Decision,
  type InputError,
  type Outcome,
  type Policy,
} from "../src/core/policy/index.js";
import { DEFAULT_POLICY_PATH, loadPolicyFile } from "../src/policy-file/load.js";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { envInt } from "./env.js";
import { generateCases } from "./generate-cases.js";
import { JsonRulesBaseline, type BaselineDecision } from "./json-rules-baseline.js";

const TARGET_EVALUATE_PER_SECOND = 300_000;
const TARGET_VS_RULES_ENGINE = 20;
const TARGET_NDJSON_VS_FLOOR = 0.6;

const N = envInt("BENCH_CASES", 1_000_000, 1);
const SEED = envInt("BENCH_SEED", 20260228, 0);
const JRE_CASES = Math.min(N, envInt("BENCH_JRE_CASES", 50_000, 1));
const WARMUP = Math.min(N, envInt("BENCH_WARMUP", 20_000, 0));
/** json-rules-engine needs a few thousand runs before its rate settles. */
const JRE_WARMUP = Math.min(WARMUP, 5_000);
/** Lines parsed to objects at a time for (a). */
const CHUNK = 50_000;

const ROOT = PACKAGE_ROOT;
const CLI = join(ROOT, "dist", "src", "cli", "main.js");

// ---- measuring ---------------------------------------------------------------------------------

function seconds(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e9;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");
const perSecond = (count: number, s: number): number => (s > 0 ? Math.round(count / s) : 0);

function log(line = ""): void {
  process.stdout.write(line + "\n");
}

type Tally = Record<Outcome, number>;
const emptyTally = (): Tally => ({ refund: 0, review: 0, deny: 0, incomplete: 0 });
const showTally = (t: Tally): string =>
  `refund ${fmtInt(t.refund)}, review ${fmtInt(t.review)}, deny ${fmtInt(t.deny)}, ` +
  `incomplete ${fmtInt(t.incomplete)}`;

interface EvaluateRun {
  seconds: number;
  outcomes: Tally;
  errors: number;
  firstError: { index: number; error: InputError } | null;
  thrown: number;
  firstThrown: { index: number; message: string } | null;
}

/** (a): evaluateRefund over parsed objects; only the outcome is looked at. */
function runEvaluate(objects: readonly unknown[], policy: Policy): EvaluateRun {
  const outcomes = emptyTally();
  let errors = 0;
  let firstError: EvaluateRun["firstError"] = null;
  let thrown = 0;
  let firstThrown: EvaluateRun["firstThrown"] = null;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < objects.length; i++) {
    try {
      const r = evaluateRefund(objects[i], policy);
      if (r.ok) {
        outcomes[r.value.outcome]++;
      } else {
        errors++;
        if (firstError === null) firstError = { index: i, error: r.error };
      }
    } catch (e) {
      thrown++;
      if (firstThrown === null) firstThrown = { index: i, message: String(e) };
    }
  }
  return { seconds: seconds(t0), outcomes, errors, firstError, thrown, firstThrown };
}

/** (c): parse and re-serialize every line; the lengths are summed so nothing is optimized away. */
function runFloor(lines: readonly string[]): { seconds: number; chars: number } {
  let chars = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) {
    chars += JSON.stringify(JSON.parse(lines[i] as string)).length;
  }
  return { seconds: seconds(t0), chars };
}

interface CliRun {
  seconds: number;
  exitCode: number | null;
  signal: string | null;
  bytesOut: number;
  linesOut: number;
  outcomes: Tally;
  errorLines: number;
  otherLines: number;
  stderr: string;
  spawnError: string | null;
}

const OUTCOME_PREFIX = '{"outcome":"';

/**
 * (b): the CLI as a user runs it, `node dist/src/cli/main.js evaluate --ndjson`, with the case
 * file piped to its standard input. Output is scanned line by line as it streams (only the
 * unfinished last line is kept) to tally outcomes and error objects.
 */
function runCli(file: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const outcomes = emptyTally();
    let bytesOut = 0;
    let linesOut = 0;
    let errorLines = 0;
    let otherLines = 0;
    let carry = "";
    let stderr = "";
    let spawnError: string | null = null;
    const tally = (line: string): void => {
      linesOut++;
      if (line.startsWith(OUTCOME_PREFIX)) {
        const end = line.indexOf('"', OUTCOME_PREFIX.length);
        const o = line.slice(OUTCOME_PREFIX.length, end);
        if (o in outcomes) outcomes[o as Outcome]++;
        else otherLines++;
      } else if (line.startsWith('{"error"')) {
        errorLines++;
      } else {
        otherLines++;
      }
    };
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, "evaluate", "--ndjson"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.on("error", (e) => {
      spawnError = String(e);
    });
    child.stdin.on("error", () => {
      // The child may exit early (a crash); its exit status and stderr tell what happened.
    });
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(child.stdin);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      bytesOut += Buffer.byteLength(chunk);
      let start = 0;
      let nl = chunk.indexOf("\n");
      if (nl !== -1 && carry.length > 0) {
        tally(carry + chunk.slice(0, nl));
        carry = "";
        start = nl + 1;
        nl = chunk.indexOf("\n", start);
      }
      while (nl !== -1) {
        tally(chunk.slice(start, nl));
        start = nl + 1;
        nl = chunk.indexOf("\n", start);
      }
      carry += chunk.slice(start);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    child.on("close", (exitCode, signal) => {
      const s = seconds(t0);
      if (carry.length > 0) tally(carry);
      resolve({
        seconds: s,
        exitCode,
        signal,
        bytesOut,
        linesOut,
        outcomes,
        errorLines,
        otherLines,
        stderr: stderr.trim(),
        spawnError,
      });
    });
  });
}

/** (d): json-rules-engine, one awaited run per case, as its API is meant to be used. */
async function runRulesEngine(
  baseline: JsonRulesBaseline,
  objects: readonly unknown[],
  count: number,
): Promise<{ seconds: number; outcomes: Tally; decisions: BaselineDecision[]; thrown: number }> {
  const outcomes = emptyTally();
  const decisions: BaselineDecision[] = new Array<BaselineDecision>(count);
  let thrown = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    try {
      const d = await baseline.decide(objects[i]);
      decisions[i] = d;
      if (d.outcome in outcomes) outcomes[d.outcome as Outcome]++;
    } catch {
      thrown++;
    }
  }
  return { seconds: seconds(t0), outcomes, decisions, thrown };
}

// ---- the run -----------------------------------------------------------------------------------

/** A summary of what the generated cases cover, so a reader can see the mix measured. */
function describeMix(objects: readonly unknown[]): string[] {
  const count = new Map<string, number>();
  const inc = (k: string): void => {
    count.set(k, (count.get(k) ?? 0) + 1);
  };
  type Raw = {
    asOf?: string;
    policy?: Record<string, unknown>;
    order: { service: { billing: string }; deliveredAt: string | null; startedAt: string | null };
    payments: { amount: { currency: string }; chargeRef: string }[];
    events: { kind: string; to: string | null }[];
    request: { reason: string; description: string };
  };
  for (const o of objects as readonly Raw[]) {
    inc(`reason ${o.request.reason}`);
    inc(`billing ${o.order.service.billing}`);
    inc(`zone ${typeof o.policy?.timezone === "string" ? o.policy.timezone : "(default UTC)"}`);
    const currencies = new Set(o.payments.map((p) => p.amount.currency));
    for (const c of currencies) inc(`paid in ${c}`);
    if (o.payments.length > 1) inc("several payments");
    if (o.events.length > 0) inc("with events");
    if (o.events.some((e) => e.to === null)) inc("an ongoing event");
    inc(
      o.order.deliveredAt !== null
        ? "delivered"
        : o.order.startedAt !== null
          ? "started, undelivered"
          : "never started",
    );
    if (o.policy?.holidays !== undefined) inc("explicit holidays");
    if (o.policy?.holidayCountry !== undefined) inc("holiday country");
    if (o.policy?.requestWindowDays !== undefined) inc("window override");
    if (o.policy?.payoutBusinessDays !== undefined) inc("payout days override");
    if (o.policy?.cryptoRefundValuation !== undefined) inc("crypto valuation override");
    if (o.asOf !== undefined) inc("asOf given");
  }
  const n = objects.length;
  const pct = (k: string): string => `${k} ${((100 * (count.get(k) ?? 0)) / n).toFixed(1)}%`;
  const group = (prefix: string): string =>
    [...count.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((k) => pct(k).slice(prefix.length))
      .join(", ");
  return [
    `  reasons:    ${group("reason ")}`,
    `  billing:    ${group("billing ")}`,
    `  time zones: ${group("zone ")}`,
    `  paid in:    ${group("paid in ")}`,
    `  facts:      ${["delivered", "started, undelivered", "never started", "several payments", "with events", "an ongoing event", "asOf given"].map(pct).join(", ")}`,
    `  policy:     ${["explicit holidays", "holiday country", "window override", "payout days override", "crypto valuation override"].map(pct).join(", ")}`,
  ];
}

function sameDecision(a: Decision, d: BaselineDecision): boolean {
  if (a.outcome !== d.outcome || a.clauses[0] !== d.clause) return false;
  if (a.amount === null || d.amountMinor === null)
    return a.amount === null && d.amountMinor === null;
  return a.amount.minor === d.amountMinor;
}

async function main(): Promise<void> {
  const policyResult = loadPolicyFile(DEFAULT_POLICY_PATH);
  if (!policyResult.ok) {
    throw new Error(`policy file: ${policyResult.error.path}: ${policyResult.error.message}`);
  }
  const policy = policyResult.value;

  const heapLimitMb = v8.getHeapStatistics().heap_size_limit / 2 ** 20;
  log(`Refund Desk engine benchmark`);
  log(
    `node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"} x${os.cpus().length}, ` +
      `heap limit ${fmtInt(heapLimitMb)} MB, policy ${policy.version}`,
  );
  // Other work on the machine skews every figure: show the load the run started under.
  log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );

  // Generate, keep the lines, write them to a temp file for the CLI.
  const t0 = process.hrtime.bigint();
  const lines = generateCases(N, SEED);
  const genSeconds = seconds(t0);
  let chars = 0;
  for (const l of lines) chars += l.length + 1;
  log(
    `generated ${fmtInt(N)} cases (seed ${SEED}) in ${genSeconds.toFixed(1)} s: ` +
      `${(chars / 2 ** 20).toFixed(0)} MB of NDJSON, ${fmtInt(chars / N)} bytes a case on average`,
  );
  const dir = mkdtempSync(join(os.tmpdir(), "refund-desk-bench-"));
  const file = join(dir, "cases.ndjson");
  try {
    const fd = openSync(file, "w");
    for (let i = 0; i < N; i += 10_000) writeSync(fd, lines.slice(i, i + 10_000).join("\n") + "\n");
    closeSync(fd);

    // (b) first, while this process holds only the lines and sits idle.
    log(`running (b) node ${CLI.slice(ROOT.length + 1)} evaluate --ndjson, ${file} piped in ...`);
    const cli: CliRun = existsSync(CLI)
      ? await runCli(file)
      : {
          seconds: 0,
          exitCode: null,
          signal: null,
          bytesOut: 0,
          linesOut: 0,
          outcomes: emptyTally(),
          errorLines: 0,
          otherLines: 0,
          stderr: "",
          spawnError: `${CLI} does not exist (npm run build?)`,
        };

    // (c) the floor, after a warm-up slice.
    log(`running (c) JSON.parse + JSON.stringify per line ...`);
    runFloor(lines.slice(0, WARMUP));
    const floor = runFloor(lines);

    // (a) after a warm-up on freshly parsed copies of a slice. The lines are turned into objects
    // a chunk at a time (not timed) and only evaluateRefund is timed, so the heap never holds a
    // million case objects at once: that would measure the garbage collector walking 1.7 GB of
    // live input, not the engine.
    const warmLines = lines.slice(0, Math.max(WARMUP, Math.min(JRE_WARMUP, JRE_CASES)));
    const objects: unknown[] = lines.slice(0, JRE_CASES).map((l) => JSON.parse(l) as unknown);
    log(`case mix (first ${fmtInt(objects.length)} cases):`);
    for (const l of describeMix(objects)) log(l);
    log(`running (a) evaluateRefund on parsed objects, ${fmtInt(CHUNK)} parsed at a time ...`);
    runEvaluate(
      warmLines.slice(0, WARMUP).map((l) => JSON.parse(l) as unknown),
      policy,
    );
    const evaluate: EvaluateRun = {
      seconds: 0,
      outcomes: emptyTally(),
      errors: 0,
      firstError: null,
      thrown: 0,
      firstThrown: null,
    };
    for (let from = 0; from < N; from += CHUNK) {
      const chunk = lines.slice(from, from + CHUNK).map((l) => JSON.parse(l) as unknown);
      const r = runEvaluate(chunk, policy);
      evaluate.seconds += r.seconds;
      for (const k of Object.keys(r.outcomes) as Outcome[]) evaluate.outcomes[k] += r.outcomes[k];
      evaluate.errors += r.errors;
      evaluate.thrown += r.thrown;
      if (evaluate.firstError === null && r.firstError !== null) {
        evaluate.firstError = { index: from + r.firstError.index, error: r.firstError.error };
      }
      if (evaluate.firstThrown === null && r.firstThrown !== null) {
        evaluate.firstThrown = {
          index: from + r.firstThrown.index,
          message: r.firstThrown.message,
        };
      }
    }

    // (d) json-rules-engine on the first JRE_CASES cases, after a short warm-up.
    log(`running (d) json-rules-engine on the first ${fmtInt(JRE_CASES)} cases ...`);
    const baseline = new JsonRulesBaseline(policy.params);
    const jreWarm = warmLines
      .slice(0, Math.min(JRE_WARMUP, JRE_CASES))
      .map((l) => JSON.parse(l) as unknown);
    await runRulesEngine(baseline, jreWarm, jreWarm.length);
    const jre = await runRulesEngine(baseline, objects, JRE_CASES);

    // Agreement of (a) and (d) on the subset (untimed): outcome, determining clause and amount.
    let agree = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < JRE_CASES; i++) {
      const r = evaluateRefund(objects[i], policy);
      const d = jre.decisions[i];
      if (!r.ok || d === undefined) continue;
      if (sameDecision(r.value, d)) agree++;
      else if (disagreements.length < 5) {
        const a = r.value;
        disagreements.push(
          `    case #${i}: engine ${a.outcome} ${a.clauses[0] ?? "-"} ${a.amount?.minor ?? "null"}` +
            ` | json-rules-engine ${d.outcome} ${d.clause} ${d.amountMinor ?? "null"}`,
        );
      }
    }

    // ---- report ----------------------------------------------------------------------------------
    const aRate = perSecond(N, evaluate.seconds);
    // A run that did not answer every case has no rate.
    const bRate = cli.linesOut === N ? perSecond(N, cli.seconds) : 0;
    const cRate = perSecond(N, floor.seconds);
    const dRate = perSecond(JRE_CASES, jre.seconds);

    log();
    log(`correctness`);
    log(`  (a) decisions: ${showTally(evaluate.outcomes)}`);
    log(
      `  (a) invalid-input errors: ${fmtInt(evaluate.errors)}` +
        (evaluate.thrown > 0 ? `, exceptions thrown: ${fmtInt(evaluate.thrown)}` : ""),
    );
    if (evaluate.firstError !== null) {
      const { index, error } = evaluate.firstError;
      log(`      first error: case #${index}: ${error.path}: ${error.message}`);
    }
    if (evaluate.firstThrown !== null) {
      log(
        `      first exception: case #${evaluate.firstThrown.index}: ${evaluate.firstThrown.message}`,
      );
    }
    log(
      `  (b) exit ${cli.exitCode ?? cli.signal ?? "-"}, ${fmtInt(cli.linesOut)} lines ` +
        `(${(cli.bytesOut / 2 ** 20).toFixed(0)} MB) out: ${showTally(cli.outcomes)}; ` +
        `error objects ${fmtInt(cli.errorLines)}, other lines ${fmtInt(cli.otherLines)}`,
    );
    const sameAsA = (Object.keys(evaluate.outcomes) as Outcome[]).every(
      (k) => evaluate.outcomes[k] === cli.outcomes[k],
    );
    log(`  (b) outcome counts ${sameAsA ? "equal" : "DIFFER from"} (a)'s`);
    if (cli.spawnError !== null) log(`  (b) could not run: ${cli.spawnError}`);
    if (cli.stderr !== "") log(`  (b) stderr: ${cli.stderr.split("\n").slice(0, 5).join(" | ")}`);
    log(
      `  (d) decisions: ${showTally(jre.outcomes)}` +
        (jre.thrown > 0 ? `, exceptions ${fmtInt(jre.thrown)}` : ""),
    );
    log(
      `  (a) and (d) agree on outcome, determining clause and amount for ` +
        `${fmtInt(agree)} of ${fmtInt(JRE_CASES)} cases`,
    );
    for (const d of disagreements) log(d);

    const rows: [string, number, number, number][] = [
      ["(a) evaluateRefund, in-process, parsed objects", N, evaluate.seconds, aRate],
      ["(b) evaluate --ndjson, whole CLI process, piped", N, cli.seconds, bRate],
      ["(c) floor: JSON.parse + JSON.stringify per line", N, floor.seconds, cRate],
      [
        `(d) json-rules-engine, first ${fmtInt(JRE_CASES)} cases only`,
        JRE_CASES,
        jre.seconds,
        dRate,
      ],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    log();
    log(
      `${"benchmark".padEnd(w)}  ${"cases".padStart(9)}  ${"seconds".padStart(8)}  ${"per second".padStart(10)}`,
    );
    log("-".repeat(w + 35));
    for (const [name, count, s, rate] of rows) {
      log(
        `${name.padEnd(w)}  ${fmtInt(count).padStart(9)}  ${s.toFixed(3).padStart(8)}  ${fmtInt(rate).padStart(10)}`,
      );
    }
    log();
    const verdict = (ok: boolean): string => (ok ? "met" : "NOT met");
    const aVsD = dRate > 0 ? aRate / dRate : 0;
    const bVsC = cRate > 0 ? bRate / cRate : 0;
    log(`targets`);
    log(
      `  (a) >= ${fmtInt(TARGET_EVALUATE_PER_SECOND)}/s          ${fmtInt(aRate).padStart(10)}/s   ${verdict(aRate >= TARGET_EVALUATE_PER_SECOND)}`,
    );
    log(
      `  (a)/(d) >= ${TARGET_VS_RULES_ENGINE}x              ${aVsD.toFixed(1).padStart(11)}x   ${verdict(aVsD >= TARGET_VS_RULES_ENGINE)}`,
    );
    log(
      `  (b)/(c) >= ${TARGET_NDJSON_VS_FLOOR * 100}%              ${(bVsC * 100).toFixed(1).padStart(11)}%   ${verdict(bVsC >= TARGET_NDJSON_VS_FLOOR)}`,
    );
    log(`  ((d) runs on the first ${fmtInt(JRE_CASES)} cases; its rate is per second over those.)`);
    log();
    log(
      JSON.stringify({
        evaluatePerSecond: aRate,
        ndjsonPerSecond: bRate,
        parseFloorPerSecond: cRate,
        jsonRulesEnginePerSecond: dRate,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
