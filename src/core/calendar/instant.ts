import { DAY_MS, formatDay, partsToDay } from "./calendar.js";

// Strict ISO 8601 / RFC 3339 instants with an explicit offset, parsed by hand: this runs several
// times per evaluated case, and a regular expression plus Date.parse costs several times more.
// Form: YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|+HH:MM|-HH:MM)

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

// Day numbers of 1 January for the years 1900-2299 and of each month's first day within a year
// (index 12 + month for leap years): a table lookup instead of days_from_civil's divisions for
// nearly every instant; other years take partsToDay.
const TABLE_FROM = 1900;
const TABLE_YEARS = 400;
const YEAR_START = new Float64Array(TABLE_YEARS);
for (let i = 0; i < TABLE_YEARS; i++) YEAR_START[i] = partsToDay(TABLE_FROM + i, 1, 1);
const MONTH_START = new Int32Array(24);
for (let m = 1, common = 0, leap = 0; m <= 12; m++) {
  MONTH_START[m - 1] = common;
  MONTH_START[11 + m] = leap;
  const dim = DAYS_IN_MONTH[m - 1] as number;
  common += dim;
  leap += m === 2 ? dim + 1 : dim;
}

/** The day number of a valid date. */
function dayOf(y: number, mo: number, d: number): number {
  const i = y - TABLE_FROM;
  if (i < 0 || i >= TABLE_YEARS) return partsToDay(y, mo, d);
  return (YEAR_START[i] as number) + (MONTH_START[isLeap(y) ? 11 + mo : mo - 1] as number) + d - 1;
}

/** Two ASCII digits at `i` as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >>> 0 > 9 || b >>> 0 > 9 ? -1 : a * 10 + b;
}

/**
 * An instant exactly as written, to the nanosecond. Nine fractional digits do not fit one double
 * (epoch nanoseconds need 61 bits), so an instant is one of two forms:
 *
 * - a whole millisecond (every instant the service stores, and nearly every one a case carries) is
 *   its epoch milliseconds, a plain `number`;
 * - an instant between two milliseconds is a `BetweenMilliseconds`: `ms` the millisecond before it
 *   and `ns` the nanoseconds after that (1-999,999).
 *
 * A number costs nothing to hold; an object per instant was about a fifth of what deciding a case
 * allocated (ADR 0010, session 9). Build instants with `exactInstant` and read them with `msOf`,
 * `nsOf` and the comparisons below, which take either form (an object with `ns` 0 included), so
 * nothing else needs to know which form an instant has.
 */
export type ExactInstant = number | BetweenMilliseconds;

/** An instant that is not a whole millisecond: `ms` rounded down, plus `ns` nanoseconds. */
export interface BetweenMilliseconds {
  readonly ms: number;
  readonly ns: number;
}

/** The instant `ns` nanoseconds (0-999,999) after epoch millisecond `ms`. */
export function exactInstant(ms: number, ns = 0): ExactInstant {
  return ns === 0 ? ms : { ms, ns };
}

/** Epoch milliseconds of an instant, rounded down: what the calendar functions take. */
export function msOf(t: ExactInstant): number {
  return typeof t === "number" ? t : t.ms;
}

/** The nanoseconds of an instant after its millisecond (0-999,999). */
export function nsOf(t: ExactInstant): number {
  return typeof t === "number" ? 0 : t.ns;
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareInstants(a: ExactInstant, b: ExactInstant): number {
  return msOf(a) - msOf(b) || nsOf(a) - nsOf(b);
}

/** True when `a` is strictly after `b`. */
export function isAfter(a: ExactInstant, b: ExactInstant): boolean {
  return compareInstants(a, b) > 0;
}

/** The later of two instants. */
export function later(a: ExactInstant, b: ExactInstant): ExactInstant {
  return isAfter(b, a) ? b : a;
}

/** The earlier of two instants. */
export function earlier(a: ExactInstant, b: ExactInstant): ExactInstant {
  return isAfter(a, b) ? b : a;
}

/** `t` moved later by the length of the span [from, to). */
export function plusSpan(t: ExactInstant, from: ExactInstant, to: ExactInstant): ExactInstant {
  let ms = msOf(t) + (msOf(to) - msOf(from));
  let ns = nsOf(t) + (nsOf(to) - nsOf(from));
  if (ns >= 1_000_000) {
    ns -= 1_000_000;
    ms += 1;
  } else if (ns < 0) {
    ns += 1_000_000;
    ms -= 1;
  }
  return exactInstant(ms, ns);
}

/** The length of [from, to) in nanoseconds (0 when `to` is not after `from`). */
export function spanNanos(from: ExactInstant, to: ExactInstant): bigint {
  if (!isAfter(to, from)) return 0n;
  return BigInt(msOf(to) - msOf(from)) * 1_000_000n + BigInt(nsOf(to) - nsOf(from));
}

/** Parses an instant with an offset, every fractional digit kept; null when it is not one. */
export function parseExactInstant(s: string): ExactInstant | null {
  const len = s.length;
  if (len < 17) return null;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return null; // - - T
  if (s.charCodeAt(13) !== 58) return null; // :
  const yh = d2(s, 0);
  const yl = d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  const h = d2(s, 11);
  const mi = d2(s, 14);
  if (yh < 0 || yl < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59) {
    return null;
  }
  const y = yh * 100 + yl;
  if (d > 28) {
    const dim = mo === 2 ? (isLeap(y) ? 29 : 28) : (DAYS_IN_MONTH[mo - 1] as number);
    if (d > dim) return null;
  }
  let i = 16;
  let sec = 0;
  // The fraction as nanoseconds: an integer below 10^9, exact in a double.
  let nanos = 0;
  if (s.charCodeAt(i) === 58) {
    sec = d2(s, i + 1);
    if (sec < 0 || sec > 59) return null;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      i += 1;
      const start = i;
      let scale = 100_000_000;
      while (i < len) {
        const c = s.charCodeAt(i) - 48;
        if (c >>> 0 > 9) break;
        nanos += c * scale;
        scale /= 10;
        i += 1;
      }
      if (i === start || i - start > 9) return null;
    }
  }
  let offset = 0;
  const tz = s.charCodeAt(i);
  if (tz === 90) {
    // Z
    if (i + 1 !== len) return null;
  } else if (tz === 43 || tz === 45) {
    // + or -
    if (i + 6 !== len || s.charCodeAt(i + 3) !== 58) return null;
    const oh = d2(s, i + 1);
    const om = d2(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offset = (oh * 60 + om) * (tz === 43 ? 1 : -1);
  } else {
    return null;
  }
  const wholeMs = Math.floor(nanos / 1_000_000);
  const ms =
    dayOf(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + wholeMs - offset * 60_000;
  return exactInstant(ms, nanos - wholeMs * 1_000_000);
}

/**
 * Parses an instant with an offset to epoch milliseconds (rounded down to the millisecond); NaN
 * when it is not one. For callers that store milliseconds; the engine keeps `parseExactInstant`.
 */
export function parseInstant(s: string): number {
  const t = parseExactInstant(s);
  return t === null ? NaN : msOf(t);
}

/** An exact instant as ISO 8601 in UTC, with as many fractional digits as it needs (up to 9). */
export function formatExactInstant(t: ExactInstant): string {
  const ms = msOf(t);
  const ns = nsOf(t);
  if (ns === 0) return formatInstant(ms);
  const msPart = String(((ms % 1000) + 1000) % 1000).padStart(3, "0");
  const frac = (msPart + String(ns).padStart(6, "0")).replace(/0+$/, "");
  return `${formatIsoUtc(ms).slice(0, 19)}.${frac}Z`;
}

/** Formats epoch milliseconds as an ISO 8601 instant in UTC (`Z`), without zero milliseconds. */
export function formatInstant(ms: number): string {
  return formatUtc(ms, false);
}

/**
 * Epoch milliseconds as `YYYY-MM-DDTHH:mm:ss.sssZ`: the text of `Date#toISOString`, made without a
 * `Date` (the database stores every instant this way, and a bulk import writes several a row;
 * toISOString cost about 1 µs each). Outside the years 0000-9999, and for a value that is not a
 * whole number, the text is toISOString's own (a six-digit signed year; a RangeError for NaN).
 */
export function formatIsoUtc(ms: number): string {
  return formatUtc(ms, true);
}

/** The first and last millisecond of the years 0000-9999: the instants with a four-digit year. */
export const FIRST_FOUR_DIGIT_YEAR_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
export const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/** "00".."59" and "000".."999": the fields of a time of day. */
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

function formatUtc(ms: number, alwaysMillis: boolean): string {
  if (!(ms >= FIRST_FOUR_DIGIT_YEAR_MS && ms <= LAST_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) {
    const iso = new Date(ms).toISOString();
    return alwaysMillis || !iso.endsWith(".000Z") ? iso : iso.slice(0, -5) + "Z";
  }
  const day = Math.floor(ms / DAY_MS);
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  const time = `${formatDay(day)}T${TWO[h] as string}:${TWO[mi] as string}:${TWO[sec] as string}`;
  return milli === 0 && !alwaysMillis ? `${time}Z` : `${time}.${THREE[milli] as string}Z`;
}
