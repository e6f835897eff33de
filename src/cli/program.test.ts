import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parsePolicyText } from "../policy-file/load.js";
import {
  fixtureCase,
  fixtureCases,
  ROOT,
  run,
  tempDir,
  writeTemp,
  type Run,
} from "../../test/support/cli.js";

const NOT_DELIVERED = "01-not-delivered-never-started";
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

/** Asserts a clean failure: the exit code, one stderr line, nothing on stdout, no stack. */
function expectFailure(r: Run, code: number, stderrStart: string): void {
  expect(r.code).toBe(code);
  expect(r.exited).toBe(code);
  expect(r.stdout).toBe("");
  expect(r.stderr.startsWith(stderrStart)).toBe(true);
  expect(r.stderr.endsWith("\n")).toBe(true);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("evaluate FILE / evaluate -", () => {
  it("decides a case from a file: pretty JSON, fields in the spec's order, exit 0", async () => {
    const file = writeTemp(dir, "01.json", fixtureCase(NOT_DELIVERED));
    const r = await run(["evaluate", file]);
    expect(r.code).toBe(0);
    expect(r.exited).toBe(0);
    expect(r.stderr).toBe("");
    const d = JSON.parse(r.stdout) as Doc;
    expect(Object.keys(d)).toEqual([
      "outcome",
      "amount",
      "refunds",
      "clauses",
      "alternatives",
      "deadlines",
      "policyVersion",
      "explanation",
      "autoApprove",
    ]);
    expect(d.outcome).toBe("refund");
    expect(d.amount).toEqual({ amount: "4800.00", currency: "USD" });
    expect(d.refunds).toEqual([
      { paymentId: "PAY-1", method: "card", amount: { amount: "4800.00", currency: "USD" } },
    ]);
    expect(d.clauses).toEqual(["eligible.not-delivered", "procedure.payout"]);
    expect(d.deadlines).toEqual({
      requestWindowEndsAt: null,
      payoutEarliest: "2026-02-25",
      payoutLatest: "2026-03-06",
    });
    expect(d.policyVersion).toBe("2026-11-28.1");
    expect(r.stdout).toContain('\n  "outcome": "refund",\n');
    expect(r.stdout.endsWith("}\n")).toBe(true);
  });

  it("reads the case from standard input with -", async () => {
    const r = await run(["evaluate", "-"], JSON.stringify(fixtureCase(NOT_DELIVERED)));
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Doc).amount).toEqual({ amount: "4800.00", currency: "USD" });
  });

  it("reads standard input that arrives in pieces, split inside a UTF-8 character", async () => {
    const c = fixtureCase(NOT_DELIVERED);
    (c.request as Doc).description = "Служба не началась — ничего не сделано.";
    const bytes = Buffer.from(JSON.stringify(c), "utf8");
    const at = bytes.indexOf(Buffer.from("С", "utf8")) + 1; // inside the two-byte letter
    const r = await run(["evaluate", "-"], [bytes.subarray(0, at), bytes.subarray(at)]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Doc).outcome).toBe("refund");
  });

  it("accepts a leading byte-order mark", async () => {
    const r = await run(["evaluate", "-"], `\uFEFF${JSON.stringify(fixtureCase(NOT_DELIVERED))}`);
    expect(r.code).toBe(0);
  });

  it("decides every fixture case and reports the duplicate as a refund of the extra payment", async () => {
    for (const [name, c] of fixtureCases()) {
      const r = await run(["evaluate", "-"], JSON.stringify(c));
      expect(r.code, name).toBe(0);
      expect(r.stderr, name).toBe("");
    }
    const dup = await run(
      ["evaluate", "-"],
      JSON.stringify(fixtureCase("02-duplicate-card-payment")),
    );
    const d = JSON.parse(dup.stdout) as Doc;
    expect(d.outcome).toBe("refund");
    expect(d.clauses[0]).toBe("eligible.duplicate-payment");
    expect(d.autoApprove).toBe(true);
  });

  it("gives the same bytes for the same case (deterministic)", async () => {
    const text = JSON.stringify(fixtureCase("06-unused-subscription-prorated"));
    const a = await run(["evaluate", "-"], text);
    const b = await run(["evaluate", "-"], text);
    expect(a.stdout).toBe(b.stdout);
  });

  it("needs FILE or - without --ndjson (usage error, exit 2)", async () => {
    expectFailure(await run(["evaluate"]), 2, "refund-desk: evaluate needs a case FILE");
  });
});

/** A mutation of the never-started case and the path the error must name. */
const INVALID: [string, (c: Doc) => void, string, RegExp?][] = [
  [
    "unknown currency",
    (c) => (c.payments[0].amount.currency = "XYZ"),
    "payments[0].amount.currency",
    /XYZ/,
  ],
  ["lower-case currency code", (c) => (c.order.price.currency = "usd"), "order.price.currency"],
  [
    "too many decimals",
    (c) => (c.payments[0].amount.amount = "4800.001"),
    "payments[0].amount.amount",
    /decimals/,
  ],
  [
    "amount as a JSON number",
    (c) => (c.payments[0].amount.amount = 4800),
    "payments[0].amount.amount",
    /not a JSON number/,
  ],
  [
    "timestamp without offset",
    (c) => (c.order.placedAt = "2026-02-02T10:00:00"),
    "order.placedAt",
    /offset/,
  ],
  [
    "timestamp that is not a date",
    (c) => (c.request.submittedAt = "2026-02-30T09:30:00Z"),
    "request.submittedAt",
  ],
  ["timestamp that is a word", (c) => (c.order.startedAt = "yesterday"), "order.startedAt"],
  ["unknown reason", (c) => (c.request.reason = "changed_mind"), "request.reason", /changed_mind/],
  ["unknown method", (c) => (c.payments[0].method = "cheque"), "payments[0].method", /cheque/],
  [
    "unknown event kind",
    (c) =>
      (c.events = [{ kind: "earthquake", from: "2026-02-03T00:00:00Z", to: null, note: null }]),
    "events[0].kind",
    /earthquake/,
  ],
  [
    "unknown time zone",
    (c) => (c.policy = { timezone: "Mars/Olympus_Mons" }),
    "policy.timezone",
    /Mars\/Olympus_Mons/,
  ],
  ["missing request", (c) => delete c.request, "request", /required/],
  ["missing order", (c) => delete c.order, "order", /required/],
  ["unknown top-level field", (c) => (c.priority = "high"), "priority", /unknown field/],
  [
    "unknown nested field",
    (c) => (c.order.service.colour = "red"),
    "order.service.colour",
    /unknown field/,
  ],
  [
    "unknown policy parameter",
    (c) => (c.policy = { refundEverything: true }),
    "policy.refundEverything",
  ],
];

describe("invalid input: exit 2, one line naming the JSON path, no stack", () => {
  for (const [what, mutate, path, message] of INVALID) {
    it(`${what} -> ${path}`, async () => {
      const c = fixtureCase(NOT_DELIVERED) as Doc;
      mutate(c);
      for (const r of [
        await run(["evaluate", "-"], JSON.stringify(c)),
        await run(["evaluate", writeTemp(dir, "bad.json", c)]),
      ]) {
        expectFailure(r, 2, `refund-desk: invalid case: ${path}: `);
        if (message) expect(r.stderr).toMatch(message);
      }
    });
  }

  it("the issue's example message, word for word", async () => {
    const c = fixtureCase(NOT_DELIVERED) as Doc;
    c.payments[0].amount.amount = 12.5;
    const r = await run(["evaluate", "-"], JSON.stringify(c));
    expect(r.stderr).toBe(
      'refund-desk: invalid case: payments[0].amount.amount: must be a decimal string such as "12.50", not a JSON number\n',
    );
  });

  it("invalid JSON (multi-line input still gives a one-line message)", async () => {
    const r = await run(["evaluate", "-"], '{\n  "order": ,\n}\n');
    expectFailure(r, 2, "refund-desk: invalid case: (input): not valid JSON: ");
  });

  it("empty input", async () => {
    expectFailure(await run(["evaluate", "-"], ""), 2, "refund-desk: invalid case: (input): ");
  });

  it("a JSON value that is not an object", async () => {
    expectFailure(await run(["evaluate", "-"], "[1, 2]"), 2, "refund-desk: invalid case: (root): ");
  });

  it("unreadable file: missing", async () => {
    const r = await run(["evaluate", join(dir, "no-such-case.json")]);
    expectFailure(r, 2, "refund-desk: cannot read case file ");
    expect(r.stderr).toContain("no-such-case.json: no such file or directory (ENOENT)");
  });

  it("unreadable file: a directory", async () => {
    expectFailure(await run(["evaluate", dir]), 2, "refund-desk: cannot read case file ");
  });
});

describe("evaluate --ndjson", () => {
  const line = (name: string, mutate?: (c: Doc) => void): string => {
    const c = fixtureCase(name) as Doc;
    mutate?.(c);
    return JSON.stringify(c);
  };

  it("one compact decision per line, in order, exit 0", async () => {
    const names = [...fixtureCases().keys()];
    const input = names.map((n) => line(n)).join("\n") + "\n";
    const r = await run(["evaluate", "--ndjson"], input);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout.split("\n");
    expect(out.pop()).toBe("");
    expect(out).toHaveLength(names.length);
    // Each line is exactly what single mode gives for that case, compacted.
    for (const [i, n] of names.entries()) {
      const single = await run(["evaluate", "-"], line(n));
      expect(out[i], n).toBe(JSON.stringify(JSON.parse(single.stdout)));
    }
    expect((JSON.parse(out[0] ?? "") as Doc).amount).toEqual({
      amount: "4800.00",
      currency: "USD",
    });
  });

  it("good and bad lines mixed: order kept, error objects in place, blank lines skipped, exit 2", async () => {
    const input = [
      line(NOT_DELIVERED), // 1
      "", // 2 (blank)
      "{not json", // 3
      line(NOT_DELIVERED, (c) => (c.payments[0].amount.amount = 4800)), // 4
      "   ", // 5 (blank)
      line("07-completed-not-refundable"), // 6
      line(NOT_DELIVERED, (c) => delete c.request), // 7
      line("02-duplicate-card-payment"), // 8, no final newline
    ].join("\n");
    const r = await run(["evaluate", "--ndjson"], input);
    expect(r.code).toBe(2);
    expect(r.exited).toBe(2);
    const out = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Doc);
    expect(out).toHaveLength(6);
    expect(out[0]?.outcome).toBe("refund");
    expect(out[0]?.amount.amount).toBe("4800.00");
    expect(out[1]).toEqual({
      error: {
        line: 3,
        path: "(line)",
        message: expect.stringMatching(/^not valid JSON: /) as unknown,
      },
    });
    expect(out[2]).toEqual({
      error: {
        line: 4,
        path: "payments[0].amount.amount",
        message: 'must be a decimal string such as "12.50", not a JSON number',
      },
    });
    expect(out[3]?.outcome).toBe("deny");
    expect(out[3]?.clauses[0]).toBe("excluded.completed");
    expect(out[4]).toEqual({ error: { line: 7, path: "request", message: "is required" } });
    expect(out[5]?.clauses[0]).toBe("eligible.duplicate-payment");
    expect(Object.keys(out[1]?.error as Doc)).toEqual(["line", "path", "message"]);
    expect(r.stderr).toBe(
      "refund-desk: 3 of 6 cases were invalid (first at line 3); see the error objects in the output\n",
    );
  });

  it("handles \\r\\n line ends and a \\r-only blank line", async () => {
    const input = `${line(NOT_DELIVERED)}\r\n\r\n${line("07-completed-not-refundable")}\r\n`;
    const r = await run(["evaluate", "--ndjson"], input);
    expect(r.code).toBe(0);
    const out = r.stdout.trimEnd().split("\n");
    expect(out.map((l) => (JSON.parse(l) as Doc).outcome)).toEqual(["refund", "deny"]);
    expect(r.stdout).not.toContain("\r");
  });

  it("numbers error lines by physical line after \\r\\n blank lines", async () => {
    const r = await run(["evaluate", "--ndjson"], `\r\n\r\n[]\r\n`);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { line: 3, path: "(root)", message: "must be an object, got an array" },
    });
  });

  it("reads FILE when given, and - means standard input", async () => {
    const file = writeTemp(dir, "cases.ndjson", `${line(NOT_DELIVERED)}\n${line(NOT_DELIVERED)}\n`);
    const a = await run(["evaluate", "--ndjson", file]);
    const b = await run(["evaluate", "--ndjson", "-"], `${line(NOT_DELIVERED)}\n`);
    expect(a.code).toBe(0);
    expect(a.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(b.code).toBe(0);
    expect(a.stdout.split("\n")[0]).toBe(b.stdout.trimEnd());
  });

  it("empty input: no output, exit 0", async () => {
    const r = await run(["evaluate", "--ndjson"], "");
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("unreadable FILE: exit 2, one line", async () => {
    const r = await run(["evaluate", "--ndjson", join(dir, "missing.ndjson")]);
    expectFailure(r, 2, "refund-desk: cannot read case file ");
  });
});

describe("--policy and policy show", () => {
  // `policy show` reads the database's version in force: a fresh one takes the shipped file.
  let dataDir: string | undefined;
  beforeAll(() => {
    dataDir = process.env["DATA_DIR"];
    process.env["DATA_DIR"] = tempDir();
  });
  afterAll(() => {
    if (dataDir === undefined) delete process.env["DATA_DIR"];
    else process.env["DATA_DIR"] = dataDir;
  });
  const policyYaml = (): Doc =>
    parseYaml(readFileSync(join(ROOT, "policy", "default-policy.yaml"), "utf8")) as Doc;

  it("policy show prints the policy in force as YAML that loads back as the same policy", async () => {
    const r = await run(["policy", "show"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^# The refund policy in force, loaded from the database: version 2026-11-28\.1, in force from \S+Z\n/,
    );
    expect(r.stdout).toContain("version: 2026-11-28.1\n");
    expect(r.stdout).toContain("  payoutBusinessDays: [7, 14]\n");
    const back = parsePolicyText(r.stdout);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.version).toBe("2026-11-28.1");
    expect(back.value.params.requestWindowDays).toBe(7);
    const doc = parseYaml(r.stdout) as Doc;
    expect(doc).toEqual(policyYaml());
  });

  it("policy show --json prints JSON: version, parameters, payouts, workflow, retention, clauses", async () => {
    const r = await run(["policy", "show", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(Object.keys(doc)).toEqual([
      "version",
      "parameters",
      "payouts",
      "workflow",
      "retention",
      "clauses",
    ]);
    expect((doc as unknown as { retention: unknown }).retention).toEqual({
      closedRequestDataYears: 5,
    });
    expect((doc as unknown as { workflow: unknown }).workflow).toEqual({
      replyByBusinessDays: 5,
      qaAtRiskBusinessDays: 3,
      appealWindowDays: 14,
      followUpBusinessDays: 10,
    });
    expect((doc as unknown as { payouts: unknown }).payouts).toMatchObject({
      secondApprovalAbove: { USD: "1000.00" },
    });
    expect(doc.parameters.payoutBusinessDays).toEqual([7, 14]);
    expect(doc.parameters.autoApprove).toEqual(["duplicate_payment"]);
    expect(Object.keys(doc.clauses)).toHaveLength(15);
    expect(doc.clauses["procedure.window"]).toMatch(/within 7 calendar days/);
  });

  it("--policy FILE (JSON) changes the decision and the version cited", async () => {
    const p = policyYaml();
    p.version = "1.0";
    p.parameters.payoutBusinessDays = [1, 2];
    const file = writeTemp(dir, "policy.json", p);
    const r = await run(
      ["evaluate", "--policy", file, "-"],
      JSON.stringify(fixtureCase(NOT_DELIVERED)),
    );
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Doc;
    expect(d.policyVersion).toBe("1.0");
    // asOf = submittedAt, Monday 2026-02-16: +1 and +2 business days.
    expect(d.deadlines.payoutEarliest).toBe("2026-02-17");
    expect(d.deadlines.payoutLatest).toBe("2026-02-18");

    const shown = await run(["policy", "show", "--policy", file]);
    expect(shown.stdout).toContain('version: "1.0"\n'); // quoted, so it stays a string
    const back = parsePolicyText(shown.stdout);
    expect(back.ok && back.value.version).toBe("1.0");
  });

  it("--policy FILE (YAML) applies to --ndjson too", async () => {
    const file = writeTemp(
      dir,
      "policy.yaml",
      readFileSync(join(ROOT, "policy", "default-policy.yaml"), "utf8").replace(
        /^version: .*$/m,
        'version: "yaml-test"',
      ),
    );
    const r = await run(
      ["evaluate", "--ndjson", "--policy", file],
      `${JSON.stringify(fixtureCase(NOT_DELIVERED))}\n`,
    );
    expect((JSON.parse(r.stdout) as Doc).policyVersion).toBe("yaml-test");
  });

  it("an invalid policy file: exit 2, `policy file FILE: <path>: <message>`", async () => {
    const p = policyYaml();
    p.parameters.requestWindowDays = "seven";
    const file = writeTemp(dir, "bad-policy.json", p);
    for (const argv of [
      ["evaluate", "--policy", file, "-"],
      ["evaluate", "--ndjson", "--policy", file],
      ["policy", "show", "--policy", file],
    ]) {
      const r = await run(argv, JSON.stringify(fixtureCase(NOT_DELIVERED)));
      expectFailure(r, 2, `refund-desk: policy file ${file}: parameters.requestWindowDays: `);
    }
  });

  it("a policy file that is not YAML, or missing", async () => {
    const file = writeTemp(dir, "garbage.yaml", "version: [unclosed\n");
    expectFailure(
      await run(["policy", "show", "--policy", file]),
      2,
      `refund-desk: policy file ${file}: (file): not valid YAML or JSON`,
    );
    const missing = join(dir, "nope.yaml");
    expectFailure(
      await run(["policy", "show", "--policy", missing]),
      2,
      `refund-desk: policy file ${missing}: (file): cannot read`,
    );
  });
});

describe("help, version and usage errors", () => {
  for (const argv of [
    ["--help"],
    ["evaluate", "--help"],
    ["policy", "--help"],
    ["policy", "show", "--help"],
    ["help", "evaluate"],
  ]) {
    it(`${argv.join(" ")}: usage and an example, exit 0`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Usage: refund-desk/);
      expect(r.stdout).toMatch(/Examples?:\n {2}\$ refund-desk /);
    });
  }

  it("evaluate --help documents --ndjson and --policy", async () => {
    const r = await run(["evaluate", "--help"]);
    expect(r.stdout).toContain("--ndjson");
    expect(r.stdout).toContain("--policy <file>");
  });

  it("--version prints the package version", async () => {
    const r = await run(["--version"]);
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  for (const argv of [
    ["evaluate", "--bogus", "-"],
    ["frobnicate"],
    ["evaluate", "a.json", "b.json"],
    ["evaluate", "--policy"],
    ["policy", "shw"],
  ]) {
    it(`usage error \`${argv.join(" ")}\`: exit 2, message on stderr`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.exited).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^refund-desk: error: /);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it("no command: help on stderr, exit 2", async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: refund-desk/);
  });
});
