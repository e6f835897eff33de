import { describe, expect, it } from "vitest";
import { defaultPolicy, edit } from "../../../test/support/cases.js";
import { DEFAULT_PARAMS, overrideParams, parsePolicy } from "./policy-file.js";
import { CLAUSE_IDS } from "./types.js";

// A policy document as the YAML/JSON parser returns it, rebuilt from the shipped default policy.
type Doc = Record<string, unknown> & {
  parameters: Record<string, unknown>;
  clauses: Record<string, unknown>;
};
const doc = (): Doc => ({
  version: defaultPolicy.version,
  parameters: structuredClone({ ...defaultPolicy.params }) as Record<string, unknown>,
  clauses: { ...defaultPolicy.clauses },
});
const bad = (change: (d: Doc) => void): Doc => edit(doc(), change);

describe("the shipped default policy", () => {
  it("has the spec's default parameters", () => {
    expect(defaultPolicy.params).toEqual({
      timezone: "UTC",
      requestWindowDays: 7,
      payoutBusinessDays: [7, 14],
      holidays: [],
      holidayCountry: null,
      cryptoRefundValuation: "fiat-at-payout",
      autoApprove: ["duplicate_payment"],
    });
    expect(defaultPolicy.params).toEqual(DEFAULT_PARAMS);
  });

  it("words every clause and has a version", () => {
    expect(Object.keys(defaultPolicy.clauses).sort()).toEqual([...CLAUSE_IDS].sort());
    for (const id of CLAUSE_IDS) expect(defaultPolicy.clauses[id].trim()).not.toBe("");
    expect(defaultPolicy.version.trim()).not.toBe("");
  });
});

describe("parsePolicy", () => {
  it("accepts the default document", () => {
    const r = parsePolicy(doc());
    expect(r.ok && r.value).toEqual(defaultPolicy);
  });

  it("fills parameters left out with the defaults", () => {
    const r = parsePolicy(
      bad((d) => {
        delete (d as Record<string, unknown>).parameters;
      }),
    );
    expect(r.ok && r.value.params).toEqual(DEFAULT_PARAMS);
    const some = parsePolicy(bad((d) => void (d.parameters = { requestWindowDays: 14 })));
    expect(some.ok && some.value.params).toEqual({ ...DEFAULT_PARAMS, requestWindowDays: 14 });
  });

  it.each<[string, unknown, string]>([
    [
      "a window as a string",
      bad((d) => void (d.parameters.requestWindowDays = "7")),
      "parameters.requestWindowDays",
    ],
    [
      "a negative window",
      bad((d) => void (d.parameters.requestWindowDays = -1)),
      "parameters.requestWindowDays",
    ],
    [
      "a missing clause",
      bad((d) => void delete d.clauses["eligible.mismatch"]),
      'clauses["eligible.mismatch"]',
    ],
    [
      "a blank clause",
      bad((d) => void (d.clauses["notes.started"] = "  ")),
      'clauses["notes.started"]',
    ],
    [
      "a clause that is not text",
      bad((d) => void (d.clauses["procedure.window"] = 7)),
      'clauses["procedure.window"]',
    ],
    [
      "an unknown clause",
      bad((d) => void (d.clauses["eligible.anything"] = "x")),
      'clauses["eligible.anything"]',
    ],
    ["clauses missing", bad((d) => void delete (d as Record<string, unknown>).clauses), "clauses"],
    [
      "clauses as a list",
      bad((d) => void ((d as Record<string, unknown>).clauses = [])),
      "clauses",
    ],
    ["an unknown parameter", bad((d) => void (d.parameters.foo = 1)), "parameters.foo"],
    [
      "parameters as a list",
      bad((d) => void ((d as Record<string, unknown>).parameters = [])),
      "parameters",
    ],
    ["a missing version", bad((d) => void delete d.version), "version"],
    ["a blank version", bad((d) => void (d.version = "")), "version"],
    ["a numeric version", bad((d) => void (d.version = 3)), "version"],
    ["an unknown top-level key", bad((d) => void (d.owner = "ops")), "owner"],
    [
      "an unknown time zone",
      bad((d) => void (d.parameters.timezone = "Europe/Atlantis")),
      "parameters.timezone",
    ],
    [
      "payout days reversed",
      bad((d) => void (d.parameters.payoutBusinessDays = [14, 7])),
      "parameters.payoutBusinessDays[1]",
    ],
    [
      "payout days of three",
      bad((d) => void (d.parameters.payoutBusinessDays = [1, 2, 3])),
      "parameters.payoutBusinessDays",
    ],
    [
      "payout days not numbers",
      bad((d) => void (d.parameters.payoutBusinessDays = [7, "14"])),
      "parameters.payoutBusinessDays[1]",
    ],
    [
      "a bad holiday",
      bad((d) => void (d.parameters.holidays = ["2026-02-17", "17/02/2026"])),
      "parameters.holidays[1]",
    ],
    [
      "holidays not a list",
      bad((d) => void (d.parameters.holidays = "2026-02-17")),
      "parameters.holidays",
    ],
    [
      "an unknown holiday country",
      bad((d) => void (d.parameters.holidayCountry = "Narnia")),
      "parameters.holidayCountry",
    ],
    [
      "an unknown valuation",
      bad((d) => void (d.parameters.cryptoRefundValuation = "spot")),
      "parameters.cryptoRefundValuation",
    ],
    [
      "an unknown auto-approved reason",
      bad((d) => void (d.parameters.autoApprove = ["mismatch", "nope"])),
      "parameters.autoApprove[1]",
    ],
    ["not an object", "version: 1", "(root)"],
    ["null", null, "(root)"],
  ])("%s -> %s", (_name, input, path) => {
    const r = parsePolicy(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.path).toBe(path);
    expect(r.error.message.length).toBeGreaterThan(0);
  });
});

describe("overrideParams", () => {
  it("changes only what it names and leaves the base alone", () => {
    const base = structuredClone(DEFAULT_PARAMS);
    const p = overrideParams(
      DEFAULT_PARAMS,
      { timezone: "Asia/Bangkok", holidays: ["2026-02-17"], holidayCountry: "US-CA" },
      "policy",
    );
    expect(p).toEqual({
      ...DEFAULT_PARAMS,
      timezone: "Asia/Bangkok",
      holidays: ["2026-02-17"],
      holidayCountry: "US-CA",
    });
    expect(DEFAULT_PARAMS).toEqual(base);
    expect(overrideParams(p, { holidayCountry: null }, "policy").holidayCountry).toBeNull();
  });
});

describe("payouts settings", () => {
  it("reads per-currency four-eyes thresholds and refuses bad ones by path", () => {
    const ok = parsePolicy({
      ...doc(),
      payouts: { secondApprovalAbove: { USD: "250.00", JPY: "50000" } },
    });
    expect(ok.ok && ok.value.payouts).toEqual({
      secondApprovalAbove: { USD: "250.00", JPY: "50000" },
    });
    const cases: [unknown, string][] = [
      [{ secondApprovalAbove: { USD: 250 } }, "payouts.secondApprovalAbove.USD"],
      [{ secondApprovalAbove: { USD: "250.001" } }, "payouts.secondApprovalAbove.USD"],
      [{ secondApprovalAbove: { XXX1: "1" } }, "payouts.secondApprovalAbove.XXX1"],
      [{ secondApprovalAbove: { USD: "-1.00" } }, "payouts.secondApprovalAbove.USD"],
      [{ secondApprovalAbove: [] }, "payouts.secondApprovalAbove"],
      [{ fourEyes: true }, "payouts.fourEyes"],
    ];
    for (const [payouts, path] of cases) {
      const r = parsePolicy({ ...doc(), payouts });
      expect(r.ok ? null : r.error.path, JSON.stringify(payouts)).toBe(path);
    }
  });
});

describe("workflow settings", () => {
  it("defaults every deadline, reads the ones given and refuses bad ones by path", () => {
    const none = parsePolicy(doc());
    expect(none.ok && none.value.workflow).toEqual({
      replyByBusinessDays: 5,
      qaAtRiskBusinessDays: 3,
      appealWindowDays: 14,
      followUpBusinessDays: 10,
    });
    const some = parsePolicy({
      ...doc(),
      workflow: { replyByBusinessDays: 2, appealWindowDays: 30 },
    });
    expect(some.ok && some.value.workflow).toEqual({
      replyByBusinessDays: 2,
      qaAtRiskBusinessDays: 3,
      appealWindowDays: 30,
      followUpBusinessDays: 10,
    });
    const cases: [unknown, string][] = [
      [{ replyByBusinessDays: 0 }, "workflow.replyByBusinessDays"],
      [{ qaAtRiskBusinessDays: "3" }, "workflow.qaAtRiskBusinessDays"],
      [{ appealWindowDays: 1.5 }, "workflow.appealWindowDays"],
      [{ followUpBusinessDays: 1000 }, "workflow.followUpBusinessDays"],
      [{ replyBy: 5 }, "workflow.replyBy"],
      [[], "workflow"],
    ];
    for (const [workflow, path] of cases) {
      const r = parsePolicy({ ...doc(), workflow });
      expect(r.ok ? null : r.error.path, JSON.stringify(workflow)).toBe(path);
    }
  });
});
