// `refund-desk import orders|payments|events FILE`: streams CSV or NDJSON rows through the same
// validation the API uses (app/imports/import-rows.ts): the file is read once to validate every
// row, listing every problem of a row (each wrong field, an unknown client or order, an id already
// taken) with its line, and, only if there is none, once more to write, in batches, in ONE
// transaction: nothing is ever half imported (exit code 2 and nothing written when a row is bad).
// Memory stays bounded by the batch, whatever the file's size. Re-evaluation of open refund
// requests (and, for payments, the duplicate-payment cases) runs inside the same transaction.

import { createReadStream, type ReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { Readable } from "node:stream";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { createAppDeps } from "../app/context.js";
import { IMPORT_ACTOR, type ImportProgress } from "../app/imports/import-rows.js";
import {
  IMPORT_COLUMNS,
  IMPORT_KINDS,
  ImportFileError,
  importRowChunks,
  type ImportFormat,
  type ImportKind,
  type ImportRow,
} from "../app/imports/rows.js";
import type { Writer } from "../app/orders/shared.js";
import type { Policy } from "../core/policy/index.js";
import type { OpenDatabaseOptions } from "../db/connection.js";
import { loadPolicy } from "./evaluate.js";
import {
  CliError,
  EXIT_INTERNAL,
  EXIT_INVALID,
  EXIT_OK,
  oneLine,
  stderrLogger,
  writeText,
  type CliIo,
} from "./io.js";
import { openMigrated } from "./database.js";
import { databaseFromEnv } from "./service-commands.js";

/** The import's SQLite page cache per connection, KiB (the driver's default is 16 MiB). */
const IMPORT_SQLITE_CACHE_KIB = 4096;

/** How much V8 grows an import's heap at a collection, in percent (see the command's action). */
const IMPORT_HEAP_GROWING_PERCENT = 10;

/** The audit actor of every row an import writes. */
export const IMPORT_ACTOR_REF = "system:import";

export { IMPORT_ACTOR };

export { IMPORT_COLUMNS, IMPORT_KINDS, type ImportFormat, type ImportKind, type ImportRow };

/** The format named by `--format`, else by the file's extension. */
export function importFormat(file: string, given: string | undefined): ImportFormat {
  if (given !== undefined) {
    if (given === "csv" || given === "ndjson") return given;
    throw new CliError(`--format must be csv or ndjson, not "${given}"`);
  }
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".ndjson" || ext === ".jsonl") return "ndjson";
  throw new CliError(
    `cannot tell the format of ${file} from its extension (.csv, .ndjson, .jsonl); pass --format`,
  );
}

export interface ImportOptions {
  readonly kind: ImportKind;
  readonly file: string;
  readonly format?: string | undefined;
  readonly policy: Policy;
  /** Where the database is (DATABASE_URL or DATA_DIR). */
  readonly database: OpenDatabaseOptions;
  readonly clock?: () => number;
  /** Validate only, write nothing. */
  readonly dryRun?: boolean;
  /** No progress bar, even on a terminal. */
  readonly quiet?: boolean;
}

/** Most problems listed one by one; the rest are counted. */
const MAX_LISTED = 500;

/** The file, opened from its start for each pass; its bytes read so far are counted. */
function fileSource(file: string): { open: () => Readable; bytesRead: () => number } {
  let current: ReadStream | undefined;
  return {
    open: () => (current = createReadStream(file, { highWaterMark: 1 << 20 })),
    bytesRead: () => current?.bytesRead ?? 0,
  };
}

/**
 * A progress bar on a terminal (cli-progress): rows validated, then written, with the rate and the
 * time left. It is drawn on stderr, so it never mixes with the summary line on stdout; silent
 * when stdout or stderr is not a terminal (output piped or redirected) or with --quiet.
 */
function progressBar(io: CliIo, kind: ImportKind, fileBytes: number, bytesRead: () => number) {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const bar = new SingleBar({
    stream: io.stderr,
    format: `{phase} ${kind} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | {eta_formatted} left`,
    barsize: 30,
    clearOnComplete: true,
    hideCursor: false,
    noTTYOutput: false,
    // Tests give a fake terminal; cli-progress asks the stream itself.
    ...(tty ? { terminal: undefined } : {}),
  });
  const started = Date.now();
  let phase: "validate" | "write" | undefined;
  return {
    update(p: ImportProgress, totalRows: number): void {
      const rate = Math.round(p.rows / Math.max((Date.now() - started) / 1000, 0.001));
      const payload = {
        phase: p.phase === "validate" ? "checking" : "importing",
        rows: p.rows,
        rate,
      };
      if (phase !== p.phase) {
        if (phase !== undefined) bar.stop();
        phase = p.phase;
        // Pass 1 knows the file's size, pass 2 the number of rows.
        if (p.phase === "validate") bar.start(Math.max(fileBytes, 1), 0, payload);
        else bar.start(Math.max(totalRows, 1), 0, payload);
      }
      bar.update(p.phase === "validate" ? bytesRead() : p.rows, payload);
    },
    stop(): void {
      if (phase !== undefined) bar.stop();
      phase = undefined;
    },
  };
}

/** Runs an import; resolves to the exit code (0 imported, 2 rejected rows, nothing imported). */
export async function runImport(opts: ImportOptions, io: CliIo): Promise<number> {
  const format = importFormat(opts.file, opts.format);
  let fileBytes: number;
  try {
    const st = await stat(opts.file);
    if (!st.isFile()) throw new Error("not a file");
    fileBytes = st.size;
  } catch (e) {
    throw new CliError(`cannot read the ${opts.kind} file ${opts.file}: ${oneLine(e)}`);
  }
  const source = fileSource(opts.file);
  const rows = () => importRowChunks(source.open, format, opts.kind);
  // A bad header or broken quoting is refused before the database is opened.
  try {
    for await (const chunk of rows()) {
      void chunk;
      break;
    }
  } catch (e) {
    if (e instanceof ImportFileError) throw new CliError(e.message);
    throw e;
  }

  const { importRows } = await import("../app/imports/import-rows.js");

  // A smaller SQLite page cache: the import's peak memory has a target (ADR 0030, session 10).
  const db = await openMigrated({ ...opts.database, sqliteCacheKib: IMPORT_SQLITE_CACHE_KIB });
  const clock = opts.clock ?? Date.now;
  const { openAttachmentStorage } = await import("../storage/index.js");
  const dataDir = "dataDir" in opts.database ? (opts.database.dataDir ?? "./data") : "./data";
  const deps = createAppDeps({
    db: db.db,
    dialect: db.dialect,
    policy: opts.policy,
    clock,
    dataDir,
    // An import writes no attachment: the local and database stores, whatever the environment says.
    attachments: openAttachmentStorage(
      { kind: "local", s3: null, presignDownloads: false },
      { db: db.db, dataDir },
    ),
    logger: stderrLogger(io.stderr),
  });
  const ctx = { actor: IMPORT_ACTOR, ip: null };
  const w: Writer = { actorRef: IMPORT_ACTOR_REF, ip: null, now: clock(), ctx };
  const isTty = (stream: unknown) => (stream as { isTTY?: boolean }).isTTY === true;
  const bar =
    isTty(io.stdout) && isTty(io.stderr) && opts.quiet !== true
      ? progressBar(io, opts.kind, fileBytes, source.bytesRead)
      : null;
  let validated = 0;
  const started = Date.now();

  try {
    const outcome = await importRows(deps, w, {
      kind: opts.kind,
      open: source.open,
      format,
      dryRun: opts.dryRun === true,
      onProgress: (p) => {
        if (p.phase === "validate") validated = p.rows;
        bar?.update(p, validated);
      },
    });
    bar?.stop();
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    if (outcome.ok) {
      const summary = outcome.dryRun
        ? `checked ${outcome.rows} ${opts.kind} from ${opts.file}: all valid, nothing written (--dry-run)`
        : `imported ${outcome.rows} ${opts.kind} from ${opts.file}`;
      const rate = Math.round(outcome.rows / seconds);
      await writeText(io.stdout, `${summary} in ${seconds.toFixed(1)} s (${rate} rows/s)\n`);
      return EXIT_OK;
    }
    const listed = outcome.rejected.slice(0, MAX_LISTED);
    let report = listed.map((r) => `line ${r.line}: ${r.reason}\n`).join("");
    if (outcome.rejected.length > listed.length) {
      report += `... and ${outcome.rejected.length - listed.length} more problems\n`;
    }
    const badRows = new Set(outcome.rejected.map((r) => r.line)).size;
    const problems =
      outcome.rejected.length === badRows ? "" : ` (${outcome.rejected.length} problems)`;
    report +=
      `refund-desk: import rejected: ${badRows} of ${outcome.rows} ${opts.kind} ` +
      `rows invalid${problems}; nothing was imported\n`;
    await writeText(io.stderr, report);
    return EXIT_INVALID;
  } catch (e) {
    bar?.stop();
    if (e instanceof CliError) throw e;
    if (e instanceof ImportFileError) throw new CliError(e.message);
    throw new CliError(`import failed, nothing was imported: ${oneLine(e)}`, EXIT_INTERNAL);
  } finally {
    await db.close();
  }
}

/** `a, b, c` wrapped at 100 columns, continuation lines indented by `indent`. */
function wrapList(items: readonly string[], indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const next = line === "" ? item : `${line}, ${item}`;
    if (indent + next.length > 99 && line !== "") {
      lines.push(`${line},`);
      line = item;
    } else {
      line = next;
    }
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

const IMPORT_HELP = `
FILE is CSV (a header row naming the fields; nested ones dotted, e.g. price.amount, price.currency,
subscription.periodStart; an empty cell is null; RFC 4180 quoting) or NDJSON (one JSON object per
line, shaped like the API's request bodies). The format follows the extension (.csv, .ndjson,
.jsonl) unless --format says otherwise. Events name their order in an orderId column.

The file is streamed (never held whole in memory): read once to validate every row like the API
validates it, then once more to write, in batches, in one transaction. If any row is rejected,
every problem of every rejected row is listed with its line (each wrong field, an unknown client or
order, an id already taken), nothing is imported and the exit code is 2. --dry-run validates only.
On a terminal a progress bar shows rows checked and written, the rate and the time left (--quiet
hides it); a last line sums up. The database comes from DATABASE_URL
(PostgreSQL) or DATA_DIR (SQLite, default ./data). Audit entries name the actor system:import.
Payments that repeat a charge already paid in full open a duplicate-payment case, in the same
transaction, as the API does (see refund-desk ledger scan --help).

Columns:
  orders:   ${wrapList(IMPORT_COLUMNS.orders, 12)}
  payments: ${wrapList(IMPORT_COLUMNS.payments, 12)}
  events:   ${wrapList(IMPORT_COLUMNS.events, 12)}

Examples:
  $ refund-desk import orders orders.csv
  $ refund-desk import payments payments.ndjson
  $ refund-desk import events blockers.txt --format csv

Exit codes: 0 imported; 2 rejected rows or unusable file (nothing imported); 1 database failure.`;

/** Adds `import` to the program. */
export function addImportCommand(
  program: Command,
  io: CliIo,
  setCode: (code: number) => void,
): void {
  program
    .command("import")
    .description("import orders, payments or service events from CSV or NDJSON (all or nothing)")
    .argument("<kind>", `what the file holds: ${IMPORT_KINDS.join(", ")}`)
    .argument("<file>", "the CSV or NDJSON file")
    .option("--format <format>", "csv or ndjson (default: from the file's extension)")
    .option(
      "--policy <file>",
      "policy file published as the first version on an empty database (default: the shipped one); open requests are re-evaluated under their own versions",
    )
    .option("--dry-run", "validate every row and report; write nothing")
    .option("--quiet", "no progress bar, even on a terminal")
    .addHelpText("after", IMPORT_HELP)
    .action(
      async (
        kind: string,
        file: string,
        opts: { format?: string; policy?: string; dryRun?: boolean; quiet?: boolean },
      ) => {
        // The import is this process's one job: V8 is told to grow the heap by a tenth at a time
        // (instead of up to several times its live size), so the garbage of the batches is
        // collected rather than piled up: the peak stays bounded whatever the file's size. A flag
        // V8 reads at each collection, so setting it now takes effect; the API's imports run in
        // the server. (`--optimize-for-size` did the same for the peak, but also shrank the young
        // generation of the parse workers to 1 MB: an import then took half as long again; ADR
        // 0030, session 10.)
        setFlagsFromString(`--heap-growing-percent=${IMPORT_HEAP_GROWING_PERCENT}`);
        if (!(IMPORT_KINDS as readonly string[]).includes(kind)) {
          throw new CliError(
            `import: unknown kind "${kind}"; use one of ${IMPORT_KINDS.join(", ")}`,
          );
        }
        setCode(
          await runImport(
            {
              kind: kind as ImportKind,
              file,
              format: opts.format,
              policy: loadPolicy(opts.policy),
              database: databaseFromEnv(),
              dryRun: opts.dryRun === true,
              quiet: opts.quiet === true,
            },
            io,
          ),
        );
      },
    );
}
