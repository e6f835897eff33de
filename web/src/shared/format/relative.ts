// How long ago something happened, in the reader's words ("3 days ago", "5 hours ago"), by Intl.

import { intlLocale } from "./index";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `iso` relative to `now` (epoch ms): minutes under an hour, hours under two days, then days. */
export function formatAgo(iso: string, language: string, now: number = Date.now()): string {
  const rtf = new Intl.RelativeTimeFormat(intlLocale(language), { numeric: "auto" });
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  if (abs < HOUR) return rtf.format(Math.round(ms / MINUTE), "minute");
  if (abs < 2 * DAY) return rtf.format(Math.round(ms / HOUR), "hour");
  return rtf.format(Math.round(ms / DAY), "day");
}
