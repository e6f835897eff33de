// A report's period and its buckets, in the policy's time zone. Pure: "today" and the zone are
// inputs. The database stores instants as ISO UTC text and has no time-zone rules of its own
// (SQLite) or ones that may differ from the runtime's (PostgreSQL), so the zone's arithmetic is
// done here, once: each week or month becomes a half-open UTC range [startsAt, endsAt) that the
// queries join on, exact across daylight-saving changes (ADR 0024).

import {
  DAY_MS,
  dayToParts,
  formatDay,
  parseDay,
  partsToDay,
  startOfDay,
  weekday,
} from "../calendar/calendar.js";
import type { InputError, Result } from "../policy/types.js";

/** The longest period a report covers: three years (1,096 days), a query's bound. */
export const MAX_PERIOD_DAYS = 1096;

/** The period when none is asked for: the 91 days (13 weeks) ending today. */
export const DEFAULT_PERIOD_DAYS = 91;

/** A report's period: whole calendar days `from`..`to` (inclusive) in `timeZone`. */
export interface Period {
  /** `YYYY-MM-DD`, the first day. */
  readonly from: string;
  /** `YYYY-MM-DD`, the last day (inclusive). */
  readonly to: string;
  readonly fromDay: number;
  readonly toDay: number;
  readonly timeZone: string;
  /** The first instant of `from` in the zone (epoch ms). */
  readonly startsAt: number;
  /** The first instant of the day after `to` in the zone (exclusive end). */
  readonly endsAt: number;
}

/** One bar of a chart: a week or a month of the period, cut to the period's ends. */
export interface Bucket {
  /** The week's Monday (`YYYY-MM-DD`) or the month (`YYYY-MM`): what a row is named by. */
  readonly key: string;
  /** `YYYY-MM-DD`: the bucket's first and last day within the period (inclusive). */
  readonly first: string;
  readonly last: string;
  /** [startsAt, endsAt): the bucket's instants (epoch ms), midnight to midnight in the zone. */
  readonly startsAt: number;
  readonly endsAt: number;
}

/**
 * The period `from`..`to` (`YYYY-MM-DD`, inclusive) in `timeZone`. Either may be left out: `to`
 * defaults to `today`, `from` to DEFAULT_PERIOD_DAYS days ending on `to`. Refuses (naming the
 * query field) a date that is not a calendar date, `to` before `from`, or more than
 * MAX_PERIOD_DAYS days.
 */
export function parsePeriod(
  input: { readonly from?: string | undefined; readonly to?: string | undefined },
  today: number,
  timeZone: string,
): Result<Period, InputError> {
  let toDay = today;
  if (input.to !== undefined) {
    const d = parseDay(input.to);
    if (d === undefined) return refuse("querystring.to", "must be a calendar date YYYY-MM-DD");
    toDay = d;
  }
  let fromDay = toDay - (DEFAULT_PERIOD_DAYS - 1);
  if (input.from !== undefined) {
    const d = parseDay(input.from);
    if (d === undefined) return refuse("querystring.from", "must be a calendar date YYYY-MM-DD");
    fromDay = d;
  }
  if (toDay < fromDay) return refuse("querystring.to", "must not be before from");
  if (toDay - fromDay + 1 > MAX_PERIOD_DAYS) {
    return refuse(
      "querystring.to",
      `the period may span at most ${MAX_PERIOD_DAYS} days (three years)`,
    );
  }
  return {
    ok: true,
    value: {
      from: formatDay(fromDay),
      to: formatDay(toDay),
      fromDay,
      toDay,
      timeZone,
      startsAt: startOfDay(fromDay, timeZone),
      endsAt: startOfDay(toDay + 1, timeZone),
    },
  };
}

function refuse(path: string, message: string): Result<never, InputError> {
  return { ok: false, error: { path, message } };
}

function bucket(key: string, first: number, last: number, zone: string): Bucket {
  return {
    key,
    first: formatDay(first),
    last: formatDay(last),
    startsAt: startOfDay(first, zone),
    endsAt: startOfDay(last + 1, zone),
  };
}

/**
 * The period's ISO weeks (Monday to Sunday), oldest first; the first and last are cut to the
 * period, so a bucket never counts a day outside it. Named by the week's Monday.
 */
export function weekBuckets(p: Period): Bucket[] {
  const out: Bucket[] = [];
  // weekday: 0 Sunday .. 6 Saturday; the Monday on or before `from`.
  let monday = p.fromDay - ((weekday(p.fromDay) + 6) % 7);
  for (; monday <= p.toDay; monday += 7) {
    const first = Math.max(monday, p.fromDay);
    const last = Math.min(monday + 6, p.toDay);
    out.push(bucket(formatDay(monday), first, last, p.timeZone));
  }
  return out;
}

/** The period's calendar months, oldest first, the first and last cut to the period. */
export function monthBuckets(p: Period): Bucket[] {
  const out: Bucket[] = [];
  let { year, month } = dayToParts(p.fromDay);
  for (;;) {
    const start = partsToDay(year, month, 1);
    if (start > p.toDay) break;
    const next = month === 12 ? partsToDay(year + 1, 1, 1) : partsToDay(year, month + 1, 1);
    const key = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
    out.push(bucket(key, Math.max(start, p.fromDay), Math.min(next - 1, p.toDay), p.timeZone));
    month++;
    if (month === 13) {
      month = 1;
      year++;
    }
  }
  return out;
}

/**
 * Every day of the period with the instant its next day starts in the zone: a payout due on
 * `day` kept its promise when its money left before `endsAt`.
 */
export function dayEnds(p: Period): { readonly day: string; readonly endsAt: number }[] {
  const out: { day: string; endsAt: number }[] = [];
  for (let d = p.fromDay; d <= p.toDay; d++) {
    out.push({ day: formatDay(d), endsAt: startOfDay(d + 1, p.timeZone) });
  }
  return out;
}

/** Whole days between two instants, for "waiting N days" age bands (elapsed, not calendar). */
export const daysToMs = (days: number): number => days * DAY_MS;
