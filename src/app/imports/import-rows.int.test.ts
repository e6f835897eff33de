import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAppDeps } from "../../../test/support/app-deps.js";
import { importPaymentLines } from "../../../test/support/import-lines.js";
import { freshDatabase, type TestDatabase } from "../../../test/support/database.js";
import { clientRow, orderRow } from "../../../test/support/db-rows.js";
import type { AppDeps } from "../context.js";

// A payment repeated in a later batch of the same import is found by the insert itself (pass 2
// looks stored payments up only when pass 1 saw some): an identical one is a replay, skipped; a
// different one is a clash, and nothing is written. The same path catches a payment that another
// writer stores between the two passes. SQLite and PostgreSQL.

const NOW = Date.parse("2026-03-02T09:00:00Z");

const pay = (id: string, amount: string) =>
  JSON.stringify({
    id,
    orderId: "ORD-IR-1",
    chargeRef: "ORD-IR-1",
    amount: { amount, currency: "USD" },
    method: "card",
    capturedAt: "2026-02-05T10:00:00Z",
    providerRef: `ch_${id}`,
  });

describe("importRows, payments repeated across batches", () => {
  let db: TestDatabase;
  let deps: AppDeps;
  const run = (lines: readonly string[]) => importPaymentLines(deps, NOW, lines, 1);
  const payments = async () =>
    (await db.db.selectFrom("payments").select(["id", "amount_minor"]).orderBy("id").execute()).map(
      (p) => [p.id, p.amount_minor],
    );

  beforeAll(async () => {
    db = await freshDatabase();
    deps = testAppDeps(db, () => NOW);
    await db.db
      .insertInto("clients")
      .values(clientRow({ id: "CL-IR" }))
      .execute();
    await db.db
      .insertInto("orders")
      .values(orderRow("CL-IR", { id: "ORD-IR-1" }))
      .execute();
  });
  afterAll(() => db?.close());

  it("skips an identical repeat in a later batch, and writes the payment once", async () => {
    const r = await run([pay("PAY-IR-A", "1.00"), pay("PAY-IR-A", "1.00")]);
    expect(r).toEqual({ ok: true, rows: 2, written: 1, dryRun: false });
    expect(await payments()).toEqual([["PAY-IR-A", "100"]]);
  });

  it("rejects a different payment under the same id in a later batch, and writes nothing", async () => {
    const r = await run([pay("PAY-IR-B", "1.00"), pay("PAY-IR-B", "2.00")]);
    expect(r).toEqual({
      ok: false,
      rows: 2,
      rejected: [
        { line: 2, reason: 'id: a different payment with id "PAY-IR-B" is already recorded' },
        {
          line: 2,
          reason:
            "providerRef: this provider reference is already recorded for a different payment",
        },
      ],
    });
    expect(await payments()).toEqual([["PAY-IR-A", "100"]]);
  });

  it("skips a payment stored by an earlier import, and writes the new one", async () => {
    const r = await run([pay("PAY-IR-A", "1.00"), pay("PAY-IR-C", "3.00")]);
    expect(r).toEqual({ ok: true, rows: 2, written: 1, dryRun: false });
    expect(await payments()).toEqual([
      ["PAY-IR-A", "100"],
      ["PAY-IR-C", "300"],
    ]);
  });
});
