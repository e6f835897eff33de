import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateRefund, decisionToJson } from "../src/core/policy/index.js";
import { loadPolicyFile } from "../src/policy-file/load.js";
import { parseInstant } from "../src/core/calendar/instant.js";
import { parseMoney } from "../src/core/money/money.js";

// The worked cases of the spec, copied into the project's fixtures. A decision matches when
// outcome, amount, the set of refunds, the clauses (determining first), alternatives (in order) and
// deadlines agree; amounts compare as numbers of their currency and instants as instants.

const dir = join(import.meta.dirname, "fixtures", "cases");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();
const loaded = loadPolicyFile();
if (!loaded.ok)
  throw new Error(`default policy invalid: ${loaded.error.path}: ${loaded.error.message}`);
const policy = loaded.value;

type MoneyJ = { amount: string; currency: string } | null;
const money = (m: MoneyJ) => {
  if (m === null) return null;
  const r = parseMoney(m.amount, m.currency);
  if (!r.ok) throw new Error(r.message);
  return `${r.value.minor} ${r.value.currency}`;
};
const instant = (s: string | null) => (s === null ? null : parseInstant(s));

describe("spec worked cases", () => {
  it("has all sixteen cases", () => {
    expect(files).toHaveLength(16);
  });
  for (const file of files) {
    it(file, () => {
      const { expect: want, ...input } = JSON.parse(readFileSync(join(dir, file), "utf8"));
      const r = evaluateRefund(input, policy);
      if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`);
      const got = decisionToJson(r.value);
      expect(got.outcome).toBe(want.outcome);
      expect(money(got.amount)).toEqual(money(want.amount));
      const lines = (xs: { paymentId: string; method: string; amount: MoneyJ }[]) =>
        xs.map((x) => `${x.paymentId}|${x.method}|${money(x.amount)}`).sort();
      expect(lines(got.refunds)).toEqual(lines(want.refunds));
      expect(got.clauses[0]).toBe(want.clauses[0]);
      expect([...got.clauses].sort()).toEqual([...want.clauses].sort());
      expect(got.alternatives).toEqual(want.alternatives);
      expect(instant(got.deadlines.requestWindowEndsAt)).toBe(
        instant(want.deadlines.requestWindowEndsAt),
      );
      expect(got.deadlines.payoutEarliest).toBe(want.deadlines.payoutEarliest);
      expect(got.deadlines.payoutLatest).toBe(want.deadlines.payoutLatest);
      expect(got.policyVersion).toBe(policy.version);
      expect(got.explanation.length).toBeGreaterThan(10);
    });
  }
});
