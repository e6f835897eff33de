import { DateTime, IANAZone } from "luxon";

// Calendar dates are day numbers: whole days since 1970-01-01 in the proleptic Gregorian calendar.
// Converting between instants and local dates needs the zone's UTC offset, which Luxon computes
// (through Intl, ~10 µs a call). Offsets are learnt per zone and UTC day (`ZoneOffsets`): the
// offset at each UTC midnight, asked once, and for the few days in a year when the zone changes
// its offset, the instant of the change, found once by bisection.

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

const CACHE_LIMIT = 200_000;

/** A UTC day during which a zone changes its offset once: `before` until `at`, `after` from it. */
interface OffsetChange {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

/** Marker: the offset changes more than once during this UTC day; Luxon is asked every time. */
const SEVERAL_CHANGES = "several changes";

/** A zone's offsets in minutes as learnt so far, per UTC day. */
class ZoneOffsets {
  /** The offset at each UTC midnight asked for. */
  private readonly atMidnight = new Map<number, number>();
  /** Per UTC day: its one offset, or the change during it. */
  private readonly byDay = new Map<number, number | OffsetChange | typeof SEVERAL_CHANGES>();

  constructor(private readonly zone: IANAZone) {}

  /** The offset at an instant. */
  at(instant: number): number {
    const d = this.day(Math.floor(instant / DAY_MS));
    if (typeof d === "number") return d;
    if (d === SEVERAL_CHANGES) return this.zone.offset(instant);
    return instant < d.at ? d.before : d.after;
  }

  /** The offset that holds through a whole UTC day, or undefined when it changes during it. */
  throughout(day: number): number | undefined {
    const d = this.day(day);
    return typeof d === "number" ? d : undefined;
  }

  private day(day: number): number | OffsetChange | typeof SEVERAL_CHANGES {
    let d = this.byDay.get(day);
    if (d === undefined) {
      const before = this.midnight(day);
      const after = this.midnight(day + 1);
      d = before === after ? before : this.change(day * DAY_MS, before, after);
      if (this.byDay.size >= CACHE_LIMIT) this.byDay.clear();
      this.byDay.set(day, d);
    }
    return d;
  }

  private midnight(day: number): number {
    let offset = this.atMidnight.get(day);
    if (offset === undefined) {
      offset = this.zone.offset(day * DAY_MS);
      if (this.atMidnight.size >= CACHE_LIMIT) this.atMidnight.clear();
      this.atMidnight.set(day, offset);
    }
    return offset;
  }

  /**
   * The change of offset during the day from `start`: the first millisecond at which the offset is
   * no longer `before`, by bisection (27 steps in a day). If the offset found there is not the one
   * at the next midnight, the day has several changes.
   */
  private change(
    start: number,
    before: number,
    after: number,
  ): OffsetChange | typeof SEVERAL_CHANGES {
    let lo = start; // offset `before` here
    let hi = start + DAY_MS; // and not here
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.zone.offset(mid) === before) lo = mid;
      else hi = mid;
    }
    return this.zone.offset(hi) === after ? { at: hi, before, after } : SEVERAL_CHANGES;
  }
}

const offsetsByZone = new Map<string, ZoneOffsets>();

function zoneOffsets(zone: string): ZoneOffsets {
  let offsets = offsetsByZone.get(zone);
  if (offsets === undefined) {
    offsets = new ZoneOffsets(IANAZone.create(zone));
    offsetsByZone.set(zone, offsets);
  }
  return offsets;
}

/** The zone's UTC offset in minutes at an instant. */
export function offsetMinutes(instant: number, zone: string): number {
  return zone === "UTC" ? 0 : zoneOffsets(zone).at(instant);
}

/** The calendar date (day number) that an instant falls on in a zone. */
export function dayInZone(instant: number, zone: string): number {
  return Math.floor((instant + offsetMinutes(instant, zone) * 60_000) / DAY_MS);
}

const startCache = new Map<string, Map<number, number>>();

/** The first instant of a calendar date in a zone (DST-correct, also when midnight is skipped). */
export function startOfDay(day: number, zone: string): number {
  if (zone === "UTC") return day * DAY_MS;
  // Local midnight is `day * DAY_MS` less the offset, an instant within the UTC days `day - 1` and
  // `day` (offsets are under 24 hours). When one offset holds through both, every instant before
  // it falls on an earlier date, so it is the date's first instant.
  const offsets = zoneOffsets(zone);
  const offset = offsets.throughout(day);
  if (offset !== undefined && offsets.throughout(day - 1) === offset) {
    return day * DAY_MS - offset * 60_000;
  }
  // Near a change of offset (midnight may be skipped or repeated), Luxon finds it.
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
