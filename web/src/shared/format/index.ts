// Money, dates and numbers for people: Intl in the reader's locale, dates in the policy's time zone.
// Thai readers get Buddhist-era years (the th-TH locale's own calendar). Never formatted by hand.

export interface MoneyValue {
  /** Decimal string in the currency's units, e.g. "4800.00" (never a binary float). */
  amount: string;
  currency: string;
}

/** The Intl locale for an app language. */
export function intlLocale(language: string): string {
  return language.startsWith("th") ? "th-TH" : "en-GB";
}

const ISO_4217 = /^[A-Z]{3}$/;

/**
 * An amount with its currency. Intl formats the decimal string itself (no float round trip);
 * crypto assets keep every decimal the API sent, followed by their symbol.
 */
export function formatMoney(value: MoneyValue, language: string): string {
  const locale = intlLocale(language);
  const decimals = value.amount.split(".")[1]?.length ?? 0;
  // `format` takes a decimal string exactly (Intl.NumberFormat v3); the cast is for older lib types.
  const amount = value.amount as unknown as number;
  if (ISO_4217.test(value.currency) && value.currency !== "BTC" && value.currency !== "ETH") {
    try {
      // At least the currency's own minor digits ("4800" USD reads 4,800.00), more if sent.
      const own =
        new Intl.NumberFormat(locale, {
          style: "currency",
          currency: value.currency,
        }).resolvedOptions().maximumFractionDigits ?? 2;
      return new Intl.NumberFormat(locale, {
        style: "currency",
        currency: value.currency,
        minimumFractionDigits: Math.max(decimals, own),
        maximumFractionDigits: Math.max(decimals, own),
      }).format(amount);
    } catch {
      // An unknown code: fall through to number + code.
    }
  }
  const number = new Intl.NumberFormat(locale, {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(amount);
  return `${number} ${value.currency}`;
}

/** A deadline or a day: "Wed 11 Mar 2026" (Thai: Buddhist-era year) in the policy's zone. */
export function formatDate(iso: string, language: string, timeZone: string | null): string {
  return new Intl.DateTimeFormat(intlLocale(language), {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    ...(timeZone === null ? {} : { timeZone }),
  }).format(dayOrInstant(iso));
}

/** An instant with its time and the zone's short name, in the policy's zone. */
export function formatDateTime(iso: string, language: string, timeZone: string | null): string {
  return new Intl.DateTimeFormat(intlLocale(language), {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
    ...(timeZone === null ? {} : { timeZone }),
  }).format(dayOrInstant(iso));
}

/** A YYYY-MM-DD day is noon UTC (the same calendar day in every zone); else the instant. */
function dayOrInstant(iso: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00Z`) : new Date(iso);
}

/** A zone's name for a sentence, e.g. "Asia/Bangkok" -> "Bangkok". */
export function zoneLabel(timeZone: string): string {
  return (timeZone.split("/").pop() ?? timeZone).replace(/_/g, " ");
}

/**
 * The last calendar day (YYYY-MM-DD, in the policy's zone) on which a request about a delivered
 * service is still within the window: the delivery's day plus `windowDays`. Shown for information
 * only; the server decides whether a request is in time.
 */
export function lastDayToAsk(deliveredAt: string, windowDays: number, timeZone: string): string {
  const day = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(deliveredAt));
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + windowDays);
  return date.toISOString().slice(0, 10);
}

/** Today's calendar day (YYYY-MM-DD) in a zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}
