// `refund-desk simulate --policy FILE [--from DATE --to DATE] [--json]`: what a candidate policy
// would have recommended for the stored requests submitted in the period, beside what was
// recommended (issue 16, ADR 0026). Reads the service's database (DATABASE_URL, or the SQLite
// file under DATA_DIR, like `serve`); writes nothing. A progress bar on a terminal (standard
// error), nothing when it is not one; the report on standard output, for people or (--json) for
// machines.

import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import type { Policy } from "../core/policy/index.js";
import {
  simulationPeriod,
  SIMULATED_OUTCOMES,
  type SimulationPeriod,
  type SimulationReport,
} from "../core/simulation/simulation.js";
import type { OpenDatabaseOptions } from "../db/connection.js";
import { loadPolicy } from "./evaluate.js";
import { CliError, EXIT_INTERNAL, EXIT_OK, oneLine, writeText, type CliIo } from "./io.js";
import { openMigrated } from "./database.js";
import { databaseFromEnv } from "./service-commands.js";

export interface SimulateOptions {
  readonly policy: Policy;
  readonly policyFile: string;
  readonly period: SimulationPeriod;
  readonly json: boolean;
  readonly database: OpenDatabaseOptions;
  readonly sampleSize?: number | undefined;
}

const fmt = (n: number): string => n.toLocaleString("en-US");
const pct = (n: number, of: number): string =>
  of === 0 ? "0%" : `${((100 * n) / of).toFixed(1)}%`;

/** The report a person reads. */
export function formatSimulationReport(r: SimulationReport, policyFile: string): string {
  const out: string[] = [];
  const period =
    r.period.from === null && r.period.to === null
      ? "every stored request"
      : `requests submitted ${r.period.from ?? "(first)"} .. ${r.period.to ?? "(last)"}`;
  out.push(`simulation of policy ${r.candidateVersion} (${policyFile}) over ${period}`);
  out.push(`  requests read              ${fmt(r.requests)}`);
  out.push(`  recommendations changed    ${fmt(r.changed)} (${pct(r.changed, r.requests)})`);
  if (r.withoutRecommendation > 0) {
    out.push(`  without a stored one       ${fmt(r.withoutRecommendation)}`);
  }
  if (r.refusedByCandidate > 0) {
    out.push(`  facts refused by candidate ${fmt(r.refusedByCandidate)}`);
  }
  if (r.orderEditedAfter > 0) {
    out.push(
      `  order edited after         ${fmt(r.orderEditedAfter)} (judged on the order's current fields)`,
    );
  }
  out.push("", "outcomes (rows: stored recommendation, columns: candidate)");
  const w = 11;
  out.push(["", ...SIMULATED_OUTCOMES].map((h) => h.padStart(w)).join(""));
  for (const from of SIMULATED_OUTCOMES) {
    const cells = SIMULATED_OUTCOMES.map((to) =>
      fmt(r.matrix.find((c) => c.from === from && c.to === to)?.count ?? 0).padStart(w),
    );
    out.push(from.padStart(w) + cells.join(""));
  }
  if (r.byReason.length > 0) {
    out.push("", "by reason                   requests    changed");
    for (const x of r.byReason) {
      out.push(
        `  ${x.reason.padEnd(24)}${fmt(x.requests).padStart(10)} ${fmt(x.changed).padStart(10)}`,
      );
    }
  }
  if (r.byClause.length > 0) {
    out.push("", "by determining clause         before      after");
    for (const x of r.byClause) {
      out.push(
        `  ${x.clause.padEnd(26)}${fmt(x.before).padStart(10)} ${fmt(x.after).padStart(10)}`,
      );
    }
  }
  if (r.totals.length > 0) {
    out.push("", "recommended refunds (refund outcomes), per currency");
    for (const x of r.totals) {
      const sign = x.change.startsWith("-") ? "" : "+";
      out.push(`  ${x.currency.padEnd(6)} ${x.before} -> ${x.after} (${sign}${x.change})`);
    }
  }
  if (r.sample.length > 0) {
    out.push("", `changed requests (the first ${r.sample.length})`);
    const side = (j: SimulationReport["sample"][number]["before"]) =>
      `${j.outcome}${j.amount === null ? "" : ` ${j.amount.amount} ${j.amount.currency}`}` +
      `${j.clause === null ? "" : ` [${j.clause}]`}`;
    for (const s of r.sample) {
      out.push(`  ${s.requestId} (${s.orderId}, ${s.reason}, ${s.submittedAt})`);
      out.push(`    ${side(s.before)} -> ${side(s.after)}`);
    }
  }
  return out.join("\n") + "\n";
}

/** A progress bar on standard error when it is a terminal; none otherwise. */
function progressBar(io: CliIo): {
  update: (done: number, total: number) => void;
  stop: () => void;
} {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  if (!tty) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      stream: io.stderr,
      format: "simulating [{bar}] {percentage}% | {value}/{total} requests | {eta_formatted} left",
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** Runs the simulation; resolves to the exit code. */
export async function runSimulate(opts: SimulateOptions, io: CliIo): Promise<number> {
  const { simulatePolicy } = await import("../app/simulations/simulate-policy.js");
  const db = await openMigrated(opts.database);
  const bar = progressBar(io);
  try {
    const report = await simulatePolicy(
      { db: db.db },
      {
        policy: opts.policy,
        period: opts.period,
        onProgress: bar.update,
        ...(opts.sampleSize === undefined ? {} : { sampleSize: opts.sampleSize }),
      },
    );
    bar.stop();
    await writeText(
      io.stdout,
      opts.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatSimulationReport(report, opts.policyFile),
    );
    return EXIT_OK;
  } catch (e) {
    bar.stop();
    if (e instanceof CliError) throw e;
    throw new CliError(`simulation failed: ${oneLine(e)}`, EXIT_INTERNAL);
  } finally {
    await db.close();
  }
}

const SIMULATE_HELP = `
Re-evaluates the stored requests submitted in the period (all of them when no period is given;
--from and --to are days YYYY-MM-DD, inclusive, in the candidate policy's time zone) under the
candidate policy FILE (YAML or JSON, checked like any policy file), each with the facts as they
stood when its stored recommendation was made (payments, service events and attachments recorded
by then, as of that instant, capped by what the payments could still give back then), and reports
how many recommendations change (another outcome or amount), the matrix of outcomes (stored ->
candidate), counts by reason and by determining clause, the total of recommended refunds per
currency before and after, and a sample of changed requests with both recommendations. Nothing
is written. The database comes from DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, ./data).

Examples:
  $ refund-desk simulate --policy strict-policy.yaml
  $ refund-desk simulate --policy strict-policy.yaml --from 2026-01-01 --to 2026-03-31
  $ refund-desk simulate --policy strict-policy.yaml --json > report.json

Exit codes: 0 simulated; 2 bad options or policy file (the field is named); 1 database failure.`;

function sampleSizeOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n > 1000) {
    throw new CliError(`--sample: must be a whole number from 0 to 1000, not "${raw}"`);
  }
  return n;
}

/** Adds `simulate` to the program. */
export function addSimulateCommand(
  program: Command,
  io: CliIo,
  setCode: (code: number) => void,
): void {
  program
    .command("simulate")
    .description("what a candidate policy would have recommended for the stored requests")
    .requiredOption("--policy <file>", "the candidate policy file (YAML or JSON)")
    .option("--from <date>", "first day of submission, YYYY-MM-DD (inclusive)")
    .option("--to <date>", "last day of submission, YYYY-MM-DD (inclusive)")
    .option("--sample <n>", "changed requests to list (default 20)")
    .option("--json", "print the report as JSON")
    .addHelpText("after", SIMULATE_HELP)
    .action(
      async (opts: {
        policy: string;
        from?: string;
        to?: string;
        sample?: string;
        json?: boolean;
      }) => {
        const policy = loadPolicy(opts.policy);
        const period = simulationPeriod(
          { from: opts.from, to: opts.to },
          policy.params.timezone,
          "--",
        );
        if (!period.ok) throw new CliError(`${period.error.path}: ${period.error.message}`);
        setCode(
          await runSimulate(
            {
              policy,
              policyFile: opts.policy,
              period: period.value,
              json: opts.json === true,
              database: databaseFromEnv(),
              sampleSize: sampleSizeOf(opts.sample),
            },
            io,
          ),
        );
      },
    );
}
