import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDay } from "../calendar/calendar.js";
import { REQUEST_STATUSES } from "../requests/index.js";
import { monthBuckets, parsePeriod, weekBuckets, type Period } from "./period.js";
import {
  REPORTS,
  REPORT_NAMES,
  WAITING_ON_CLIENT,
  WAITING_ON_QA,
  againstRows,
  csvName,
  deadlineRows,
  decidedOf,
  duplicateRows,
  minorFromParts,
  msToDays,
  refundedRows,
  requestVolumeRows,
  waitingRows,
} from "./reports.js";

function period(from: string, to: string): Period {
  const p = parsePeriod({ from, to }, parseDay("2026-12-06")!, "Asia/Bangkok");
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

describe("the reports' columns", () => {
  it("are named once each, with a snake_case CSV name", () => {
    for (const name of REPORT_NAMES) {
      const cols = REPORTS[name].columns;
      expect(new Set(cols.map((c) => c.key)).size, name).toBe(cols.length);
      expect(new Set(cols.map((c) => c.csv)).size, name).toBe(cols.length);
      for (const c of cols) expect(c.csv, `${name}.${c.key}`).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
    }
    expect(csvName("recommendedRefund")).toBe("recommended_refund");
    expect(csvName("p90DaysToSend")).toBe("p90_days_to_send");
  });

  it("count every request once in each breakdown", () => {
    const keys = REPORTS["request-volume"].columns.map((c) => c.key);
    expect(keys.slice(0, 3)).toEqual(["weekStart", "weekEnd", "requests"]);
    expect(keys).toContain("notDelivered");
    expect(keys).toContain("recommendedNone");
    expect(keys).toContain("decidedOpen");
  });
});

describe("decided outcomes and waiting sides", () => {
  it("place every status exactly once", () => {
    for (const s of REQUEST_STATUSES) expect(decidedOf(s)).toBeTruthy();
    expect(decidedOf("alternative_accepted")).toBe("alternative");
    expect(decidedOf("info_requested")).toBe("open");
    expect(decidedOf("triage")).toBe("open");
    expect(WAITING_ON_QA).toEqual(["triage", "submitted", "in_review"]);
    expect(WAITING_ON_CLIENT).toEqual(["info_requested", "alternative_offered"]);
  });
});

describe("money from its parts", () => {
  it("puts the high and low sums together exactly, beyond 2^53 and 2^63", () => {
    expect(minorFromParts("0", "123")).toBe(123n);
    expect(minorFromParts("12", "000000345")).toBe(12_000_000_345n);
    expect(minorFromParts(null, null)).toBe(0n);
    // 20 million ETH in wei: more than 2^63 minor units, exact.
    expect(minorFromParts("20000000000000000", "5")).toBe(20_000_000_000_000_000_000_000_005n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (minor) => {
        const text = minor.toString();
        const hi = text.length > 9 ? text.slice(0, -9) : "0";
        const lo = text.length > 9 ? text.slice(-9) : text;
        expect(minorFromParts(hi, Number(lo))).toBe(minor);
      }),
    );
  });
});

describe("durations", () => {
  it("are days with one decimal, half up; nothing measured stays null", () => {
    expect(msToDays(null)).toBeNull();
    expect(msToDays(0)).toBe(0);
    expect(msToDays(86_400_000)).toBe(1);
    expect(msToDays(1.5 * 86_400_000)).toBe(1.5);
    expect(msToDays(0.05 * 86_400_000)).toBe(0.1);
    expect(msToDays(0.049 * 86_400_000)).toBe(0);
    expect(msToDays(6.66 * 86_400_000)).toBe(6.7);
  });
});

describe("rows", () => {
  it("request volume: one row per week in order, zeros where nothing was submitted", () => {
    const buckets = weekBuckets(period("2026-03-04", "2026-03-17"));
    const rows = requestVolumeRows(buckets, [
      { k: "2026-03-09", reason: "not_delivered", status: "approved", outcome: "refund", n: "2" },
      { k: "2026-03-09", reason: "other", status: "info_requested", outcome: "none", n: 1 },
      { k: "2026-03-23", reason: "other", status: "approved", outcome: "refund", n: 1 },
    ]);
    expect(rows.map((r) => [r["weekStart"], r["weekEnd"], r["requests"]])).toEqual([
      ["2026-03-04", "2026-03-08", 0],
      ["2026-03-09", "2026-03-15", 3],
      ["2026-03-16", "2026-03-17", 0],
    ]);
    expect(rows[1]).toMatchObject({
      notDelivered: 2,
      other: 1,
      mismatch: 0,
      recommendedRefund: 2,
      recommendedNone: 1,
      decidedApproved: 2,
      decidedOpen: 1,
    });
    expect(Object.keys(rows[0]!)).toEqual(REPORTS["request-volume"].columns.map((c) => c.key));
  });

  it("refunded amounts: decimal strings in each currency's units, sorted", () => {
    const rows = refundedRows([
      {
        k: "2026-03",
        method: "crypto",
        currency: "ETH",
        payouts: 1,
        amountHi: "1500000000",
        amountLo: "0",
      },
      {
        k: "2026-03",
        method: "card",
        currency: "USD",
        payouts: "2",
        amountHi: "0",
        amountLo: "960000",
      },
      { k: "2026-02", method: "card", currency: "JPY", payouts: 1, amountHi: null, amountLo: 4800 },
    ]);
    expect(rows).toEqual([
      { month: "2026-02", method: "card", currency: "JPY", payouts: 1, amount: "4800" },
      {
        month: "2026-03",
        method: "crypto",
        currency: "ETH",
        payouts: 1,
        amount: "1.500000000000000000",
      },
      { month: "2026-03", method: "card", currency: "USD", payouts: 2, amount: "9600.00" },
    ]);
  });

  it("deadlines and waiting: every month, both sides, days from milliseconds", () => {
    const months = monthBuckets(period("2026-02-10", "2026-03-31"));
    const rows = deadlineRows(months, [
      {
        k: "2026-03",
        due: 4,
        kept: 2,
        late: 1,
        overdue: 1,
        open: 0,
        medianMs: 5 * 86_400_000,
        p90Ms: 9.04 * 86_400_000,
      },
    ]);
    expect(rows[0]).toMatchObject({ month: "2026-02", due: 0, medianDaysToSend: null });
    expect(rows[1]).toMatchObject({
      month: "2026-03",
      due: 4,
      medianDaysToSend: 5,
      p90DaysToSend: 9,
    });

    const now = Date.parse("2026-03-20T00:00:00Z");
    const waiting = waitingRows(
      [
        {
          side: "client",
          waiting: 2,
          under2Days: 1,
          days2To7: 0,
          days7To14: 1,
          over14Days: 0,
          oldestSince: "2026-03-10T00:00:00.000Z",
        },
      ],
      now,
    );
    expect(waiting).toEqual([
      {
        waitingOn: "qa",
        waiting: 0,
        under2Days: 0,
        days2To7: 0,
        days7To14: 0,
        over14Days: 0,
        oldestDays: null,
      },
      {
        waitingOn: "client",
        waiting: 2,
        under2Days: 1,
        days2To7: 0,
        days7To14: 1,
        over14Days: 0,
        oldestDays: 10,
      },
    ]);
  });

  it("against the recommendation: most departures first; duplicates per month and currency", () => {
    const rows = againstRows([
      { reviewerId: "u1", reviewer: "Ann", reason: "mismatch", verdict: "followed", n: 3 },
      { reviewerId: "u2", reviewer: null, reason: "other", verdict: "against", n: "2" },
      { reviewerId: "u2", reviewer: null, reason: "other", verdict: "unguided", n: 1 },
    ]);
    expect(rows).toEqual([
      {
        reviewerId: "u2",
        reviewer: "u2",
        reason: "other",
        decisions: 3,
        followed: 0,
        against: 2,
        noFirmRecommendation: 1,
      },
      {
        reviewerId: "u1",
        reviewer: "Ann",
        reason: "mismatch",
        decisions: 3,
        followed: 3,
        against: 0,
        noFirmRecommendation: 0,
      },
    ]);
    const dups = duplicateRows([
      {
        k: "2026-03",
        currency: "USD",
        found: 2,
        refundedInFull: 1,
        partlyRefunded: 0,
        notRefunded: 1,
        foundHi: 0,
        foundLo: 960000,
        refundedHi: 0,
        refundedLo: 480000,
      },
    ]);
    expect(dups).toEqual([
      {
        month: "2026-03",
        currency: "USD",
        found: 2,
        refundedInFull: 1,
        partlyRefunded: 0,
        notRefunded: 1,
        foundAmount: "9600.00",
        refundedAmount: "4800.00",
      },
    ]);
  });
});
