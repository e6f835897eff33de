import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addBusinessDays,
  holidayCalendar,
  isBusinessDay,
  isKnownHolidayCountry,
} from "./business-days.js";
import { formatDay, parseDay, weekday } from "./calendar.js";

const day = (text: string): number => {
  const d = parseDay(text);
  if (d === undefined) throw new Error(`bad test date ${text}`);
  return d;
};

const none = holidayCalendar([], null);

describe("holiday calendars", () => {
  it.each([
    ["US", true],
    ["TH", true],
    ["US-CA", true],
    ["DE-BY", true],
    ["ZZ", false],
    ["US-ZZ", false],
    ["US-CA-X", false],
    ["", false],
    ["us", false],
  ])("isKnownHolidayCountry(%j) is %s", (code, known) => {
    expect(isKnownHolidayCountry(code)).toBe(known);
  });

  it.each([
    // US federal public holidays of 2026
    ["US", "2026-01-01", true],
    ["US", "2026-07-03", true], // Independence Day observed (the 4th is a Saturday)
    ["US", "2026-11-26", true], // Thanksgiving
    ["US", "2026-11-27", false],
    ["US", "2026-12-25", true],
    ["US", "2027-11-25", true], // Thanksgiving the next year
    ["US", "2026-03-09", false],
    ["TH", "2026-04-13", true], // Songkran
    ["TH", "2026-11-26", false],
  ])("%s: %s is a holiday: %s", (country, text, holiday) => {
    expect(holidayCalendar([], country).isHoliday(day(text))).toBe(holiday);
  });

  it("explicit dates are holidays, alone or on top of a country's", () => {
    const cal = holidayCalendar(["2026-02-23", "2026-12-24"], null);
    expect(cal.isHoliday(day("2026-02-23"))).toBe(true);
    expect(cal.isHoliday(day("2026-12-24"))).toBe(true);
    expect(cal.isHoliday(day("2026-12-25"))).toBe(false);
    const us = holidayCalendar(["2026-12-24"], "US");
    expect(us.isHoliday(day("2026-12-24"))).toBe(true);
    expect(us.isHoliday(day("2026-12-25"))).toBe(true);
  });

  it("memoises calendars by their definition", () => {
    expect(holidayCalendar(["2026-02-23"], null)).toBe(holidayCalendar(["2026-02-23"], null));
    expect(holidayCalendar(["2026-02-23"], "US")).not.toBe(holidayCalendar(["2026-02-23"], null));
  });
});

describe("business days", () => {
  it.each([
    ["2026-02-20", true], // Friday
    ["2026-02-21", false], // Saturday
    ["2026-02-22", false], // Sunday
    ["2026-02-23", true], // Monday
  ])("%s is a business day: %s", (text, business) => {
    expect(isBusinessDay(day(text), none)).toBe(business);
  });

  it.each([
    // [from, n, holidays, country, want]
    ["2026-02-20", 1, [], null, "2026-02-23"], // Friday + 1 is Monday
    ["2026-02-21", 1, [], null, "2026-02-23"], // from a Saturday
    ["2026-02-22", 1, [], null, "2026-02-23"], // from a Sunday
    ["2026-02-16", 7, [], null, "2026-02-25"],
    ["2026-02-16", 14, [], null, "2026-03-06"],
    ["2026-02-13", 7, ["2026-02-23"], null, "2026-02-25"], // weekend and a holiday
    ["2026-02-20", 1, ["2026-02-23"], null, "2026-02-24"],
    ["2026-02-20", 0, [], null, "2026-02-20"], // n = 0 is the day itself
    ["2026-02-21", 0, [], null, "2026-02-21"],
    // across the US DST weeks the count is by dates, unaffected by the 23- or 25-hour days
    ["2026-03-06", 1, [], null, "2026-03-09"],
    ["2026-03-06", 5, [], null, "2026-03-13"],
    ["2026-10-30", 1, [], null, "2026-11-02"],
    // Thanksgiving week with US holidays
    ["2026-11-20", 5, [], null, "2026-11-27"],
    ["2026-11-20", 5, [], "US", "2026-11-30"],
    ["2026-11-25", 1, [], "US", "2026-11-27"],
    // the year's end: Christmas and New Year's Day
    ["2026-12-23", 3, [], "US", "2026-12-29"],
    ["2026-12-30", 2, [], "US", "2027-01-04"],
    // leap day is a business day in 2028 (a Tuesday)
    ["2028-02-28", 1, [], null, "2028-02-29"],
    ["2026-02-27", 1, [], null, "2026-03-02"],
  ] as const)(
    "%s + %i business days (holidays %j, %s) is %s",
    (from, n, explicit, country, want) => {
      const cal = holidayCalendar(explicit, country);
      expect(formatDay(addBusinessDays(day(from), n, cal))).toBe(want);
    },
  );

  const calendars = [
    holidayCalendar([], null),
    holidayCalendar(["2026-02-23", "2026-02-24", "2026-12-31", "2027-01-04"], null),
    holidayCalendar([], "US"),
    holidayCalendar(["2026-11-27"], "US"),
    holidayCalendar([], "TH"),
    holidayCalendar([], "GB"),
  ];
  const calendar = fc.constantFrom(...calendars);
  const start = fc.integer({ min: day("2025-01-01"), max: day("2028-12-31") });
  const count = fc.integer({ min: 1, max: 40 });

  it("never lands on a weekend or holiday, after the start, having counted n business days (property)", () => {
    fc.assert(
      fc.property(start, count, calendar, (d, n, cal) => {
        const end = addBusinessDays(d, n, cal);
        expect(end).toBeGreaterThan(d);
        expect(isBusinessDay(end, cal)).toBe(true);
        expect([0, 6]).not.toContain(weekday(end));
        expect(cal.isHoliday(end)).toBe(false);
        let counted = 0;
        for (let x = d + 1; x <= end; x++) if (isBusinessDay(x, cal)) counted += 1;
        expect(counted).toBe(n);
      }),
      { numRuns: 500 },
    );
  });

  it("without holidays (counted in closed form) agrees with a day-by-day count", () => {
    const noHolidays = { isHoliday: () => false }; // not the shared calendar: counts day by day
    for (let d = day("2025-12-29"); d < day("2026-01-12"); d++) {
      for (let n = 0; n <= 60; n++) {
        expect(addBusinessDays(d, n, none)).toBe(addBusinessDays(d, n, noHolidays));
      }
    }
  });

  it("is strictly increasing in n (property)", () => {
    fc.assert(
      fc.property(start, fc.integer({ min: 0, max: 40 }), calendar, (d, n, cal) => {
        expect(addBusinessDays(d, n + 1, cal)).toBeGreaterThan(addBusinessDays(d, n, cal));
      }),
      { numRuns: 500 },
    );
  });

  it("is monotonic in the start date (property)", () => {
    fc.assert(
      fc.property(start, fc.integer({ min: 0, max: 20 }), count, calendar, (d, later, n, cal) => {
        expect(addBusinessDays(d + later, n, cal)).toBeGreaterThanOrEqual(
          addBusinessDays(d, n, cal),
        );
      }),
      { numRuns: 500 },
    );
  });
});
