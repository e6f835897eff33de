// `refund-desk policy ...` on a fresh database (DATA_DIR, or DATABASE_URL + DATABASE_SCHEMA):
// the first start publishes the shipped file; publish refuses a bad file naming the field's path
// and an instant in the past (exit 2); show --at, versions, diff and withdraw.

import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { freshDatabase, type TestDatabase } from "../../test/support/database.js";
import { tempDir, writeTemp } from "../../test/support/cli.js";
import { policyDocument } from "../core/policy/index.js";
import { loadPolicyFile } from "../policy-file/load.js";
import { runCli, type CliIo } from "./program.js";

let db: TestDatabase;
let dir: string;
const saved = {
  DATA_DIR: process.env["DATA_DIR"],
  DATABASE_URL: process.env["DATABASE_URL"],
  DATABASE_SCHEMA: process.env["DATABASE_SCHEMA"],
};
const shipped = loadPolicyFile();
if (!shipped.ok) throw new Error(shipped.error.message);
const FIRST = shipped.value.version;

beforeAll(async () => {
  db = await freshDatabase();
  dir = tempDir();
  const o = db.options;
  if (o.databaseUrl !== undefined) {
    process.env["DATABASE_URL"] = o.databaseUrl;
    process.env["DATABASE_SCHEMA"] = o.schema ?? "";
  } else {
    delete process.env["DATABASE_URL"];
    process.env["DATA_DIR"] = o.dataDir ?? dir;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await db.close();
});

async function run(argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d: Buffer) => (stdout += d.toString()));
  err.on("data", (d: Buffer) => (stderr += d.toString()));
  const io: CliIo = { stdin: Readable.from([""]), stdout: out, stderr: err, exit: () => {} };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const doc = (change: (d: ReturnType<typeof policyDocument>) => void) => {
  const d = policyDocument(shipped.value);
  change(d);
  return stringify(d);
};

// Each command opens the database, migrates and closes it: slow on a busy machine.
describe("refund-desk policy", { timeout: 60_000 }, () => {
  it("show: the first version is the shipped file, in force from the first start", async () => {
    const r = await run(["policy", "show"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^# The refund policy in force, loaded from the database: version ${FIRST.replace(/\./g, "\\.")}, in force from `,
      ),
    );
  });

  it("publish refuses a bad field by its path, unknown parameters and a past instant: exit 2", async () => {
    const bad = writeTemp(
      dir,
      "bad.yaml",
      doc((d) => void (d.parameters["requestWindowDays"] = -1)),
    );
    const r1 = await run(["policy", "publish", bad, "--effective", "2099-01-01T00:00:00Z"]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(
      /^refund-desk: policy file .*bad\.yaml: policy document: parameters\.requestWindowDays: /,
    );
    const unknown = writeTemp(
      dir,
      "unknown.yaml",
      doc((d) => void (d.parameters["surprise"] = 1)),
    );
    const r2 = await run(["policy", "publish", unknown, "--effective", "2099-01-01T00:00:00Z"]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("parameters.surprise: unknown field");
    const ok = writeTemp(
      dir,
      "next.yaml",
      doc((d) => void (d.version = "cli-next")),
    );
    const r3 = await run(["policy", "publish", ok, "--effective", "2020-01-01T00:00:00+07:00"]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("--effective: must be later than now");
    const r4 = await run(["policy", "publish", ok, "--effective", "soon"]);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toContain("--effective");
    expect((await run(["policy", "versions"])).stdout.trim().split("\n")).toHaveLength(1);
  });

  it("publishes, shows by instant, lists, diffs and withdraws a scheduled version", async () => {
    const file = writeTemp(
      dir,
      "v2.yaml",
      doc((d) => {
        d.version = "cli-2099";
        d.parameters["requestWindowDays"] = 10;
      }),
    );
    const pub = await run(["policy", "publish", file, "--effective", "2099-01-01T07:00:00+07:00"]);
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stdout).toMatch(
      /^published cli-2099 +scheduled +effective 2099-01-01T00:00:00\.000Z/,
    );

    const at = await run(["policy", "show", "--json", "--at", "2099-01-01T00:00:00Z"]);
    expect(at.code, at.stderr).toBe(0);
    expect(JSON.parse(at.stdout)).toMatchObject({
      version: "cli-2099",
      parameters: { requestWindowDays: 10 },
    });
    const before = await run(["policy", "show", "--json", "--at", "2098-12-31T23:59:59.999Z"]);
    expect(JSON.parse(before.stdout).version).toBe(FIRST);

    const list = await run(["policy", "versions"]);
    expect(list.stdout).toMatch(
      new RegExp(`^${FIRST.replace(/\./g, "\\.")} +in_force .*\ncli-2099 +scheduled `),
    );

    const diff = await run(["policy", "diff", FIRST, "cli-2099"]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain("parameters.requestWindowDays  7  ->  10");
    const json = await run(["policy", "diff", FIRST, file, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({
      settings: [{ path: "parameters.requestWindowDays", a: 7, b: 10 }],
      clauses: [],
    });

    const w = await run(["policy", "withdraw", "cli-2099"]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^withdrew cli-2099 +withdrawn /);
    const again = await run(["policy", "withdraw", "cli-2099"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("withdrawn already");
    const inForce = await run(["policy", "withdraw", FIRST]);
    expect(inForce.code).toBe(2);
    expect(inForce.stderr).toContain("took effect");
    const gone = await run(["policy", "show", "--json", "--at", "2099-06-01T00:00:00Z"]);
    expect(JSON.parse(gone.stdout).version).toBe(FIRST);
  });
});
