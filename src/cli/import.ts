// `refund-desk import orders|payments|events FILE`: loads CSV or NDJSON rows through the same
// validation and use cases the API uses, all in ONE transaction. Every row is checked; if any is
// rejected, the rejected rows are listed (line and reason), the transaction is rolled back and the
// exit code is 2: nothing is ever half imported. Re-evaluation of open refund requests (and, for
// payments, the duplicate-payment cases) runs once per touched order, inside the same transaction.

import { extname } from "node:path";
import type { Command } from "commander";
import type { Transaction } from "kysely";
import { createAppDeps } from "../app/context.js";
import { AppError } from "../app/errors.js";
import type { Writer } from "../app/orders/shared.js";
import type { Actor } from "../core/access/index.js";
import type { Policy } from "../core/policy/index.js";
import type { OpenDatabaseOptions, OpenedDatabase } from "../db/connection.js";
import type { Database } from "../db/schema.js";
import { parseCsv } from "./csv.js";
import { loadPolicy } from "./evaluate.js";
import {
  CliError,
  EXIT_INTERNAL,
  EXIT_INVALID,
  EXIT_OK,
  oneLine,
  readTextFile,
  stderrLogger,
  stripBom,
  writeText,
  type CliIo,
} from "./io.js";
import { databaseFromEnv } from "./service-commands.js";

export const IMPORT_KINDS = ["orders", "payments", "events"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
export type ImportFormat = "csv" | "ndjson";

/** The audit actor of every row an import writes. */
export const IMPORT_ACTOR_REF = "system:import";

/**
 * The actor the use cases check permissions against: a system with exactly the three write
 * scopes. (The access core has no "system" role; audit rows of the import itself say
 * `system:import`.)
 */
export const IMPORT_ACTOR: Actor = Object.freeze({
  role: "api_token",
  tokenId: "import",
  scopes: ["orders:write", "payments:write", "events:write"],
});

/** CSV columns by kind: the JSON field names, nested ones dotted. */
export const IMPORT_COLUMNS: Readonly<Record<ImportKind, readonly string[]>> = {
  orders: [
    "id",
    "clientId",
    "service.name",
    "service.category",
    "service.billing",
    "price.amount",
    "price.currency",
    "placedAt",
    "promisedStartBy",
    "promisedDeliveryBy",
    "startedAt",
    "deliveredAt",
    "subscription.periodStart",
    "subscription.periodEnd",
    "subscription.chargeRef",
  ],
  payments: [
    "id",
    "orderId",
    "chargeRef",
    "amount.amount",
    "amount.currency",
    "method",
    "capturedAt",
    "providerRef",
  ],
  events: ["orderId", "kind", "from", "to", "note"],
};

/** One input row: its line and the JSON value it stands for (or why it could not be read). */
export type ImportRow =
  | { readonly line: number; readonly value: unknown }
  | { readonly line: number; readonly error: string };

export interface Rejected {
  readonly line: number;
  readonly reason: string;
}

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

/**
 * CSV rows as JSON values: the header names the fields (dotted for nested ones), an empty cell is
 * null, and a nested object whose cells are all empty is null as a whole (no subscription).
 * A bad header or malformed quoting rejects the file (CliError, exit 2).
 */
export function csvRows(text: string, kind: ImportKind): ImportRow[] {
  const parsed = parseCsv(text);
  if (!parsed.ok) throw new CliError(`line ${parsed.line}: ${parsed.message}`);
  const [header, ...records] = parsed.records;
  if (header === undefined) throw new CliError("the file is empty (a CSV import needs a header)");
  const known = new Set(IMPORT_COLUMNS[kind]);
  const seen = new Set<string>();
  for (const name of header.fields) {
    if (!known.has(name)) {
      throw new CliError(
        `line ${header.line}: unknown column "${name}" for ${kind}; the columns are ${IMPORT_COLUMNS[kind].join(", ")}`,
      );
    }
    if (seen.has(name)) throw new CliError(`line ${header.line}: column "${name}" appears twice`);
    seen.add(name);
  }
  return records.map((r) => {
    if (r.fields.length !== header.fields.length) {
      return {
        line: r.line,
        error: `has ${r.fields.length} fields, the header has ${header.fields.length}`,
      };
    }
    const value: Record<string, unknown> = {};
    header.fields.forEach((name, i) => setPath(value, name, r.fields[i] ?? ""));
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === "object" && v !== null && Object.values(v).every((x) => x === null)) {
        value[key] = null;
      }
    }
    return { line: r.line, value };
  });
}

function setPath(target: Record<string, unknown>, dotted: string, cell: string): void {
  const value = cell === "" ? null : cell;
  const dot = dotted.indexOf(".");
  if (dot < 0) {
    target[dotted] = value;
    return;
  }
  const head = dotted.slice(0, dot);
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  inner[dotted.slice(dot + 1)] = value;
}

/** NDJSON rows: one JSON value per non-blank line. */
export function ndjsonRows(text: string): ImportRow[] {
  const rows: ImportRow[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line.trim() === "") continue;
    try {
      rows.push({ line: i + 1, value: JSON.parse(line) as unknown });
    } catch (e) {
      rows.push({ line: i + 1, error: `not valid JSON: ${oneLine(e)}` });
    }
  }
  return rows;
}

/** A one-line progress bar on a terminal, redrawn at most ten times a second. */
export class ProgressBar {
  #last = 0;
  #drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly total: number,
    private readonly label: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Shows `done` of the total; skips redraws closer than 100 ms apart except the last. */
  update(done: number): void {
    const t = this.now();
    if (done < this.total && this.#drawn && t - this.#last < 100) return;
    this.#last = t;
    this.#drawn = true;
    const width = 30;
    const ratio = this.total === 0 ? 1 : done / this.total;
    const filled = Math.round(ratio * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const pct = String(Math.floor(ratio * 100)).padStart(3);
    this.out.write(`\r${this.label} [${bar}] ${pct}% ${done}/${this.total}`);
  }

  /** Removes the bar from the line. */
  clear(): void {
    if (this.#drawn) this.out.write("\r\x1b[K");
    this.#drawn = false;
  }
}

type RowWriter = (trx: Transaction<Database>, w: Writer, raw: unknown) => Promise<string>;

/** Rows rejected by the use cases: the whole import is rolled back. */
class ImportRejected extends Error {
  constructor(readonly rejected: readonly Rejected[]) {
    super("import rejected");
  }
}

export interface ImportOptions {
  readonly kind: ImportKind;
  readonly file: string;
  readonly format?: string | undefined;
  readonly policy: Policy;
  /** Where the database is (DATABASE_URL or DATA_DIR). */
  readonly database: OpenDatabaseOptions;
  readonly clock?: () => number;
}

/** Most rejected rows listed one by one; the rest are counted. */
const MAX_LISTED = 500;

/** Runs an import; resolves to the exit code (0 imported, 2 rejected rows, nothing imported). */
export async function runImport(opts: ImportOptions, io: CliIo): Promise<number> {
  const format = importFormat(opts.file, opts.format);
  const text = stripBom(await readTextFile(opts.file, `${opts.kind} file`));
  const rows = format === "csv" ? csvRows(text, opts.kind) : ndjsonRows(text);

  const { openDatabase } = await import("../db/connection.js");
  const { migrateToLatest } = await import("../db/migrations/index.js");
  const { createOrderIn } = await import("../app/orders/create-order.js");
  const { recordPaymentIn } = await import("../app/orders/record-payment.js");
  const { recordServiceEventIn } = await import("../app/orders/service-events.js");
  const { reevaluate } = await import("../app/orders/shared.js");
  const { afterPaymentsRecorded } = await import("../app/ledger/duplicate-cases.js");

  const writeRow: Record<ImportKind, RowWriter> = {
    orders: async (trx, w, raw) => (await createOrderIn(trx, w, raw, "")).id,
    payments: async (trx, w, raw) => (await recordPaymentIn(trx, w, raw, "")).row.order_id,
    events: async (trx, w, raw) => (await recordServiceEventIn(trx, w, raw, "")).order_id,
  };

  let opened: OpenedDatabase | undefined;
  try {
    opened = await openDatabase(opts.database);
    await migrateToLatest(opened.db);
  } catch (e) {
    await opened?.close();
    // The message only: a connection error's stack may carry the URL (and its password).
    throw new CliError(`database: ${oneLine(e)}`, EXIT_INTERNAL);
  }
  const db = opened;
  const clock = opts.clock ?? Date.now;
  const deps = createAppDeps({
    db: db.db,
    dialect: db.dialect,
    policy: opts.policy,
    clock,
    dataDir: "dataDir" in opts.database ? (opts.database.dataDir ?? "./data") : "./data",
    logger: stderrLogger(io.stderr),
  });
  const ctx = { actor: IMPORT_ACTOR, ip: null };
  const w: Writer = { actorRef: IMPORT_ACTOR_REF, ip: null, now: clock(), ctx };
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const bar = tty ? new ProgressBar(io.stderr, rows.length, `importing ${opts.kind}`) : null;

  try {
    const count = await db.db.transaction().execute(async (trx) => {
      const rejected: Rejected[] = [];
      const touched = new Set<string>();
      let done = 0;
      for (const row of rows) {
        if ("error" in row) {
          rejected.push({ line: row.line, reason: row.error });
        } else {
          try {
            touched.add(await writeRow[opts.kind](trx, w, row.value));
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            const first = e.errors[0];
            rejected.push({
              line: row.line,
              reason: first === undefined ? e.message : `${first.path}: ${first.message}`,
            });
          }
        }
        bar?.update(++done);
      }
      if (rejected.length > 0) throw new ImportRejected(rejected);
      // New orders have no requests yet; payments and events may change open ones, and new
      // payments may be extras that open their own duplicate-payment case.
      if (opts.kind === "payments") {
        for (const orderId of touched) await afterPaymentsRecorded(deps, trx, orderId, w);
      } else if (opts.kind === "events") {
        for (const orderId of touched) await reevaluate(deps, trx, orderId, w);
      }
      return rows.length;
    });
    bar?.clear();
    await writeText(io.stdout, `imported ${count} ${opts.kind} from ${opts.file}\n`);
    return EXIT_OK;
  } catch (e) {
    bar?.clear();
    if (!(e instanceof ImportRejected)) {
      if (e instanceof CliError) throw e;
      throw new CliError(`import failed, nothing was imported: ${oneLine(e)}`, EXIT_INTERNAL);
    }
    const listed = e.rejected.slice(0, MAX_LISTED);
    let report = listed.map((r) => `line ${r.line}: ${r.reason}\n`).join("");
    if (e.rejected.length > listed.length) {
      report += `... and ${e.rejected.length - listed.length} more rejected rows\n`;
    }
    report +=
      `refund-desk: import rejected: ${e.rejected.length} of ${rows.length} ${opts.kind} ` +
      `rows invalid; nothing was imported\n`;
    await writeText(io.stderr, report);
    return EXIT_INVALID;
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

Every row is validated like the API validates it. If any row is rejected, each is listed with its
line and reason, nothing is imported and the exit code is 2. The database comes from DATABASE_URL
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
      "policy file for re-evaluating open requests (default: the shipped one)",
    )
    .addHelpText("after", IMPORT_HELP)
    .action(async (kind: string, file: string, opts: { format?: string; policy?: string }) => {
      if (!(IMPORT_KINDS as readonly string[]).includes(kind)) {
        throw new CliError(`import: unknown kind "${kind}"; use one of ${IMPORT_KINDS.join(", ")}`);
      }
      setCode(
        await runImport(
          {
            kind: kind as ImportKind,
            file,
            format: opts.format,
            policy: loadPolicy(opts.policy),
            database: databaseFromEnv(),
          },
          io,
        ),
      );
    });
}
