// `refund-desk ledger scan [--dry-run]`: finds the extra payments (rule 2) of every order on the
// service's database (DATABASE_URL, or the SQLite file under DATA_DIR, like `serve`) and opens the
// duplicate-payment cases still missing, exactly as a newly recorded payment would.

import { performance } from "node:perf_hooks";
import { PolicyStore } from "../app/policy/store.js";
import type { Command } from "commander";
import type { LedgerScanSummary } from "../app/ledger/scan-ledger.js";
import type { Policy } from "../core/policy/index.js";
import type { OpenDatabaseOptions } from "../db/connection.js";
import { loadPolicy } from "./evaluate.js";
import {
  CliError,
  EXIT_INTERNAL,
  EXIT_OK,
  oneLine,
  stderrLogger,
  writeText,
  type CliIo,
} from "./io.js";
import { openMigrated } from "./database.js";
import { databaseFromEnv } from "./service-commands.js";

export interface LedgerScanOptions {
  readonly dryRun: boolean;
  readonly policy: Policy;
  readonly database: OpenDatabaseOptions;
  readonly pageSize?: number | undefined;
  readonly clock?: () => number;
}

const fmt = (n: number): string => n.toLocaleString("en-US");

/** The summary a person reads. */
export function formatScanSummary(s: LedgerScanSummary, dryRun: boolean, dialect: string): string {
  const lines = [
    `ledger scan (${dialect})${dryRun ? ", dry run: nothing opened" : ""}`,
    `  orders scanned            ${fmt(s.orders)}`,
    `  payments                  ${fmt(s.payments)}`,
    `  extra payments found      ${fmt(s.extras)}`,
    `  already covered           ${fmt(s.alreadyCovered)}`,
    `  covered by open requests  ${fmt(s.coveredByOpenRequests)}${dryRun ? " (would be)" : ""}`,
    dryRun
      ? `  cases to open             ${fmt(s.casesOpened)} (for ${fmt(s.extrasInNewCases)} extras)`
      : `  cases opened              ${fmt(s.casesOpened)} (for ${fmt(s.extrasInNewCases)} extras; ` +
        `${fmt(s.autoApproved)} approved automatically, ` +
        `${fmt(s.casesOpened - s.autoApproved)} waiting for review)`,
  ];
  return lines.join("\n") + "\n";
}

/** Runs the scan; resolves to the exit code. */
export async function runLedgerScan(opts: LedgerScanOptions, io: CliIo): Promise<number> {
  const { scanLedger } = await import("../app/ledger/scan-ledger.js");
  const db = await openMigrated(opts.database);
  try {
    const summary = await scanLedger(
      {
        db: db.db,
        // The database's versions decide; the file is published only on an empty database.
        policies: new PolicyStore({
          db: db.db,
          initial: opts.policy,
          clock: opts.clock ?? Date.now,
          cacheClock: () => performance.now(),
        }),
        clock: opts.clock ?? Date.now,
        logger: stderrLogger(io.stderr),
      },
      { dryRun: opts.dryRun, ...(opts.pageSize === undefined ? {} : { pageSize: opts.pageSize }) },
    );
    await writeText(io.stdout, formatScanSummary(summary, opts.dryRun, db.dialect));
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`ledger scan failed: ${oneLine(e)}`, EXIT_INTERNAL);
  } finally {
    await db.close();
  }
}

const LEDGER_SCAN_HELP = `
Reads every order's payments (ordered by order id, a page at a time), finds the extra payments of
the refund policy's rule 2 (grouped by charge, in order of capture, a payment is extra once the
charge is paid in full; installments are not), and for each extra not yet tied to a refund request
opens a duplicate_payment case as the system user, exactly as a newly recorded payment does. An
open duplicate_payment request on the order (the client's own) covers new extras instead. Under
the policy's autoApprove the system approves the case and payouts follow. Scanning twice opens
nothing new. The database comes from DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, ./data).

Examples:
  $ refund-desk ledger scan --dry-run
  $ DATABASE_URL=postgresql://app@db.internal/refunds refund-desk ledger scan

Exit codes: 0 scanned; 2 bad options; 1 database failure.`;

function pageSizeOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(`--page-size must be a whole number of at least 1, not "${raw}"`);
  }
  return n;
}

/** Adds `ledger scan` to the program. */
export function addLedgerCommand(
  program: Command,
  io: CliIo,
  setCode: (code: number) => void,
): void {
  const ledger = program
    .command("ledger")
    .description("inspect the payment ledger (duplicate payments)");
  ledger
    .command("scan")
    .description("find every order's extra payments and open the duplicate-payment cases missing")
    .option("--dry-run", "report what would be opened; open nothing")
    .option("--page-size <n>", "payments read per page (default 50000)")
    .option(
      "--policy <file>",
      "policy file published as the first version on an empty database (default: the shipped one); afterwards the database's versions decide",
    )
    .addHelpText("after", LEDGER_SCAN_HELP)
    .action(async (opts: { dryRun?: boolean; pageSize?: string; policy?: string }) => {
      setCode(
        await runLedgerScan(
          {
            dryRun: opts.dryRun === true,
            pageSize: pageSizeOf(opts.pageSize),
            policy: loadPolicy(opts.policy),
            database: databaseFromEnv(),
          },
          io,
        ),
      );
    });
}
