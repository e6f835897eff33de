// The period picker's arithmetic: the quick periods ending today (in the policy's zone), as
// `YYYY-MM-DD` calendar days (never Date objects, which carry the browser's zone).

/** `day` moved by whole days (calendar arithmetic in UTC, so no zone shifts it). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** `day` moved by whole months, clamped to the month's last day (31 May - 3 months = 28/29 Feb). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

export type Preset = "last4Weeks" | "last3Months" | "last12Months" | "thisYear";
export const PRESETS: readonly Preset[] = ["last4Weeks", "last3Months", "last12Months", "thisYear"];

/** A quick period ending today: both days included. */
export function presetPeriod(preset: Preset, today: string): { from: string; to: string } {
  switch (preset) {
    case "last4Weeks":
      return { from: addDays(today, -27), to: today };
    case "last3Months":
      return { from: addDays(addMonths(today, -3), 1), to: today };
    case "last12Months":
      return { from: addDays(addMonths(today, -12), 1), to: today };
    case "thisYear":
      return { from: `${today.slice(0, 4)}-01-01`, to: today };
  }
}

/** A search parameter that is a real calendar day, or undefined. */
export function validDay(value: unknown): string | undefined {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value ? value : undefined;
}

/** The reports page's tabs, one per question (in the URL as `?view=`). */
export const REPORT_VIEWS = [
  "volume",
  "decisions",
  "money",
  "deadlines",
  "speed",
  "duplicates",
] as const;
export type ReportView = (typeof REPORT_VIEWS)[number];
