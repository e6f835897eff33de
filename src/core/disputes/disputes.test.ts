import { describe, expect, it } from "vitest";
import {
  awaitsResponse,
  DISPUTE_STATUSES,
  disputeStanding,
  isDisputeRefusal,
  paymentDisputes,
  reminderDue,
  submitRefusal,
} from "./disputes.js";

const DAY = 86_400_000;

describe("disputeStanding", () => {
  it.each([
    ["needs_response", "open"],
    ["under_review", "open"],
    ["warning_needs_response", "open"],
    ["warning_under_review", "open"],
    ["appeal_needs_response", "open"],
    ["won", "won"],
    ["warning_closed", "won"],
    ["lost", "lost"],
    ["prevented", "lost"],
    ["a_status_stripe_adds_later", "open"],
  ])("%s -> %s", (status, standing) => {
    expect(disputeStanding(status)).toBe(standing);
  });

  it("knows every status of Stripe's list", () => {
    for (const s of DISPUTE_STATUSES) expect(["open", "won", "lost"]).toContain(disputeStanding(s));
  });
});

describe("paymentDisputes", () => {
  it("open if any is open; lost amounts add up; won ones count for nothing", () => {
    expect(paymentDisputes([])).toEqual({ open: false, lostMinor: 0n });
    expect(
      paymentDisputes([
        { status: "lost", amountMinor: 300n },
        { status: "won", amountMinor: 900n },
      ]),
    ).toEqual({ open: false, lostMinor: 300n });
    expect(
      paymentDisputes([
        { status: "warning_closed", amountMinor: 100n },
        { status: "needs_response", amountMinor: 100n },
      ]),
    ).toEqual({ open: true, lostMinor: 0n });
  });
});

describe("reminderDue", () => {
  const due = Date.parse("2026-03-20T23:59:59Z");
  const base = {
    status: "needs_response",
    dueBy: due,
    submitted: false,
    reminded5: false,
    reminded2: false,
  };
  it("5 days before, then 2 days before, once each", () => {
    expect(reminderDue(base, due - 6 * DAY)).toBeNull();
    expect(reminderDue(base, due - 5 * DAY)).toBe(5);
    expect(reminderDue({ ...base, reminded5: true }, due - 4 * DAY)).toBeNull();
    expect(reminderDue({ ...base, reminded5: true }, due - 2 * DAY)).toBe(2);
    expect(reminderDue({ ...base, reminded5: true, reminded2: true }, due - DAY)).toBeNull();
  });
  it("a dispute first seen 3 days ahead gets the 5-day one; 1 day ahead only the 2-day one", () => {
    expect(reminderDue(base, due - 3 * DAY)).toBe(5);
    expect(reminderDue(base, due - DAY)).toBe(2);
    expect(reminderDue({ ...base, reminded2: true }, due - 3 * DAY)).toBeNull();
  });
  it("none once submitted, past due, without a due-by or not awaiting a response", () => {
    expect(reminderDue({ ...base, submitted: true }, due - DAY)).toBeNull();
    expect(reminderDue(base, due)).toBeNull();
    expect(reminderDue({ ...base, dueBy: null }, due - DAY)).toBeNull();
    expect(reminderDue({ ...base, status: "under_review" }, due - DAY)).toBeNull();
  });
});

describe("submitRefusal and awaitsResponse", () => {
  const due = 1_000_000;
  it("submits only a dispute awaiting a response, once, before its due-by", () => {
    expect(
      submitRefusal({ status: "needs_response", dueBy: due, submitted: false }, due - 1),
    ).toBeNull();
    expect(
      submitRefusal({ status: "needs_response", dueBy: null, submitted: false }, due),
    ).toBeNull();
    expect(submitRefusal({ status: "needs_response", dueBy: due, submitted: false }, due)).toMatch(
      /due-by/,
    );
    expect(submitRefusal({ status: "needs_response", dueBy: due, submitted: true }, 0)).toMatch(
      /already/,
    );
    expect(submitRefusal({ status: "won", dueBy: due, submitted: false }, 0)).toMatch(/won/);
    expect(awaitsResponse("warning_needs_response")).toBe(true);
    expect(awaitsResponse("under_review")).toBe(false);
  });
});

describe("isDisputeRefusal", () => {
  it("reads Stripe's charge_disputed error and the pending refund's failure reason", () => {
    expect(isDisputeRefusal("charge_disputed: Charge ch_1 has been charged back")).toBe(true);
    expect(isDisputeRefusal("charge_for_pending_refund_disputed")).toBe(true);
    expect(isDisputeRefusal("charge_already_refunded: ...")).toBe(false);
    expect(isDisputeRefusal("declined")).toBe(false);
  });
});
