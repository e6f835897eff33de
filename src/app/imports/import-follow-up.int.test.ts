import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAppDeps } from "../../../test/support/app-deps.js";
import { freshDatabase, type TestDatabase } from "../../../test/support/database.js";
import { clientRow, orderRow, paymentRow, requestRow } from "../../../test/support/db-rows.js";
import type { AppDeps } from "../context.js";
import { afterPaymentsRecorded } from "../ledger/duplicate-cases.js";
import {
  importPaymentLines,
  importWriter,
  paymentLine,
} from "../../../test/support/import-lines.js";

// A payments import runs the single write's follow-up (`afterPaymentsRecorded`: open requests
// re-evaluated, duplicate-payment cases opened) only for the orders where it can do something;
// an order with no payment stored before the batch and no open request is decided in memory by
// the core's rule 2 (issue 18, session 11). These show the skip is exact: installments open
// nothing, duplicates open their case as before (also next to a payment stored before the
// import, and in later batches), an open request is still re-evaluated, payments captured at the
// same instant are left to the follow-up, and running the follow-up again afterwards on every
// order of the file finds nothing left to do. SQLite and PostgreSQL.

const NOW = Date.parse("2026-03-02T09:00:00Z");
const CLIENT = "CL-FU";

/** The rows a follow-up writes, counted. */
const FOLLOW_UP_TABLES = [
  "refund_requests",
  "recommendations",
  "decisions",
  "duplicate_payments",
  "payouts",
  "audit_events",
  "outbox",
] as const;

describe.each([1000, 1])("a payments import's follow-up (batches of %i)", (batchSize) => {
  let db: TestDatabase;
  let deps: AppDeps;
  const run = (lines: readonly string[]) => importPaymentLines(deps, NOW, lines, batchSize);
  const order = async (id: string, price = "480000") => {
    await db.db
      .insertInto("orders")
      .values(orderRow(CLIENT, { id, price_minor: price }))
      .execute();
    return { id, client_id: CLIENT };
  };
  const requestsOf = (orderId: string) =>
    db.db
      .selectFrom("refund_requests")
      .selectAll()
      .where("order_id", "=", orderId)
      .orderBy("submitted_at")
      .orderBy("id")
      .execute();
  const tiesOf = (orderId: string) =>
    db.db
      .selectFrom("duplicate_payments")
      .select(["payment_id", "request_id", "how"])
      .where("order_id", "=", orderId)
      .orderBy("payment_id")
      .execute();
  const counts = async () => {
    const n: Record<string, number> = {};
    for (const t of FOLLOW_UP_TABLES) {
      const r = await db.db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      n[t] = Number(r.n);
    }
    return n;
  };
  /** Runs the follow-up on each order again: it must find nothing left to do. */
  const followUpAgainDoesNothing = async (orderIds: readonly string[]) => {
    const before = await counts();
    await db.db.transaction().execute(async (trx) => {
      for (const id of orderIds) {
        const r = await afterPaymentsRecorded(deps, trx, id, importWriter(NOW));
        expect({ id, opened: r.opened, covered: r.covered }).toEqual({
          id,
          opened: null,
          covered: null,
        });
      }
    });
    expect(await counts()).toEqual(before);
  };

  beforeAll(async () => {
    db = await freshDatabase();
    deps = testAppDeps(db, () => NOW);
    await db.db
      .insertInto("clients")
      .values(clientRow({ id: CLIENT }))
      .execute();
  });
  afterAll(() => db?.close());

  it("installments open nothing; duplicates open their approved case, as a single write does", async () => {
    const p = `B${batchSize}`;
    await order(`${p}-INST`);
    await order(`${p}-DUP`);
    await order(`${p}-THIRD`);
    await order(`${p}-FREE`, "0");
    const before = await counts();
    const r = await run([
      paymentLine(`${p}-I1`, `${p}-INST`, "2400.00", "2026-02-02T10:05:00Z"),
      paymentLine(`${p}-D1`, `${p}-DUP`, "4800.00", "2026-02-02T10:05:00Z"),
      paymentLine(`${p}-I2`, `${p}-INST`, "2400.00", "2026-02-03T10:05:00Z"),
      paymentLine(`${p}-D2`, `${p}-DUP`, "4800.00", "2026-02-02T10:07:00Z"),
      // Three halves: the third is extra.
      paymentLine(`${p}-T1`, `${p}-THIRD`, "2400.00", "2026-02-02T10:05:00Z"),
      paymentLine(`${p}-T2`, `${p}-THIRD`, "2400.00", "2026-02-02T11:05:00Z"),
      paymentLine(`${p}-T3`, `${p}-THIRD`, "2400.00", "2026-02-02T12:05:00Z"),
      // Nothing due: a lone payment is extra.
      paymentLine(`${p}-F1`, `${p}-FREE`, "10.00", "2026-02-02T10:05:00Z"),
    ]);
    expect(r).toEqual({ ok: true, rows: 8, written: 8, dryRun: false });

    expect(await requestsOf(`${p}-INST`)).toEqual([]);
    expect(await tiesOf(`${p}-INST`)).toEqual([]);
    for (const [orderId, extra, amount] of [
      [`${p}-DUP`, `${p}-D2`, "4800.00"],
      [`${p}-THIRD`, `${p}-T3`, "2400.00"],
      [`${p}-FREE`, `${p}-F1`, "10.00"],
    ] as const) {
      const reqs = await requestsOf(orderId);
      expect(reqs.map((q) => [q.reason, q.status, q.client_id])).toEqual([
        ["duplicate_payment", "approved", CLIENT],
      ]);
      expect(reqs[0]?.description).toContain(`payment ${extra} (${amount} USD by card`);
      expect(await tiesOf(orderId)).toEqual([
        { payment_id: extra, request_id: reqs[0]?.id, how: "opened" },
      ]);
      const audit = await db.db
        .selectFrom("audit_events")
        .select(["action", "actor"])
        .where("entity_id", "=", reqs[0]?.id ?? "")
        .orderBy("seq")
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        "request.submit",
        "request.start_review",
        "request.approve",
      ]);
    }
    // Three cases, each with its recommendation, decision, payout, and audit entries: the
    // import's own audit entries are one per payment.
    const after = await counts();
    expect(after["refund_requests"]! - before["refund_requests"]!).toBe(3);
    expect(after["duplicate_payments"]! - before["duplicate_payments"]!).toBe(3);
    expect(after["decisions"]! - before["decisions"]!).toBe(3);

    await followUpAgainDoesNothing([`${p}-INST`, `${p}-DUP`, `${p}-THIRD`, `${p}-FREE`]);
  });

  it("a duplicate of a payment stored before the import still opens its case; the other half of a stored one does not", async () => {
    const p = `S${batchSize}`;
    const dup = await order(`${p}-DUP`);
    const half = await order(`${p}-HALF`);
    await db.db
      .insertInto("payments")
      .values([
        paymentRow(dup, { id: `${p}-D1`, charge_ref: dup.id }),
        paymentRow(half, { id: `${p}-H1`, charge_ref: half.id, amount_minor: "240000" }),
      ])
      .execute();
    const r = await run([
      paymentLine(`${p}-D2`, dup.id, "4800.00", "2026-02-02T10:07:00Z"),
      paymentLine(`${p}-H2`, half.id, "2400.00", "2026-02-02T10:07:00Z"),
    ]);
    expect(r).toEqual({ ok: true, rows: 2, written: 2, dryRun: false });
    const reqs = await requestsOf(dup.id);
    expect(reqs.map((q) => [q.reason, q.status])).toEqual([["duplicate_payment", "approved"]]);
    expect(await tiesOf(dup.id)).toEqual([
      { payment_id: `${p}-D2`, request_id: reqs[0]?.id, how: "opened" },
    ]);
    expect(await requestsOf(half.id)).toEqual([]);
    await followUpAgainDoesNothing([dup.id, half.id]);
  });

  it("an order with an open request is re-evaluated, and its open duplicate-payment request covers the extra", async () => {
    const p = `R${batchSize}`;
    const single = await order(`${p}-ONE`);
    const covered = await order(`${p}-COV`);
    const open = requestRow(single, { id: `${p}-REQ-1` });
    const client = requestRow(covered, {
      id: `${p}-REQ-2`,
      reason: "duplicate_payment",
      description: "My bank shows two charges.",
    });
    await db.db.insertInto("refund_requests").values([open, client]).execute();
    const recommendations = (requestId: string) =>
      db.db
        .selectFrom("recommendations")
        .select("id")
        .where("request_id", "=", requestId)
        .execute();
    expect(await recommendations(open.id)).toEqual([]);

    const r = await run([
      // One payment: no extra possible, but the open request is re-evaluated with it.
      paymentLine(`${p}-O1`, single.id, "4800.00", "2026-02-02T10:05:00Z"),
      paymentLine(`${p}-C1`, covered.id, "4800.00", "2026-02-02T10:05:00Z"),
      paymentLine(`${p}-C2`, covered.id, "4800.00", "2026-02-02T10:07:00Z"),
    ]);
    expect(r).toEqual({ ok: true, rows: 3, written: 3, dryRun: false });
    expect(await recommendations(open.id)).toHaveLength(1);
    const reqs = await requestsOf(single.id);
    expect(reqs.map((q) => [q.id, q.recommendation_id !== null])).toEqual([[open.id, true]]);
    expect((await requestsOf(covered.id)).map((q) => q.id)).toEqual([client.id]);
    expect(await tiesOf(covered.id)).toEqual([
      { payment_id: `${p}-C2`, request_id: client.id, how: "covered" },
    ]);
    await followUpAgainDoesNothing([single.id, covered.id]);
  });

  it("payments captured at the same instant are taken in the database's order, as the follow-up takes them", async () => {
    const p = `T${batchSize}`;
    const tie = await order(`${p}-TIE`);
    // In the file's order the small payment comes first and nothing would be extra; the follow-up
    // reads them by capture time, then id: the full payment (…-A) first, the small one extra.
    const r = await run([
      paymentLine(`${p}-B`, tie.id, "10.00", "2026-02-02T10:05:00Z"),
      paymentLine(`${p}-A`, tie.id, "4800.00", "2026-02-02T10:05:00Z"),
    ]);
    expect(r).toEqual({ ok: true, rows: 2, written: 2, dryRun: false });
    const reqs = await requestsOf(tie.id);
    expect(reqs.map((q) => q.reason)).toEqual(["duplicate_payment"]);
    expect(await tiesOf(tie.id)).toEqual([
      { payment_id: `${p}-B`, request_id: reqs[0]?.id, how: "opened" },
    ]);
    await followUpAgainDoesNothing([tie.id]);
  });
});
