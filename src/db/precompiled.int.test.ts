// Precompiled queries (ADR 0011): built once per dialect, run with fresh parameters each call,
// in transactions and outside them, on SQLite and PostgreSQL.

import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { precompile } from "./precompiled.js";

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const INSERT = precompile<{ id: string; name: string; email: string; at: string }>()((db, p) =>
  db.insertInto("clients").values({
    id: p("id"),
    name: p("name"),
    email: p("email"),
    created_at: p("at"),
    updated_at: p("at"),
  }),
);

const BY_NAME = precompile<{ name: string }>()((db, p) =>
  db.selectFrom("clients").select(["id", "name"]).where("name", "=", p("name")).orderBy("id"),
);

describe("precompile", () => {
  it("runs one compiled query with each call's parameters", async () => {
    t = await freshDatabase();
    const at = "2026-02-16T09:30:00.000Z";
    expect(await INSERT.executeWrite(t.db, { id: "c1", name: "A", email: "a@x.example", at })).toBe(
      1n,
    );
    await t.db.transaction().execute(async (trx) => {
      await INSERT.executeWrite(trx, { id: "c2", name: "B", email: "b@x.example", at });
      await INSERT.executeWrite(trx, { id: "c3", name: "A", email: "c@x.example", at });
      expect(await BY_NAME.execute(trx, { name: "B" })).toEqual([{ id: "c2", name: "B" }]);
    });
    expect(await BY_NAME.execute(t.db, { name: "A" })).toEqual([
      { id: "c1", name: "A" },
      { id: "c3", name: "A" },
    ]);
    expect(await BY_NAME.executeTakeFirst(t.db, { name: "none" })).toBeUndefined();
    expect(BY_NAME.sqlFor(t.db)).toMatch(/where "name" = (\?|\$1)/);
  });

  it("refuses a placeholder that does not become a bound parameter", async () => {
    t = await freshDatabase();
    const unused = precompile<{ id: string }>()((db, p) => {
      p("id"); // asked for, then not used as a value
      return db.selectFrom("clients").select("id");
    });
    await expect(unused.execute(t.db, { id: "x" })).rejects.toThrow(/did not become a parameter/);
  });
});
