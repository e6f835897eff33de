import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../../../test/support/cases.js";
import { diffPolicies } from "./diff.js";
import type { Policy } from "./types.js";

const changed = (edit: (p: Policy) => Policy): Policy => edit(structuredClone(defaultPolicy));

describe("diffPolicies", () => {
  it("finds nothing between a policy and itself, whatever its version id", () => {
    expect(diffPolicies(defaultPolicy, { ...defaultPolicy, version: "other" })).toEqual({
      settings: [],
      clauses: [],
    });
  });

  it("names each changed parameter by its path, side by side, in the file's order", () => {
    const b = changed((p) => ({
      ...p,
      params: {
        ...p.params,
        requestWindowDays: 14,
        holidays: ["2027-01-01"],
        timezone: "Asia/Bangkok",
      },
    }));
    expect(diffPolicies(defaultPolicy, b).settings).toEqual([
      { path: "parameters.timezone", a: "UTC", b: "Asia/Bangkok" },
      { path: "parameters.requestWindowDays", a: 7, b: 14 },
      { path: "parameters.holidays", a: [], b: ["2027-01-01"] },
    ]);
  });

  it("shows a payout threshold present on one side only without the other side", () => {
    const b = changed((p) => ({
      ...p,
      payouts: { secondApprovalAbove: { ...p.payouts?.secondApprovalAbove, JPY: "150000" } },
    }));
    expect(diffPolicies(defaultPolicy, b).settings).toEqual([
      { path: "payouts.secondApprovalAbove.JPY", b: "150000" },
    ]);
    expect(diffPolicies(b, defaultPolicy).settings).toEqual([
      { path: "payouts.secondApprovalAbove.JPY", a: "150000" },
    ]);
  });

  it("gives a changed clause's two texts and leaves the same ones out", () => {
    const b = changed((p) => ({
      ...p,
      clauses: { ...p.clauses, "procedure.window": "Within 14 calendar days." },
      workflow: { ...p.workflow!, appealWindowDays: 30 },
    }));
    const diff = diffPolicies(defaultPolicy, b);
    expect(diff.clauses).toEqual([
      {
        id: "procedure.window",
        a: defaultPolicy.clauses["procedure.window"],
        b: "Within 14 calendar days.",
      },
    ]);
    expect(diff.settings).toEqual([{ path: "workflow.appealWindowDays", a: 14, b: 30 }]);
  });
});
