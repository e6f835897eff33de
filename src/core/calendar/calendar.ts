import { DateTime, IANAZone } from "luxon";

// Calendar dates are day numbers: whole days since 1970-01-01 in the proleptic Gregorian calendar.
// Converting between instants and local dates needs the zone's UTC offset, which Luxon computes
// (through Intl, ~12 µs a call); offsets are cached per zone per UTC day, and recomputed per call
// only on the rare days when the zone changes its offset.

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

const validZones = new Map<string, boolean>();

/** True when `zone` is an IANA time zone the runtime knows (e.g. "Asia/Bangkok", "UTC"). */
export function isValidTimeZone(zone: string): boolean {
  let ok = validZones.get(zone);
  if (ok === undefined) {
    ok = zone.length > 0 && IANAZone.isValidZone(zone);
    validZones.set(zone, ok);
  }
  return ok;
}

const zones = new Map<string, IANAZone>();
function ianaZone(zone: string): IANAZone {
  let z = zones.get(zone);
  if (z === undefined) {
    z = IANAZone.create(zone);
    zones.set(zone, z);
  }
  return z;
}

const CACHE_LIMIT = 200_000;
const VARIES = 1e9; // marker: the offset changes during this UTC day
const offsetCache = new Map<string, Map<number, number>>();

/** The zone's UTC offset in minutes at an instant. */
export function offsetMinutes(instant: number, zone: string): number {
  if (zone === "UTC") return 0;
  let perZone = offsetCache.get(zone);
  if (perZone === undefined) {
    perZone = new Map();
    offsetCache.set(zone, perZone);
  }
  const bucket = Math.floor(instant / DAY_MS);
  let cached = perZone.get(bucket);
  if (cached === undefined) {
    const z = ianaZone(zone);
    const start = z.offset(bucket * DAY_MS);
    const end = z.offset(bucket * DAY_MS + DAY_MS - 1);
    cached = start === end ? start : VARIES;
    if (perZone.size >= CACHE_LIMIT) perZone.clear();
    perZone.set(bucket, cached);
  }
  return cached === VARIES ? ianaZone(zone).offset(instant) : cached;
}

/** The calendar date (day number) that an instant falls on in a zone. */
export function dayInZone(instant: number, zone: string): number {
  return Math.floor((instant + offsetMinutes(instant, zone) * 60_000) / DAY_MS);
}

const startCache = new Map<string, Map<number, number>>();

/** The first instant of a calendar date in a zone (DST-correct, also when midnight is skipped). */
export function startOfDay(day: number, zone: string): number {
  if (zone === "UTC") return day * DAY_MS;
  let perZone = startCache.get(zone);
  if (perZone === undefined) {
    perZone = new Map();
    startCache.set(zone, perZone);
  }
  let start = perZone.get(day);
  if (start === undefined) {
    const { year, month, dayOfMonth } = dayToParts(day);
    start = DateTime.fromObject({ year, month, day: dayOfMonth }, { zone })
      .startOf("day")
      .toMillis();
    if (perZone.size >= CACHE_LIMIT) perZone.clear();
    perZone.set(day, start);
  }
  return start;
}

/** Year, month (1-12) and day of month of a day number. */
export function dayToParts(day: number): { year: number; month: number; dayOfMonth: number } {
  // Howard Hinnant's civil_from_days.
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const dayOfMonth = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, dayOfMonth };
}

/** The day number of a year, month (1-12) and day of month. */
export function partsToDay(year: number, month: number, dayOfMonth: number): number {
  // Howard Hinnant's days_from_civil (Date.UTC would read years 0-99 as 1900-1999).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + dayOfMonth - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad2 = (n: number): string => (n < 10 ? "0" + n : String(n));

const dayTexts = new Map<number, string>();

/** Formats a day number as `YYYY-MM-DD` (memoised: a run formats the same dates many times). */
export function formatDay(day: number): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    const { year, month, dayOfMonth } = dayToParts(day);
    text = `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(dayOfMonth)}`;
    if (dayTexts.size >= CACHE_LIMIT) dayTexts.clear();
    dayTexts.set(day, text);
  }
  return text;
}

/** `n` ASCII digits from `i` as a number, or -1. */
function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c >>> 0 > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses a `YYYY-MM-DD` calendar date strictly (2026-02-30 is not a date); undefined if invalid.
 * Scanned by hand: a case's explicit holidays are checked on every evaluation.
 */
export function parseDay(text: string): number | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) {
    return undefined;
  }
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  if (d > 28) {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const dim =
      mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
    if (d > dim) return undefined;
  }
  return partsToDay(y, mo, d);
}

/** Day of the week of a day number: 0 Sunday ... 6 Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}
