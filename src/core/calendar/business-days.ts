import Holidays from "date-holidays";
import { dayToParts, parseDay, weekday } from "./calendar.js";

/** Non-business dates beyond weekends: explicit dates plus, optionally, a country's public holidays. */
export interface HolidayCalendar {
  isHoliday(day: number): boolean;
}

const countryCache = new Map<string, { hd: Holidays; years: Map<number, Set<number>> }>();
let countryList: Set<string> | undefined;

/**
 * True when `code` names a country (`"US"`) or a country and region (`"US-CA"`) known to
 * date-holidays.
 */
export function isKnownHolidayCountry(code: string): boolean {
  let known = knownCodes.get(code);
  if (known === undefined) {
    known = lookUpHolidayCountry(code);
    if (knownCodes.size > 10_000) knownCodes.clear();
    knownCodes.set(code, known);
  }
  return known;
}

const knownCodes = new Map<string, boolean>();

function lookUpHolidayCountry(code: string): boolean {
  const [country, region, extra] = code.split("-");
  if (country === undefined || extra !== undefined) return false;
  countryList ??= new Set(Object.keys(new Holidays().getCountries()));
  if (!countryList.has(country)) return false;
  if (region === undefined) return true;
  const states = new Holidays().getStates(country);
  return states !== undefined && Object.hasOwn(states, region);
}

function countryHolidays(code: string, year: number): Set<number> {
  let entry = countryCache.get(code);
  if (entry === undefined) {
    const [country = "", region] = code.split("-");
    const hd =
      region === undefined
        ? new Holidays(country, { types: ["public"] })
        : new Holidays(country, region, { types: ["public"] });
    entry = { hd, years: new Map() };
    countryCache.set(code, entry);
  }
  let days = entry.years.get(year);
  if (days === undefined) {
    days = new Set();
    for (const h of entry.hd.getHolidays(year)) {
      if (h.type !== "public") continue;
      // The library's local `date` is the holiday's own calendar date; its start/end are
      // instants in the country's zone, used only for the length of multi-day holidays.
      const first = parseDay(h.date.slice(0, 10));
      if (first === undefined) continue;
      const length = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / 86_400_000));
      for (let i = 0; i < length; i++) days.add(first + i);
    }
    entry.years.set(year, days);
  }
  return days;
}

const calendars = new Map<string, HolidayCalendar>();
/**
 * The same calendars by the holiday list itself (a policy's `params.holidays`, never changed once
 * parsed: `readonly`): every request's deadlines ask for its policy's calendar, and the key by
 * definition joins the whole list each time. Keyed weakly, so a policy that goes takes its entry.
 */
const calendarsByList = new WeakMap<readonly string[], Map<string, HolidayCalendar>>();
const NO_HOLIDAYS: HolidayCalendar = { isHoliday: () => false };

/**
 * A holiday calendar of explicit `YYYY-MM-DD` dates and, optionally, a country's public holidays.
 * Calendars are memoised by their definition.
 */
export function holidayCalendar(
  explicit: readonly string[],
  country: string | null,
): HolidayCalendar {
  if (explicit.length === 0 && country === null) return NO_HOLIDAYS;
  let ofList = calendarsByList.get(explicit);
  if (ofList === undefined) {
    ofList = new Map();
    calendarsByList.set(explicit, ofList);
  }
  const known = ofList.get(country ?? "");
  if (known !== undefined) return known;
  const key = (country ?? "") + "|" + explicit.join(",");
  let cal = calendars.get(key);
  if (cal !== undefined) {
    ofList.set(country ?? "", cal);
    return cal;
  }
  const fixed = new Set<number>();
  for (const text of explicit) {
    const day = parseDay(text);
    if (day !== undefined) fixed.add(day);
  }
  cal =
    country === null
      ? { isHoliday: (day) => fixed.has(day) }
      : {
          isHoliday: (day) =>
            fixed.has(day) || countryHolidays(country, dayToParts(day).year).has(day),
        };
  if (calendars.size > 10_000) calendars.clear();
  calendars.set(key, cal);
  ofList.set(country ?? "", cal);
  return cal;
}

/** True on Monday to Friday unless the calendar names the date a holiday. */
export function isBusinessDay(day: number, calendar: HolidayCalendar): boolean {
  const wd = weekday(day);
  return wd !== 0 && wd !== 6 && !calendar.isHoliday(day);
}

/**
 * The date `n` business days after `day`, counted from the next day (Friday + 1 is Monday).
 * `n = 0` returns `day` itself.
 */
export function addBusinessDays(day: number, n: number, calendar: HolidayCalendar): number {
  if (calendar === NO_HOLIDAYS && n > 0) return addWeekdays(day, n);
  let d = day;
  let left = n;
  while (left > 0) {
    d += 1;
    if (isBusinessDay(d, calendar)) left -= 1;
  }
  return d;
}

/**
 * `addBusinessDays` without holidays, in closed form: a Saturday or Sunday counts on from the
 * Friday before it (the next business day is Monday either way), and every five weekdays from a
 * Monday-based position span a week. `n` > 0.
 */
function addWeekdays(day: number, n: number): number {
  const wd = weekday(day);
  const from = wd === 6 ? day - 1 : wd === 0 ? day - 2 : day;
  const k = wd === 6 || wd === 0 ? 4 : wd - 1; // Monday 0 ... Friday 4
  return from + n + 2 * Math.floor((k + n) / 5);
}
