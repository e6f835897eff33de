// `refund-desk import` as built (dist/), where each pass parses in a worker thread
// (app/imports/prepared-batches.ts; the in-process tests run the TypeScript sources, which parse
// in the test's own thread): the same rows, audit entries and problems come out of the worker as
// out of the inline path, a broken file is refused with its line, and memory stays bounded.

import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { collector, tempDir, writeTemp } from "../../test/support/cli.js";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { clientRow } from "../../test/support/db-rows.js";
import { ensureDist, ROOT } from "../../test/support/dist.js";
import { canonicalJson, verifyAudit, type JsonValue } from "../db/audit.js";
import { presentOrder } from "../app/orders/present.js";
import type { Policy } from "../core/policy/index.js";
import { loadPolicyFile } from "../policy-file/load.js";
import { runImport, type ImportKind } from "./import.js";
import { CliError, oneLine, type CliIo } from "./io.js";
import { IMPORT_COLUMNS } from "../app/imports/rows.js";

function policy(): Policy {
  const p = loadPolicyFile();
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

// The import's own column lists (the CSV header it reads).
const ORDER_HEADER = IMPORT_COLUMNS.orders.join(",");
const PAYMENT_HEADER = IMPORT_COLUMNS.payments.join(",");
const ROWS = 2_500; // several batches and several chunks of the file

describe("refund-desk import (built: a parse worker per pass)", () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    ensureDist();
    db = await freshDatabase();
    await db.db
      .insertInto("clients")
      .values([clientRow({ id: "CL-W1" }), clientRow({ id: "CL-W2" })])
      .execute();
    dir = tempDir();
  }, 120_000);
  afterAll(() => db?.close());

  /** The same import in this process, from the TypeScript sources: parsing in this thread. */
  const inProcess = async (kind: ImportKind, file: string) => {
    const out = collector();
    const err = collector();
    const io: CliIo = {
      stdin: Readable.from([]),
      stdout: out.stream,
      stderr: err.stream,
      exit: () => undefined,
    };
    try {
      const code = await runImport({ kind, file, policy: policy(), database: db.options }, io);
      return { code, stdout: out.text(), stderr: err.text() };
    } catch (e) {
      // As the program reports a CliError (program.ts).
      if (!(e instanceof CliError)) throw e;
      return { code: e.exitCode, stdout: out.text(), stderr: `refund-desk: ${oneLine(e)}\n` };
    }
  };

  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const o = db.options;
      const env =
        "databaseUrl" in o && o.databaseUrl !== undefined
          ? { ...process.env, DATABASE_URL: o.databaseUrl, DATABASE_SCHEMA: o.schema ?? "" }
          : { ...process.env, DATABASE_URL: "", DATA_DIR: (o as { dataDir: string }).dataDir };
      const child = spawn(
        process.execPath,
        [join(ROOT, "dist", "src", "cli", "main.js"), ...args],
        {
          cwd: ROOT,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });

  it("imports orders then payments, every row and audit entry as the single-row writes make them", async () => {
    const orders = Array.from(
      { length: ROWS },
      (_, i) =>
        `W-${i},CL-W${(i % 2) + 1},"Audit, ""${i}""",audit,one_off,${i}.5,EUR,` +
        `2026-02-02T10:00:00.${String(i % 1000).padStart(3, "0")}+07:00,,,,,,,`,
    );
    const ordersFile = writeTemp(
      dir,
      "orders.csv",
      `${ORDER_HEADER}\r\n${orders.join("\r\n")}\r\n`,
    );
    const o = await cli(["import", "orders", ordersFile]);
    expect(o.stderr).toBe("");
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(new RegExp(`^imported ${ROWS} orders`));

    const payments = Array.from(
      { length: ROWS },
      (_, i) => `PAY-W${i},W-${i},W-${i},${i}.5,EUR,card,2026-02-03T00:00:00Z,ch_w${i}`,
    );
    const paymentsFile = writeTemp(
      dir,
      "payments.csv",
      `${PAYMENT_HEADER}\n${payments.join("\n")}\n`,
    );
    const p = await cli(["import", "payments", paymentsFile]);
    expect(p.stderr).toBe("");
    expect(p.code).toBe(0);

    const stored = await db.db
      .selectFrom("orders")
      .selectAll()
      .where("id", "like", "W-%")
      .execute();
    expect(stored).toHaveLength(ROWS);
    const byId = new Map(stored.map((r) => [r.id, r]));
    expect(byId.get("W-7")).toMatchObject({
      client_id: "CL-W2",
      service_name: 'Audit, "7"',
      price_minor: "750",
      placed_at: "2026-02-02T03:00:00.007Z",
    });
    const entries = await db.db
      .selectFrom("audit_events")
      .select(["entity_id", "summary"])
      .where("action", "=", "order.created")
      .where("entity_id", "like", "W-%")
      .orderBy("seq")
      .execute();
    // In the file's order, each summary the order as the API shows it (what createOrder audits).
    expect(entries.map((e) => e.entity_id)).toEqual(orders.map((_, i) => `W-${i}`));
    for (const e of entries) {
      const { version, createdAt, updatedAt, ...facts } = presentOrder(byId.get(e.entity_id)!);
      void [version, createdAt, updatedAt];
      expect(e.summary).toBe(canonicalJson(facts as unknown as JsonValue));
    }
    const paid = await db.db
      .selectFrom("payments")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("id", "like", "PAY-W%")
      .executeTakeFirstOrThrow();
    expect(Number(paid.n)).toBe(ROWS);
    expect(await verifyAudit(db.db)).toMatchObject({ ok: true });
  }, 120_000);

  it("reports every problem with its line, as the inline path does, and writes nothing", async () => {
    const rows = [
      `X-1,CL-W1,Audit,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,`,
      `X-2,CL-NONE,Audit,audit,weekly,-1.00,USD,not a time,,,,,,,`,
      `X-3,CL-W1,Audit`,
      `W-1,CL-W1,Audit,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,`,
      `X-1,CL-W1,Audit,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,`,
      `bad id,,,,,,,,,,,,,,`,
    ];
    const file = writeTemp(dir, "bad.csv", `${ORDER_HEADER}\n${rows.join("\n")}\n`);
    const worker = await cli(["import", "orders", file]);
    const inline = await inProcess("orders", file);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toBe(inline.stderr);
    expect(inline.code).toBe(2);
    expect(worker.stderr).toMatch(/^line 7: id: /m);
    const x = await db.db.selectFrom("orders").select("id").where("id", "like", "X-%").execute();
    expect(x).toEqual([]);
  }, 120_000);

  it("refuses a file whose quoting is broken, naming the line, before writing anything", async () => {
    // Past the first MiB, which the command reads before it starts (to refuse a bad header at once),
    // so the worker of pass 1 is the one that meets it.
    const good = Array.from(
      { length: 20_000 },
      (_, i) => `Y-${i},CL-W1,Audit,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,`,
    );
    const file = writeTemp(
      dir,
      "broken.csv",
      `${ORDER_HEADER}\n${good.join("\n")}\nY-X,CL-W1,"Audit,audit,one_off,1.00,USD,2026-02-02T10:00:00Z,,,,,,,\n`,
    );
    const worker = await cli(["import", "orders", file]);
    const inline = await inProcess("orders", file);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/line 20002: /);
    expect(worker.stderr).toBe(inline.stderr);
    const y = await db.db.selectFrom("orders").select("id").where("id", "like", "Y-%").execute();
    expect(y).toEqual([]);
  }, 120_000);
});
