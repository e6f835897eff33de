import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collector, tempDir, writeTemp } from "../../test/support/cli.js";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { clientRow, orderRow } from "../../test/support/db-rows.js";
import type { Policy } from "../core/policy/index.js";
import { loadPolicyFile } from "../policy-file/load.js";
import { runImport } from "./import.js";
import type { CliIo } from "./io.js";
import { paymentLine } from "../../test/support/import-lines.js";

// `refund-desk import payments` opens the duplicate-payment cases its rows create, in the import's
// one transaction (SQLite and PostgreSQL); a rejected file opens nothing.

const NOW = Date.parse("2026-03-02T09:00:00Z");

function policy(): Policy {
  const p = loadPolicyFile();
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

function io(): { cli: CliIo; stdout: () => string; stderr: () => string } {
  const out = collector();
  const err = collector();
  return {
    cli: {
      stdin: Readable.from([]),
      stdout: out.stream,
      stderr: err.stream,
      exit: () => undefined,
    },
    stdout: out.text,
    stderr: err.text,
  };
}

describe("import payments: duplicates open their case", () => {
  let db: TestDatabase;
  let dir: string;
  const P = policy();
  const importPayments = async (name: string, lines: string[]) => {
    const o = io();
    const code = await runImport(
      {
        kind: "payments",
        file: writeTemp(dir, name, lines.join("\n") + "\n"),
        policy: P,
        database: db.options,
        clock: () => NOW,
      },
      o.cli,
    );
    return { code, stdout: o.stdout(), stderr: o.stderr() };
  };
  const requests = () =>
    db.db.selectFrom("refund_requests").selectAll().orderBy("order_id").execute();

  beforeAll(async () => {
    db = await freshDatabase();
    dir = tempDir();
    const client = clientRow({ id: "CL-1" });
    await db.db.insertInto("clients").values(client).execute();
    await db.db
      .insertInto("orders")
      .values([orderRow(client.id, { id: "ORD-1" }), orderRow(client.id, { id: "ORD-2" })])
      .execute();
  });
  afterAll(() => db?.close());

  it("a rejected file opens nothing", async () => {
    const r = await importPayments("bad.ndjson", [
      paymentLine("P1", "ORD-1", "4800.00", "2026-02-02T10:05:00Z"),
      paymentLine("P2", "ORD-1", "4800.00", "2026-02-02T10:07:00Z"),
      paymentLine("P3", "ORD-404", "4800.00", "2026-02-02T10:07:00Z"),
    ]);
    expect(r.code).toBe(2);
    expect(await requests()).toEqual([]);
  });

  it("a file with a duplicate and with installments opens one approved case for the duplicate", async () => {
    const r = await importPayments("good.ndjson", [
      paymentLine("P1", "ORD-1", "4800.00", "2026-02-02T10:05:00Z"),
      paymentLine("P2", "ORD-1", "4800.00", "2026-02-02T10:07:00Z"),
      paymentLine("H1", "ORD-2", "2400.00", "2026-02-02T10:05:00Z"),
      paymentLine("H2", "ORD-2", "2400.00", "2026-02-03T10:05:00Z"),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const reqs = await requests();
    expect(reqs.map((q) => [q.order_id, q.reason, q.status])).toEqual([
      ["ORD-1", "duplicate_payment", "approved"],
    ]);
    expect(reqs[0]?.description).toContain("payment P2 (4800.00 USD by card");
    const ties = await db.db.selectFrom("duplicate_payments").selectAll().execute();
    expect(ties.map((t) => [t.payment_id, t.request_id, t.how])).toEqual([
      ["P2", reqs[0]?.id, "opened"],
    ]);
    // Importing the same file again replays every row: nothing new.
    expect(
      (
        await importPayments("again.ndjson", [
          paymentLine("P1", "ORD-1", "4800.00", "2026-02-02T10:05:00Z"),
          paymentLine("P2", "ORD-1", "4800.00", "2026-02-02T10:07:00Z"),
        ])
      ).code,
    ).toBe(0);
    expect(await requests()).toHaveLength(1);
  });
});
