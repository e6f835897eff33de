import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_PARAMS } from "../policy/policy-file.js";
import type { Policy } from "../policy/types.js";
import {
  atRiskWaitingBefore,
  replyReminderAt,
  replyReminderDue,
  requestFlags,
  workflowDeadlines,
} from "./deadlines.js";

const policy: Pick<Policy, "params" | "workflow"> = {
  params: { ...DEFAULT_PARAMS, timezone: "Asia/Bangkok", holidays: ["2026-03-09"] },
  workflow: {
    replyByBusinessDays: 5,
    qaAtRiskBusinessDays: 3,
    appealWindowDays: 14,
    followUpBusinessDays: 10,
  },
};
// Wednesday 4 March 2026, 10:00 in Bangkok.
const NOW = Date.parse("2026-03-04T03:00:00Z");

describe("workflow deadlines", () => {
  it("count business days in the policy's zone, skipping weekends and holidays", () => {
    const d = workflowDeadlines(policy, NOW);
    // Thu 5, Fri 6, (Mon 9 is a holiday), Tue 10, Wed 11, Thu 12: due by the end of Thu 12 March.
    expect(new Date(d.replyBy ?? 0).toISOString()).toBe("2026-03-12T17:00:00.000Z");
    expect(new Date(d.followUpDueAt ?? 0).toISOString()).toBe("2026-03-19T17:00:00.000Z");
    expect(d.appealWindowDays).toBe(14);
  });

  it("remind at the start of the last day", () => {
    const replyBy = Date.parse("2026-03-12T17:00:00Z");
    expect(new Date(replyReminderAt(policy, replyBy)).toISOString()).toBe(
      "2026-03-11T17:00:00.000Z",
    );
  });

  it("a reminder is due from the start of the last day, names that day, and says when it is late", () => {
    const replyBy = Date.parse("2026-03-12T17:00:00Z"); // the end of Thu 12 March in Bangkok
    const from = replyReminderAt(policy, replyBy);
    expect(replyReminderDue(policy, replyBy, from - 1)).toBeNull();
    expect(replyReminderDue(policy, replyBy, from)).toEqual({
      lastDay: "2026-03-12",
      overdue: false,
    });
    expect(replyReminderDue(policy, replyBy, replyBy - 1)?.overdue).toBe(false);
    expect(replyReminderDue(policy, replyBy, replyBy)).toEqual({
      lastDay: "2026-03-12",
      overdue: true,
    });
  });

  it("flag a late answer and a request waiting on QA too long, nothing else", () => {
    const replyBy = Date.parse("2026-03-12T17:00:00Z");
    const q = { status: "info_requested", replyBy, waitingSince: NOW } as const;
    expect(requestFlags(policy, q, replyBy - 1)).toEqual({ replyOverdue: false, atRisk: false });
    expect(requestFlags(policy, q, replyBy)).toEqual({ replyOverdue: true, atRisk: false });
    const onQa = { status: "in_review", replyBy: null, waitingSince: NOW } as const;
    // Three business days: Thu 5, Fri 6, Tue 10 (Mon 9 a holiday): at risk from Wed 11, 00:00.
    const edge = Date.parse("2026-03-10T17:00:00Z");
    expect(requestFlags(policy, onQa, edge - 1).atRisk).toBe(false);
    expect(requestFlags(policy, onQa, edge).atRisk).toBe(true);
    expect(requestFlags(policy, { ...onQa, status: "approved" }, edge).atRisk).toBe(false);
    // A request in triage (its reason for QA to classify) waits on QA as well.
    expect(requestFlags(policy, { ...onQa, status: "triage" }, edge - 1).atRisk).toBe(false);
    expect(requestFlags(policy, { ...onQa, status: "triage" }, edge).atRisk).toBe(true);
  });

  it("the at-risk bound agrees with the flag, whatever the moments (holidays, weekends, zones)", () => {
    const from = Date.parse("2026-01-01T00:00:00Z");
    const span = 120 * 86_400_000;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: span }),
        fc.integer({ min: 0, max: 30 * 86_400_000 }),
        fc.constantFrom("Asia/Bangkok", "America/New_York", "UTC"),
        fc.integer({ min: 1, max: 7 }),
        (since, waited, timezone, days) => {
          const p = {
            ...policy,
            params: { ...policy.params, timezone },
            workflow: { ...policy.workflow!, qaAtRiskBusinessDays: days },
          };
          const waitingSince = from + since;
          const now = waitingSince + waited;
          const flag = requestFlags(p, { status: "in_review", replyBy: null, waitingSince }, now);
          expect(waitingSince < atRiskWaitingBefore(p, now)).toBe(flag.atRisk);
        },
      ),
      { numRuns: 500 },
    );
  });
});
