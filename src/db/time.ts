// Instants are stored as TEXT `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, always milliseconds, four-digit
// year), so the string order in both databases is the time order and no driver converts them.

import {
  FIRST_FOUR_DIGIT_YEAR_MS,
  formatIsoUtc,
  LAST_FOUR_DIGIT_YEAR_MS,
  msOf,
  parseExactInstant,
} from "../core/calendar/instant.js";

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Epoch milliseconds (or a Date) as a database instant. */
export function toDbInstant(at: number | Date): string {
  const ms = typeof at === "number" ? at : at.getTime();
  if (!Number.isFinite(ms) || ms > LAST_FOUR_DIGIT_YEAR_MS || ms < FIRST_FOUR_DIGIT_YEAR_MS) {
    throw new RangeError(`instant out of range: ${String(at)}`);
  }
  // Inside 0000-9999 toISOString has the fixed form (outside it switches to a six-digit signed
  // year, which would break the string order); formatIsoUtc writes that text without a Date.
  return formatIsoUtc(ms);
}

/**
 * A database instant back to epoch milliseconds; anything not in the stored form throws. The
 * form is checked by INSTANT and the date by the core's instant reader (no 31 April, no hour 24),
 * which is several times cheaper than formatting the parsed value back to compare: every read of
 * a request parses a handful of these.
 */
export function fromDbInstant(text: string): number {
  const parsed = INSTANT.test(text) ? parseExactInstant(text) : null;
  if (parsed === null) throw new RangeError(`not a database instant: "${text}"`);
  return msOf(parsed);
}

/** `toDbInstant` that passes null through. */
export function toDbInstantOrNull(at: number | Date | null): string | null {
  return at === null ? null : toDbInstant(at);
}

/** `fromDbInstant` that passes null through. */
export function fromDbInstantOrNull(text: string | null): number | null {
  return text === null ? null : fromDbInstant(text);
}
