import { Readable } from "node:stream";
import { PolicyStore } from "../app/policy/store.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collector, run } from "../../test/support/cli.js";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { clientRow, orderRow, paymentRow, requestRow } from "../../test/support/db-rows.js";
import { SILENT_LOGGER } from "../app/context.js";
import { scanLedger } from "../app/ledger/scan-ledger.js";
import type { Policy } from "../core/policy/index.js";
import { loadPolicyFile } from "../policy-file/load.js";
import type { CliIo } from "./io.js";
import { runLedgerScan } from "./ledger-scan.js";

// `refund-desk ledger scan` on a ledger loaded before duplicate detection existed (rows written
// straight to the tables, so no case was opened on the way in), on SQLite and PostgreSQL: the dry
// run opens nothing, the scan opens the missing cases, a second scan opens nothing new.

const NOW = Date.parse("2026-03-02T09:00:00Z");

function policy(): Policy {
  const p = loadPolicyFile();
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

function io() {
  const out = collector();
  const err = collector();
  const cli: CliIo = {
    stdin: Readable.from([]),
    stdout: out.stream,
    stderr: err.stream,
    exit: () => undefined,
  };
  return { cli, stdout: out.text, stderr: err.text };
}

describe("refund-desk ledger scan", () => {
  let db: TestDatabase;
  const P = policy();
  const deps = () => ({
    db: db.db,
    policies: new PolicyStore({ db: db.db, initial: P, clock: () => NOW, cacheClock: () => 0 }),
    clock: () => NOW,
    logger: SILENT_LOGGER,
  });

  const at = (minute: number) => new Date(Date.parse("2026-02-02T10:05:00Z") + minute * 60_000);
  const requests = () =>
    db.db.selectFrom("refund_requests").selectAll().orderBy("order_id").execute();

  beforeAll(async () => {
    db = await freshDatabase();
    const client = clientRow({ id: "CL-1" });
    await db.db.insertInto("clients").values(client).execute();
    // ORD-1 paid once; ORD-2 twice in full; ORD-3 in two halves; ORD-4 three times in full;
    // ORD-5 twice, with the client's own open duplicate-payment request; ORD-6 five times (more
    // payments than a page of 3).
    const plan: Record<string, number[]> = {
      "ORD-1": [480000],
      "ORD-2": [480000, 480000],
      "ORD-3": [240000, 240000],
      "ORD-4": [480000, 480000, 480000],
      "ORD-5": [480000, 480000],
      "ORD-6": [480000, 480000, 480000, 480000, 480000],
    };
    for (const [id, amounts] of Object.entries(plan)) {
      const order = orderRow(client.id, { id });
      await db.db.insertInto("orders").values(order).execute();
      await db.db
        .insertInto("payments")
        .values(
          amounts.map((minor, i) =>
            paymentRow(
              { id, client_id: client.id },
              {
                id: `${id}-P${i + 1}`,
                charge_ref: id,
                amount_minor: String(minor),
                captured_at: at(i).toISOString(),
              },
            ),
          ),
        )
        .execute();
    }
    await db.db
      .insertInto("refund_requests")
      .values(
        requestRow(
          { id: "ORD-5", client_id: client.id },
          { id: "req_client", reason: "duplicate_payment", description: "Charged twice." },
        ),
      )
      .execute();
  });
  afterAll(() => db?.close());

  it("--dry-run reports the extras and the cases it would open, and opens nothing", async () => {
    const o = io();
    const code = await runLedgerScan(
      { dryRun: true, policy: P, database: db.options, pageSize: 3, clock: () => NOW },
      o.cli,
    );
    expect(o.stderr()).toBe("");
    expect(code).toBe(0);
    expect(o.stdout()).toMatch(/dry run: nothing opened/);
    expect(o.stdout()).toMatch(/orders scanned +6\n/);
    expect(o.stdout()).toMatch(/payments +15\n/);
    expect(o.stdout()).toMatch(/extra payments found +8\n/);
    expect(o.stdout()).toMatch(/cases to open +3 \(for 7 extras\)/);
    expect(await requests()).toHaveLength(1);
    const ties = await db.db.selectFrom("duplicate_payments").selectAll().execute();
    expect(ties).toEqual([]);
  });

  it("opens the missing cases, then a second scan opens nothing new", async () => {
    const first = await scanLedger(deps(), { dryRun: false, pageSize: 3 });
    expect(first).toEqual({
      orders: 6,
      payments: 15,
      extras: 8,
      alreadyCovered: 0,
      coveredByOpenRequests: 1,
      casesOpened: 3,
      autoApproved: 3,
      extrasInNewCases: 7,
    });
    const reqs = await requests();
    expect(reqs.map((r) => [r.order_id, r.reason, r.status])).toEqual([
      ["ORD-2", "duplicate_payment", "approved"],
      ["ORD-4", "duplicate_payment", "approved"],
      ["ORD-5", "duplicate_payment", "submitted"],
      ["ORD-6", "duplicate_payment", "approved"],
    ]);
    const ties = await db.db
      .selectFrom("duplicate_payments")
      .select(["payment_id", "how"])
      .orderBy("payment_id")
      .execute();
    expect(ties).toEqual([
      { payment_id: "ORD-2-P2", how: "opened" },
      { payment_id: "ORD-4-P2", how: "opened" },
      { payment_id: "ORD-4-P3", how: "opened" },
      { payment_id: "ORD-5-P2", how: "covered" },
      { payment_id: "ORD-6-P2", how: "opened" },
      { payment_id: "ORD-6-P3", how: "opened" },
      { payment_id: "ORD-6-P4", how: "opened" },
      { payment_id: "ORD-6-P5", how: "opened" },
    ]);
    const approvedOrd4 = await db.db
      .selectFrom("decisions")
      .innerJoin("refund_requests", "refund_requests.id", "decisions.request_id")
      .select(["decisions.amount_minor", "decisions.decided_by"])
      .where("refund_requests.order_id", "=", "ORD-4")
      .executeTakeFirstOrThrow();
    expect(approvedOrd4).toEqual({ amount_minor: "960000", decided_by: "usr_system" });

    const o = io();
    const code = await runLedgerScan(
      { dryRun: false, policy: P, database: db.options, clock: () => NOW },
      o.cli,
    );
    expect(code).toBe(0);
    expect(o.stdout()).toMatch(/already covered +8\n/);
    expect(o.stdout()).toMatch(/cases opened +0 \(for 0 extras; 0 approved automatically/);
    expect(await requests()).toHaveLength(4);
    expect(await scanLedger(deps(), { dryRun: false })).toMatchObject({
      extras: 8,
      alreadyCovered: 8,
      casesOpened: 0,
      coveredByOpenRequests: 0,
    });
  });
});

describe("refund-desk ledger scan: usage", () => {
  it("--help explains the command with an example", async () => {
    const r = await run(["ledger", "scan", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--dry-run");
    expect(r.stdout).toContain("$ refund-desk ledger scan --dry-run");
  });

  it("bad options exit 2 with a message", async () => {
    const unknown = await run(["ledger", "scan", "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    const size = await run(["ledger", "scan", "--page-size", "zero"]);
    expect(size.code).toBe(2);
    expect(size.stderr).toBe(
      'refund-desk: --page-size must be a whole number of at least 1, not "zero"\n',
    );
    const extra = await run(["ledger", "scan", "now"]);
    expect(extra.code).toBe(2);
  });
});
