import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDay, parseDay } from "../calendar/calendar.js";
import {
  DEFAULT_PERIOD_DAYS,
  MAX_PERIOD_DAYS,
  dayEnds,
  monthBuckets,
  parsePeriod,
  weekBuckets,
  type Period,
} from "./period.js";

const day = (text: string): number => parseDay(text)!;
const iso = (ms: number): string => new Date(ms).toISOString();

function period(from: string, to: string, zone = "Asia/Bangkok"): Period {
  const p = parsePeriod({ from, to }, day("2026-12-06"), zone);
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

describe("parsePeriod", () => {
  it("reads both ends as whole days in the zone", () => {
    const p = period("2026-03-01", "2026-03-31");
    expect(p).toMatchObject({ from: "2026-03-01", to: "2026-03-31", timeZone: "Asia/Bangkok" });
    // Bangkok is UTC+7 all year: midnight there is 17:00 UTC the evening before.
    expect(iso(p.startsAt)).toBe("2026-02-28T17:00:00.000Z");
    expect(iso(p.endsAt)).toBe("2026-03-31T17:00:00.000Z");
  });

  it("defaults to the 91 days ending today, or ending on `to`", () => {
    const today = day("2026-12-06");
    const p = parsePeriod({}, today, "UTC");
    expect(p.ok && [p.value.from, p.value.to]).toEqual(["2026-09-07", "2026-12-06"]);
    expect(p.ok && p.value.toDay - p.value.fromDay + 1).toBe(DEFAULT_PERIOD_DAYS);
    const q = parsePeriod({ to: "2026-03-31" }, today, "UTC");
    expect(q.ok && q.value.from).toBe("2025-12-31");
    const r = parsePeriod({ from: "2026-11-01" }, today, "UTC");
    expect(r.ok && [r.value.from, r.value.to]).toEqual(["2026-11-01", "2026-12-06"]);
  });

  it("refuses what is not a period, naming the query field", () => {
    const today = day("2026-12-06");
    const cases: [Record<string, string>, string][] = [
      [{ from: "2026-02-30" }, "querystring.from"],
      [{ from: "1 March" }, "querystring.from"],
      [{ to: "2026-13-01" }, "querystring.to"],
      [{ from: "2026-03-02", to: "2026-03-01" }, "querystring.to"],
      [{ from: "2023-01-01", to: "2026-01-01" }, "querystring.to"],
    ];
    for (const [input, path] of cases) {
      const p = parsePeriod(input, today, "UTC");
      expect(p.ok ? null : p.error.path, JSON.stringify(input)).toBe(path);
    }
    // Exactly three years (1,096 days) is allowed; one more day is not.
    expect(parsePeriod({ from: "2024-01-01", to: "2026-12-31" }, today, "UTC").ok).toBe(true);
    expect(day("2026-12-31") - day("2024-01-01") + 1).toBe(MAX_PERIOD_DAYS);
    expect(parsePeriod({ from: "2023-12-31", to: "2026-12-31" }, today, "UTC").ok).toBe(false);
  });
});

describe("weekBuckets", () => {
  it("are ISO weeks named by their Monday, the first and last cut to the period", () => {
    // 2026-03-04 is a Wednesday; 2026-03-17 a Tuesday.
    const b = weekBuckets(period("2026-03-04", "2026-03-17"));
    expect(b.map((x) => [x.key, x.first, x.last])).toEqual([
      ["2026-03-02", "2026-03-04", "2026-03-08"],
      ["2026-03-09", "2026-03-09", "2026-03-15"],
      ["2026-03-16", "2026-03-16", "2026-03-17"],
    ]);
    expect(iso(b[0]!.startsAt)).toBe("2026-03-03T17:00:00.000Z");
    expect(iso(b[2]!.endsAt)).toBe("2026-03-17T17:00:00.000Z");
  });

  it("follow the zone's midnights across a daylight-saving change (Berlin, 29 March 2026)", () => {
    const b = weekBuckets(period("2026-03-23", "2026-04-05", "Europe/Berlin"));
    // The week of the change has 167 hours: midnight moves from UTC+1 to UTC+2.
    expect(iso(b[0]!.startsAt)).toBe("2026-03-22T23:00:00.000Z");
    expect(iso(b[0]!.endsAt)).toBe("2026-03-29T22:00:00.000Z");
    expect((b[0]!.endsAt - b[0]!.startsAt) / 3_600_000).toBe(167);
    expect(b[1]!.startsAt).toBe(b[0]!.endsAt);
  });

  it("cover the period without gaps or overlaps, for any period and zone", () => {
    const zones = [
      "UTC",
      "Asia/Bangkok",
      "America/New_York",
      "Europe/Berlin",
      "Australia/Lord_Howe",
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: day("2024-01-01"), max: day("2028-12-31") }),
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom(...zones),
        (from, length, zone) => {
          const p = period(formatDay(from), formatDay(from + length), zone);
          for (const buckets of [weekBuckets(p), monthBuckets(p)]) {
            expect(buckets[0]!.startsAt).toBe(p.startsAt);
            expect(buckets.at(-1)!.endsAt).toBe(p.endsAt);
            expect(buckets[0]!.first).toBe(p.from);
            expect(buckets.at(-1)!.last).toBe(p.to);
            for (let i = 1; i < buckets.length; i++) {
              expect(buckets[i]!.startsAt).toBe(buckets[i - 1]!.endsAt);
              expect(day(buckets[i]!.first)).toBe(day(buckets[i - 1]!.last) + 1);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("monthBuckets", () => {
  it("are calendar months, cut to the period, leap February included", () => {
    const b = monthBuckets(period("2028-01-15", "2028-03-10", "America/New_York"));
    expect(b.map((x) => [x.key, x.first, x.last])).toEqual([
      ["2028-01", "2028-01-15", "2028-01-31"],
      ["2028-02", "2028-02-01", "2028-02-29"],
      ["2028-03", "2028-03-01", "2028-03-10"],
    ]);
    // New York: EST (UTC-5) until 12 March 2028.
    expect(iso(b[1]!.startsAt)).toBe("2028-02-01T05:00:00.000Z");
  });

  it("roll over the year", () => {
    const b = monthBuckets(period("2026-11-20", "2027-01-05"));
    expect(b.map((x) => x.key)).toEqual(["2026-11", "2026-12", "2027-01"]);
  });
});

describe("dayEnds", () => {
  it("gives each day of the period the instant its next day starts in the zone", () => {
    const d = dayEnds(period("2026-10-24", "2026-10-26", "Europe/Berlin"));
    expect(d.map((x) => [x.day, iso(x.endsAt)])).toEqual([
      ["2026-10-24", "2026-10-24T22:00:00.000Z"],
      // 25 October 2026: back to UTC+1, a 25-hour day.
      ["2026-10-25", "2026-10-25T23:00:00.000Z"],
      ["2026-10-26", "2026-10-26T23:00:00.000Z"],
    ]);
  });
});
