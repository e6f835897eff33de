// `refund-desk privacy export` and `privacy erase` on the database DATA_DIR / DATABASE_URL names:
// the archive is written with the contact's data, the erasure needs --yes, and afterwards the
// export shows the pseudonym. SQLite in npm test, PostgreSQL with DATABASE_URL.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createUser } from "../app/auth/index.js";
import { testAppDeps } from "../../test/support/app-deps.js";
import { run, tempDir } from "../../test/support/cli.js";
import { clientRow } from "../../test/support/db-rows.js";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";

let db: TestDatabase;
const saved = { ...process.env };

beforeEach(async () => {
  db = await freshDatabase();
  if (db.options.databaseUrl !== undefined) {
    process.env["DATABASE_URL"] = db.options.databaseUrl;
    process.env["DATABASE_SCHEMA"] = db.options.schema ?? "";
  } else {
    delete process.env["DATABASE_URL"];
    process.env["DATA_DIR"] = db.options.dataDir!;
  }
});

afterEach(async () => {
  process.env = { ...saved };
  await db.close();
});

describe("refund-desk privacy", () => {
  it("exports a contact's archive, and erases it only with --yes", async () => {
    const deps = testAppDeps(db);
    const client = clientRow();
    await db.db.insertInto("clients").values(client).execute();
    const user = await createUser(deps, "system", {
      email: "dora@cli.example",
      name: "Dora Contact",
      role: "client",
      clientId: client.id,
      password: "a long enough passphrase",
    });
    const out = join(tempDir(), "dora.json");
    const exported = await run(["privacy", "export", "--email", "dora@cli.example", "--out", out]);
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    const archive = JSON.parse(await readFile(out, "utf8")) as {
      format: string;
      contact: { email: string; name: string };
      auditTrail: { personal: { email?: string } | null }[];
    };
    expect(archive.format).toBe("refund-desk.personal-data/1");
    expect(archive.contact).toMatchObject({ email: "dora@cli.example", name: "Dora Contact" });
    expect(archive.auditTrail.some((e) => e.personal?.email === "dora@cli.example")).toBe(true);

    const refused = await run(["privacy", "erase", "--user", user.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const erased = await run(["privacy", "erase", "--user", user.id, "--yes"]);
    expect(erased.stderr).toBe("");
    expect(erased.code).toBe(0);
    expect(erased.stdout).toMatch(/^erased usr_.* \(now erased-.*@erased\.invalid\)/);
    const after = await run(["privacy", "export", "--user", user.id]);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toContain("dora@cli.example");
    expect(after.stdout).not.toContain("Dora Contact");
    const verify = await run(["audit", "verify"]);
    expect(verify.code).toBe(0);
  }, 60_000);
});
