// insertRows with conflicts left out: the ids it reports are exactly the rows that went in, over
// several statements, whether nothing, some or every row of a statement clashed (on SQLite read
// back by rowid, on PostgreSQL returned by the statement). SQLite and PostgreSQL.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { clientRow, orderRow } from "../../test/support/db-rows.js";
import { insertRows, ROWS_PER_INSERT } from "./bulk-insert.js";

describe("insertRows, leaving out rows that clash", () => {
  let db: TestDatabase;
  const client = clientRow({ id: "CL-BULK" });
  const order = (id: string, serviceName = "Audit") =>
    orderRow(client.id, { id, service_name: serviceName });
  const storedIds = async (prefix: string) =>
    (
      await db.db
        .selectFrom("orders")
        .select("id")
        .where("id", "like", `${prefix}%`)
        .orderBy("id")
        .execute()
    ).map((r) => r.id);

  beforeAll(async () => {
    db = await freshDatabase();
    await db.db.insertInto("clients").values(client).execute();
  });
  afterAll(() => db?.close());

  it("reports every row of a batch when none clashes", async () => {
    const rows = Array.from({ length: ROWS_PER_INSERT + 7 }, (_, i) => order(`A-${1000 + i}`));
    const inserted = await db.db
      .transaction()
      .execute((trx) => insertRows(trx, "orders", rows, true));
    expect([...inserted].sort()).toEqual(rows.map((r) => r.id));
    expect(await storedIds("A-")).toEqual(rows.map((r) => r.id));
  });

  it("reports only the rows that went in when some clash, in any statement", async () => {
    // Stored before: one in the first statement's range, one in the second's.
    await db.db
      .insertInto("orders")
      .values([order("B-1003", "stored"), order("B-1600", "stored")])
      .execute();
    const ids = Array.from({ length: 2 * ROWS_PER_INSERT + 3 }, (_, i) => `B-${1000 + i}`);
    // The same id twice within one statement (the second is left out) and across two.
    const rows = [...ids, "B-1010", "B-1002"].map((id) => order(id, "imported"));
    rows.splice(20, 0, order("B-1011", "again"));
    const inserted = await db.db
      .transaction()
      .execute((trx) => insertRows(trx, "orders", rows, true));
    const expected = ids.filter((id) => id !== "B-1003" && id !== "B-1600");
    expect([...inserted].sort()).toEqual(expected);
    expect(await storedIds("B-")).toEqual(ids);
    // The clashing rows changed nothing.
    const names = await db.db
      .selectFrom("orders")
      .select(["id", "service_name"])
      .where("id", "in", ["B-1003", "B-1600", "B-1010", "B-1011", "B-1002"])
      .orderBy("id")
      .execute();
    expect(names).toEqual([
      { id: "B-1002", service_name: "imported" },
      { id: "B-1003", service_name: "stored" },
      { id: "B-1010", service_name: "imported" },
      { id: "B-1011", service_name: "imported" },
      { id: "B-1600", service_name: "stored" },
    ]);
  });

  it("reports nothing when every row clashes", async () => {
    const rows = ["A-1000", "A-1001", "B-1000"].map((id) => order(id, "again"));
    const inserted = await db.db
      .transaction()
      .execute((trx) => insertRows(trx, "orders", rows, true));
    expect([...inserted]).toEqual([]);
  });
});
