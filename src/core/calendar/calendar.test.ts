import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  dayInZone,
  dayToParts,
  formatDay,
  isValidTimeZone,
  offsetMinutes,
  parseDay,
  partsToDay,
  startOfDay,
  weekday,
} from "./calendar.js";
import { formatInstant, formatIsoUtc, parseInstant } from "./instant.js";

const day = (text: string): number => {
  const d = parseDay(text);
  if (d === undefined) throw new Error(`bad test date ${text}`);
  return d;
};
const at = (iso: string): number => {
  const ms = parseInstant(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};

describe("calendar dates", () => {
  it.each([
    ["1970-01-01", 0],
    ["1969-12-31", -1],
    ["2000-02-29", 11016],
    ["2026-02-28", 20512],
    ["2026-03-01", 20513],
    ["2028-02-29", 21243],
    ["2028-03-01", 21244],
  ])("%s is day %i", (text, n) => {
    expect(parseDay(text)).toBe(n);
    expect(formatDay(n)).toBe(text);
  });

  it.each([
    "2026-02-29", // not a leap year
    "2100-02-29", // century, not a leap year
    "2026-02-30",
    "2026-04-31",
    "2026-13-01",
    "2026-00-10",
    "2026-01-00",
    "2026-1-5",
    "26-01-05",
    "2026-01-05T00:00:00Z",
    " 2026-01-05",
    "",
  ])("%j is not a date", (text) => {
    expect(parseDay(text)).toBeUndefined();
  });

  it.each([
    ["2000-02-29", true],
    ["2024-02-29", true],
    ["2028-02-29", true],
    ["2400-02-29", true],
    ["1900-02-29", false],
    ["2026-02-29", false],
  ])("leap day %s exists: %s", (text, exists) => {
    expect(parseDay(text) !== undefined).toBe(exists);
  });

  it("February has 28 days in 2026 and 29 in 2028", () => {
    expect(day("2026-03-01") - day("2026-02-01")).toBe(28);
    expect(day("2028-03-01") - day("2028-02-01")).toBe(29);
  });

  it.each([
    ["1970-01-01", 4], // Thursday
    ["2026-02-20", 5], // Friday
    ["2026-02-21", 6], // Saturday
    ["2026-02-22", 0], // Sunday
    ["2026-02-23", 1], // Monday
    ["1969-12-28", 0], // Sunday, before the epoch
  ])("%s is weekday %i", (text, wd) => {
    expect(weekday(day(text))).toBe(wd);
  });

  it("day numbers and parts are inverse, and agree with Date.UTC (property)", () => {
    fc.assert(
      // day numbers of 0000-01-01 .. 9999-12-31 (formatDay writes four-digit years)
      fc.property(fc.integer({ min: -719_528, max: 2_932_896 }), (n) => {
        const { year, month, dayOfMonth } = dayToParts(n);
        expect(partsToDay(year, month, dayOfMonth)).toBe(n);
        expect(parseDay(formatDay(n))).toBe(n);
        if (year >= 1000 && year <= 9999) {
          expect(Date.UTC(year, month - 1, dayOfMonth) / DAY_MS).toBe(n);
          expect(new Date(n * DAY_MS).getUTCDay()).toBe(weekday(n));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("time zones", () => {
  it.each([
    ["UTC", true],
    ["Asia/Bangkok", true],
    ["America/New_York", true],
    ["Mars/Olympus", false],
    ["", false],
    ["+07:00x", false],
  ])("isValidTimeZone(%j) is %s", (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });

  it.each([
    // UTC+7 all year
    ["2026-02-20T16:30:00Z", "Asia/Bangkok", "2026-02-20"], // 23:30 local
    ["2026-02-20T16:59:59.999Z", "Asia/Bangkok", "2026-02-20"],
    ["2026-02-20T17:00:00Z", "Asia/Bangkok", "2026-02-21"], // 00:00 local
    ["2026-02-20T17:30:00Z", "Asia/Bangkok", "2026-02-21"],
    ["2026-02-20T17:30:00Z", "UTC", "2026-02-20"],
    // New York, spring forward on Sunday 2026-03-08 at 02:00 EST (07:00Z)
    ["2026-03-08T04:59:59.999Z", "America/New_York", "2026-03-07"],
    ["2026-03-08T05:00:00Z", "America/New_York", "2026-03-08"],
    ["2026-03-08T06:59:59Z", "America/New_York", "2026-03-08"], // 01:59:59 EST
    ["2026-03-08T07:00:00Z", "America/New_York", "2026-03-08"], // 03:00 EDT
    ["2026-03-09T03:59:59.999Z", "America/New_York", "2026-03-08"], // 23:59 EDT
    ["2026-03-09T04:00:00Z", "America/New_York", "2026-03-09"],
    // fall back on Sunday 2026-11-01 at 02:00 EDT (06:00Z)
    ["2026-11-01T03:59:59.999Z", "America/New_York", "2026-10-31"],
    ["2026-11-01T04:00:00Z", "America/New_York", "2026-11-01"],
    ["2026-11-01T05:30:00Z", "America/New_York", "2026-11-01"], // 01:30 EDT
    ["2026-11-01T06:30:00Z", "America/New_York", "2026-11-01"], // 01:30 EST
    ["2026-11-02T04:59:59.999Z", "America/New_York", "2026-11-01"], // 23:59 EST
    ["2026-11-02T05:00:00Z", "America/New_York", "2026-11-02"],
    // half-hour and quarter-hour zones
    ["2026-02-20T18:14:59Z", "Asia/Kathmandu", "2026-02-20"], // +05:45
    ["2026-02-20T18:15:00Z", "Asia/Kathmandu", "2026-02-21"],
    ["2026-02-20T13:30:00Z", "Australia/Adelaide", "2026-02-21"], // +10:30 (summer)
  ])("%s falls on the local date in %s: %s", (iso, zone, want) => {
    expect(formatDay(dayInZone(at(iso), zone))).toBe(want);
  });

  it.each([
    ["2026-03-08T06:59:59Z", "America/New_York", -300],
    ["2026-03-08T07:00:00Z", "America/New_York", -240],
    ["2026-11-01T05:59:59Z", "America/New_York", -240],
    ["2026-11-01T06:00:00Z", "America/New_York", -300],
    ["2026-07-01T00:00:00Z", "Asia/Bangkok", 420],
    ["2026-07-01T00:00:00Z", "UTC", 0],
  ])("offset at %s in %s is %i minutes", (iso, zone, minutes) => {
    expect(offsetMinutes(at(iso), zone)).toBe(minutes);
  });

  it.each([
    ["2026-02-21", "Asia/Bangkok", "2026-02-20T17:00:00Z"],
    ["2026-02-28", "UTC", "2026-02-28T00:00:00Z"],
    // New York across the DST weeks: EST is UTC-5, EDT UTC-4
    ["2026-03-07", "America/New_York", "2026-03-07T05:00:00Z"],
    ["2026-03-08", "America/New_York", "2026-03-08T05:00:00Z"], // midnight still EST
    ["2026-03-09", "America/New_York", "2026-03-09T04:00:00Z"], // EDT from here
    ["2026-10-31", "America/New_York", "2026-10-31T04:00:00Z"],
    ["2026-11-01", "America/New_York", "2026-11-01T04:00:00Z"], // midnight still EDT
    ["2026-11-02", "America/New_York", "2026-11-02T05:00:00Z"], // EST from here
    // a zone whose midnight is skipped by DST: the day starts at 01:00
    ["2026-09-06", "America/Santiago", "2026-09-06T04:00:00Z"],
  ])("%s starts in %s at %s", (text, zone, iso) => {
    expect(formatInstant(startOfDay(day(text), zone))).toBe(iso);
  });

  it("the New York DST days are 23 and 25 hours long", () => {
    const len = (text: string): number =>
      (startOfDay(day(text) + 1, "America/New_York") - startOfDay(day(text), "America/New_York")) /
      3_600_000;
    expect(len("2026-03-07")).toBe(24);
    expect(len("2026-03-08")).toBe(23);
    expect(len("2026-11-01")).toBe(25);
    expect(len("2026-11-02")).toBe(24);
  });

  const ZONES = [
    "UTC",
    "Asia/Bangkok",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe", // 30-minute DST
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/Santiago", // midnight DST
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
  ];
  const zone = fc.constantFrom(...ZONES);
  // 2024-01-01 .. 2029-12-31, where the zones above have stable, well-known rules
  const instantArb = fc.integer({ min: 1_704_067_200_000, max: 1_893_455_999_999 });

  it("dayInZone agrees with Luxon (property)", () => {
    fc.assert(
      fc.property(instantArb, zone, (t, z) => {
        const want = DateTime.fromMillis(t, { zone: z }).toISODate();
        expect(formatDay(dayInZone(t, z))).toBe(want);
      }),
      { numRuns: 500 },
    );
  });

  it("startOfDay is the first instant of its date (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: day("2024-01-02"), max: day("2029-12-30") }), zone, (d, z) => {
        const s = startOfDay(d, z);
        expect(dayInZone(s, z)).toBe(d);
        expect(dayInZone(s - 1, z)).toBe(d - 1);
      }),
      { numRuns: 500 },
    );
  });

  // Offsets are learnt per UTC day, a change of offset by bisection: every change in these zones
  // over six years, found here by Luxon day by day and then to the millisecond, must be seen at
  // its exact millisecond, and every date's start must be Luxon's.
  it("offsetMinutes changes at the same millisecond as Luxon's, in every zone, 2024-2029", () => {
    const from = Date.UTC(2024, 0, 1);
    const to = Date.UTC(2030, 0, 1);
    const luxon = (t: number, z: string): number => DateTime.fromMillis(t, { zone: z }).offset;
    let changes = 0;
    for (const z of ZONES) {
      for (let t = from; t < to; t += DAY_MS) {
        if (luxon(t, z) === luxon(t + DAY_MS, z)) continue;
        let lo = t;
        let hi = t + DAY_MS;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (luxon(mid, z) === luxon(t, z)) lo = mid;
          else hi = mid;
        }
        changes++;
        for (const u of [hi - DAY_MS, hi - 1, hi, hi + 1, hi + DAY_MS]) {
          expect(offsetMinutes(u, z), `${z} at ${formatInstant(u)}`).toBe(luxon(u, z));
        }
      }
    }
    expect(changes).toBeGreaterThan(50);
  });

  it("startOfDay is Luxon's start of the day, every date of 2024-2029 in every zone", () => {
    for (const z of ZONES) {
      for (let d = day("2024-01-01"); d <= day("2029-12-31"); d++) {
        const { year, month, dayOfMonth } = dayToParts(d);
        const want = DateTime.fromObject({ year, month, day: dayOfMonth }, { zone: z })
          .startOf("day")
          .toMillis();
        expect(startOfDay(d, z), `${formatDay(d)} in ${z}`).toBe(want);
      }
    }
  });

  it("dayInZone is monotonic in the instant (property)", () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 0, max: 5 * DAY_MS }), zone, (t, dt, z) => {
        expect(dayInZone(t + dt, z)).toBeGreaterThanOrEqual(dayInZone(t, z));
      }),
      { numRuns: 500 },
    );
  });
});

describe("instants", () => {
  it.each([
    ["2026-02-01T10:00:00Z", "2026-02-01T10:00:00.000Z"],
    ["2026-02-01T10:00Z", "2026-02-01T10:00:00.000Z"],
    ["2026-02-01T17:00:00+07:00", "2026-02-01T10:00:00.000Z"],
    ["2026-02-01T05:00:00-05:00", "2026-02-01T10:00:00.000Z"],
    ["2026-02-01T15:45:00+05:45", "2026-02-01T10:00:00.000Z"],
    ["2026-02-01T10:00:00+00:00", "2026-02-01T10:00:00.000Z"],
    ["2026-02-01T10:00:00.5Z", "2026-02-01T10:00:00.500Z"],
    ["2026-02-01T10:00:00.123Z", "2026-02-01T10:00:00.123Z"],
    ["2026-02-01T10:00:00.123456789Z", "2026-02-01T10:00:00.123Z"],
    ["2026-02-27T23:59:59.999Z", "2026-02-27T23:59:59.999Z"],
    ["2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    ["2026-03-01T00:30:00+01:00", "2026-02-28T23:30:00.000Z"],
  ])("%s is %s", (text, iso) => {
    expect(new Date(parseInstant(text)).toISOString()).toBe(iso);
  });

  it.each([
    "2026-02-01T10:00:00", // no offset
    "2026-02-01 10:00:00Z",
    "2026-02-01",
    "2026-02-30T00:00:00Z", // not a date
    "2026-02-29T00:00:00Z", // not a leap year
    "2026-04-31T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-02-01T24:00:00Z",
    "2026-02-01T10:60:00Z",
    "2026-02-01T10:00:60Z",
    "2026-02-01T10:00:00.Z",
    "2026-02-01T10:00:00.1234567891Z",
    "2026-02-01T10:00:00+0700",
    "2026-02-01T10:00:00+07",
    "2026-02-01T10:00:00+24:00",
    "2026-02-01T10:00:00ZZ",
    "2026-02-01T10:00:00Z ",
    "2026-02-01t10:00:00z",
    "yesterday",
    "",
  ])("%j is not an instant with an offset", (text) => {
    expect(parseInstant(text)).toBeNaN();
  });

  it.each([
    [at("2026-02-27T17:00:00Z"), "2026-02-27T17:00:00Z"],
    [at("2026-02-27T23:59:59.999Z"), "2026-02-27T23:59:59.999Z"],
    [0, "1970-01-01T00:00:00Z"],
  ])("formatInstant(%i) is %s", (ms, text) => {
    expect(formatInstant(ms)).toBe(text);
  });

  it("formatIsoUtc writes Date#toISOString's text, inside 0000-9999 and beyond it (property)", () => {
    const edges = [
      -62_167_219_200_001, -62_167_219_200_000, -1, 0, 1, 951_782_400_000, 253_402_300_799_999,
      253_402_300_800_000, 8.64e15, -8.64e15, 1.5, -0.5,
    ];
    for (const ms of edges) expect(formatIsoUtc(ms), String(ms)).toBe(new Date(ms).toISOString());
    expect(() => formatIsoUtc(NaN)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }), (ms) => {
        expect(formatIsoUtc(ms)).toBe(new Date(ms).toISOString());
        const iso = new Date(ms).toISOString();
        expect(formatInstant(ms)).toBe(iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso);
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(formatIsoUtc(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it("parse and format round-trip, with any offset (property)", () => {
    const offset = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });
    fc.assert(
      fc.property(
        fc.integer({ min: -30_000_000_000_000, max: 200_000_000_000_000 }),
        offset,
        (t, off) => {
          expect(parseInstant(formatInstant(t))).toBe(t);
          const local = new Date(t + off * 60_000).toISOString().slice(0, -1); // no Z
          const sign = off < 0 ? "-" : "+";
          const a = Math.abs(off);
          const hh = String(Math.floor(a / 60)).padStart(2, "0");
          const mm = String(a % 60).padStart(2, "0");
          expect(parseInstant(`${local}${sign}${hh}:${mm}`)).toBe(t);
        },
      ),
      { numRuns: 500 },
    );
  });
});
