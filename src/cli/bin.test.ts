import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtureCase, fixtureCases, ROOT, tempDir, writeTemp } from "../../test/support/cli.js";

// These tests run the BUILT command, as a user would. `npm test` builds first (pretest); when run
// alone (`npx vitest run src/cli`) a missing or stale dist is rebuilt here.

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};
const BIN = join(ROOT, pkg.bin["refund-desk"] ?? "missing-bin-entry");

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

beforeAll(() => {
  if (!existsSync(BIN) || statSync(BIN).mtimeMs < newestSource(join(ROOT, "src"))) {
    spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
  }
  expect(existsSync(BIN)).toBe(true);
}, 120_000);

function refundDesk(args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("the built refund-desk command", () => {
  it("is the package's bin, with a node shebang", () => {
    expect(pkg.bin["refund-desk"]).toBe("dist/src/cli/main.js");
    expect(readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("evaluate FILE", () => {
    const file = writeTemp(tempDir(), "case.json", fixtureCase("01-not-delivered-never-started"));
    const r = refundDesk(["evaluate", file]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const d = JSON.parse(r.stdout) as { outcome: string; amount: { amount: string } };
    expect(d.outcome).toBe("refund");
    expect(d.amount.amount).toBe("4800.00");
  });

  it("evaluate - (standard input)", () => {
    const r = refundDesk(
      ["evaluate", "-"],
      JSON.stringify(fixtureCase("07-completed-not-refundable")),
    );
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout) as { outcome: string; clauses: string[] };
    expect(d.outcome).toBe("deny");
    expect(d.clauses[0]).toBe("excluded.completed");
  });

  it("evaluate --ndjson over many lines, with a bad one: order kept, exit 2", () => {
    const lines = [...fixtureCases().values()].map((c) => JSON.stringify(c));
    const input = [...lines, "{oops", ...lines].join("\n") + "\n";
    const r = refundDesk(["evaluate", "--ndjson"], input);
    expect(r.status).toBe(2);
    const out = r.stdout.trimEnd().split("\n");
    expect(out).toHaveLength(lines.length * 2 + 1);
    expect(JSON.parse(out[lines.length] ?? "")).toMatchObject({
      error: { line: lines.length + 1, path: "(line)" },
    });
    expect(out.slice(0, lines.length)).toEqual(out.slice(lines.length + 1));
    expect(r.stderr).toMatch(
      new RegExp(
        `^refund-desk: 1 of ${lines.length * 2 + 1} cases were invalid \\(first at line ${lines.length + 1}\\)`,
      ),
    );
  });

  it("invalid input: exit 2, the JSON path, no stack trace", () => {
    const c = fixtureCase("01-not-delivered-never-started") as {
      payments: { amount: { amount: unknown } }[];
    };
    const first = c.payments[0];
    if (first) first.amount.amount = 4800;
    const r = refundDesk(["evaluate", "-"], JSON.stringify(c));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'refund-desk: invalid case: payments[0].amount.amount: must be a decimal string such as "12.50", not a JSON number\n',
    );
  });

  it("--help (what `npm start` prints), with an example", () => {
    const r = refundDesk(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: refund-desk \[options\] \[command\]/);
    expect(r.stdout).toContain("$ refund-desk evaluate case.json");
  });

  it("--version", () => {
    const r = refundDesk(["--version"]);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("usage error: exit 2", () => {
    const r = refundDesk(["evaluate", "--nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^refund-desk: error: unknown option '--nope'/);
  });

  it("stops quietly when the reader goes away (EPIPE)", () => {
    const lines = [...fixtureCases().values()].map((c) => JSON.stringify(c));
    const input = `${Array.from({ length: 400 }, (_, i) => lines[i % lines.length]).join("\n")}\n`;
    const r = spawnSync(
      "sh",
      ["-c", `"${process.execPath}" "${BIN}" evaluate --ndjson | head -c 10`],
      { input, encoding: "utf8", timeout: 20_000 },
    );
    expect(r.stdout).toHaveLength(10);
    expect(r.stderr).toBe("");
  });
});
