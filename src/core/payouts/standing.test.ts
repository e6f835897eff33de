import { describe, expect, it } from "vitest";
import { holidayCalendar } from "../calendar/business-days.js";
import {
  awaitingOf,
  deadlineOf,
  destinationNeeded,
  matchesDeadline,
  type PayoutStanding,
} from "./standing.js";
import { clientWords } from "./client-view.js";

const NONE = holidayCalendar([], null);

function standing(over: Partial<PayoutStanding> = {}): PayoutStanding {
  return {
    status: "scheduled",
    method: "card",
    approvalsGiven: 0,
    approvalsNeeded: 2,
    destinationNeeded: false,
    destinationGiven: false,
    parked: false,
    dueLatest: "2026-12-17",
    ...over,
  };
}

describe("deadlineOf", () => {
  it.each([
    ["succeeded", false, "2026-12-01", "2026-12-10", "settled"],
    ["reissued", false, "2026-12-01", "2026-12-10", "settled"],
    ["scheduled", false, "2026-12-17", "2026-12-18", "overdue"],
    ["unknown", false, "2026-12-17", "2026-12-17", "due_today"],
    // Tue 15 -> Thu 17: 2 business days left.
    ["scheduled", false, "2026-12-17", "2026-12-15", "at_risk"],
    // Mon 14 -> Thu 17: 3 left.
    ["scheduled", false, "2026-12-17", "2026-12-14", "on_track"],
    // Fri 11 -> Mon 14: one business day over the weekend.
    ["pending", false, "2026-12-14", "2026-12-11", "at_risk"],
    // Failed or parked: needs action at once, and still overdue once the promise is broken.
    ["failed", false, "2026-12-17", "2026-12-01", "needs_action"],
    ["unknown", true, "2026-12-17", "2026-12-17", "needs_action"],
    ["failed", false, "2026-12-17", "2026-12-18", "overdue"],
    ["scheduled", true, "2026-12-17", "2026-12-21", "overdue"],
  ] as const)("%s (parked %s) due %s on %s -> %s", (status, parked, due, today, expected) => {
    expect(deadlineOf(standing({ status, parked, dueLatest: due }), today, NONE)).toBe(expected);
  });

  it("open matches every state but settled", () => {
    expect(matchesDeadline("open", "needs_action")).toBe(true);
    expect(matchesDeadline("open", "settled")).toBe(false);
    expect(matchesDeadline("overdue", "needs_action")).toBe(false);
  });
});

describe("awaitingOf", () => {
  it.each([
    // A bank payout with both approvals waits for finance's record, not a second approval.
    [{ method: "bank_transfer", approvalsGiven: 2 }, "record"],
    [{ method: "bank_transfer", approvalsGiven: 1, approvalsNeeded: 1 }, "record"],
    [{ method: "bank_transfer", approvalsGiven: 1 }, "second_approval"],
    [{ method: "card", approvalsGiven: 0 }, "approval"],
    [{ method: "card", approvalsGiven: 2 }, "provider"],
    [{ method: "card", status: "pending" }, "provider"],
    // A crypto payout without the client's address waits for it, approvals or not.
    [{ method: "crypto", destinationNeeded: true }, "destination"],
    [{ method: "crypto", destinationNeeded: true, approvalsGiven: 2 }, "destination"],
    [{ method: "crypto", destinationNeeded: true, destinationGiven: true }, "approval"],
    [{ method: "card", status: "failed" }, "action"],
    [{ method: "card", status: "unknown", parked: true }, "action"],
    [{ method: "card", status: "succeeded" }, null],
    [{ method: "card", status: "reissued" }, null],
  ] as const)("%o -> %s", (over, expected) => {
    expect(awaitingOf(standing(over))).toBe(expected);
  });

  it("crypto and bank reissues need the client's destination; a first bank transfer does not", () => {
    expect(destinationNeeded("crypto", false)).toBe(true);
    expect(destinationNeeded("bank_transfer", true)).toBe(true);
    expect(destinationNeeded("bank_transfer", false)).toBe(false);
    expect(destinationNeeded("other", true)).toBe(false);
  });
});

describe("clientWords", () => {
  const base = {
    method: "card" as const,
    dueEarliest: "2026-12-09",
    dueLatest: "2026-12-18",
    succeededOn: null,
  };
  it("a failed payout: plain words, nothing to do, never the provider's reason", () => {
    const w = clientWords({
      ...base,
      status: "failed",
      awaiting: "action",
      deadline: "needs_action",
    });
    expect(w.stage).toBe("delayed");
    expect(w.yourAction).toBeNull();
    expect(`${w.statusText} ${w.whatNext}`).toMatch(/finance team/);
  });
  it("a crypto payout waiting for the address asks for it", () => {
    const w = clientWords({
      ...base,
      method: "crypto",
      status: "scheduled",
      awaiting: "destination",
      deadline: "on_track",
    });
    expect(w.stage).toBe("needs_your_details");
    expect(w.yourAction).toMatch(/wallet address/);
  });
  it("a scheduled card payout gives the window", () => {
    const w = clientWords({
      ...base,
      status: "scheduled",
      awaiting: "approval",
      deadline: "on_track",
    });
    expect(w).toMatchObject({ stage: "preparing", yourAction: null });
    expect(w.whatNext).toContain("between 2026-12-09 and 2026-12-18");
  });
});
