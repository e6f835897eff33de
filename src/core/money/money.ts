import { currencyExponent } from "./currencies.js";

/** An exact amount: integer minor units of a currency (never a binary float). */
export interface Money {
  readonly minor: bigint;
  readonly currency: string;
}

/** Money as it crosses JSON: a decimal string and a currency code. */
export interface MoneyJson {
  readonly amount: string;
  readonly currency: string;
}

export type MoneyParse =
  | { readonly ok: true; readonly value: Money }
  | { readonly ok: false; readonly field: "amount" | "currency"; readonly message: string };

const POW10: bigint[] = [];
for (let i = 0; i <= 18; i++) POW10.push(10n ** BigInt(i));

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/**
 * `BigInt(n)` of a safe integer. V8 converts a small integer it holds as an int32 without leaving
 * JavaScript, and any other number (a double, even a whole one) through a runtime call that costs
 * about four times as much; `n | 0` is `n` as an int32 whenever `n` is one. Both branches give the
 * same value.
 */
export function bigintOf(n: number): bigint {
  return n === (n | 0) ? BigInt(n | 0) : BigInt(n);
}

/** Builds Money from minor units. */
export function money(minor: bigint, currency: string): Money {
  return { minor, currency };
}

/**
 * Parses a decimal string in a currency strictly: a JSON string only, digits with an optional
 * fraction of at most the currency's exponent, no exponent notation, no plus sign, no spaces.
 */
export function parseMoney(amount: unknown, currency: unknown): MoneyParse {
  if (typeof currency !== "string") {
    return { ok: false, field: "currency", message: "must be a currency code string" };
  }
  const exp = currencyExponent(currency);
  if (exp === undefined) {
    return { ok: false, field: "currency", message: `unknown currency "${currency}"` };
  }
  if (typeof amount !== "string") {
    return {
      ok: false,
      field: "amount",
      message:
        typeof amount === "number"
          ? 'must be a decimal string such as "12.50", not a JSON number'
          : 'must be a decimal string such as "12.50"',
    };
  }
  const minor = parseDecimal(amount, exp);
  if (typeof minor === "bigint") return { ok: true, value: { minor, currency } };
  return {
    ok: false,
    field: "amount",
    message:
      minor === TOO_PRECISE
        ? `"${amount}" has more decimals than ${currency} allows (${exp})`
        : `"${amount}" is not a decimal amount`,
  };
}

const NOT_DECIMAL = 0;
const TOO_PRECISE = 1;

/**
 * Minor units of a decimal string with at most `exp` decimals: `-?(0|[1-9][0-9]*)(.[0-9]+)?`.
 * Scanned by hand, once (this runs for every amount of every evaluated case): the digits are
 * accumulated in a double as they are checked, which is exact for short amounts (at most 15
 * digits with the scale, below 2^53) and converted once; long ones go through BigInt.
 */
export function parseDecimal(
  s: string,
  exp: number,
): bigint | typeof NOT_DECIMAL | typeof TOO_PRECISE {
  const len = s.length;
  let i = 0;
  const neg = len > 0 && s.charCodeAt(0) === 45;
  if (neg) i = 1;
  const intStart = i;
  let v = 0;
  while (i < len) {
    const c = s.charCodeAt(i) - 48;
    if (c >>> 0 > 9) break;
    v = v * 10 + c;
    i++;
  }
  const intLen = i - intStart;
  if (intLen === 0 || (intLen > 1 && s.charCodeAt(intStart) === 48)) return NOT_DECIMAL;
  let fracLen = 0;
  if (i < len) {
    if (s.charCodeAt(i) !== 46) return NOT_DECIMAL;
    i++;
    const fracStart = i;
    while (i < len) {
      const c = s.charCodeAt(i) - 48;
      if (c >>> 0 > 9) return NOT_DECIMAL;
      v = v * 10 + c;
      i++;
    }
    fracLen = i - fracStart;
    if (fracLen === 0) return NOT_DECIMAL;
    if (fracLen > exp) return TOO_PRECISE;
  }
  let minor: bigint;
  if (intLen + exp <= 15) {
    for (let k = fracLen; k < exp; k++) v *= 10;
    minor = bigintOf(v);
  } else {
    const digits =
      fracLen === 0
        ? s.slice(intStart) + "0".repeat(exp)
        : s.slice(intStart, intStart + intLen) +
          s.slice(intStart + intLen + 1) +
          "0".repeat(exp - fracLen);
    minor = BigInt(digits);
  }
  return neg ? -minor : minor;
}

/** Formats minor units as a decimal string with exactly the currency's decimals. */
export function formatMinor(minor: bigint, currency: string): string {
  const exp = currencyExponent(currency) ?? 0;
  const neg = minor < 0n;
  const abs = neg ? -minor : minor;
  if (exp === 0) return (neg ? "-" : "") + abs.toString();
  const s = abs.toString().padStart(exp + 1, "0");
  return (neg ? "-" : "") + s.slice(0, s.length - exp) + "." + s.slice(s.length - exp);
}

/** Money as JSON: `{ amount: "12.50", currency: "USD" }`. */
export function moneyToJson(m: Money): MoneyJson {
  return { amount: formatMinor(m.minor, m.currency), currency: m.currency };
}

/** Formats money for people: `4800.00 USD`. */
export function formatMoney(m: Money): string {
  return `${formatMinor(m.minor, m.currency)} ${m.currency}`;
}

/**
 * `value * num / den`, rounded once, half-up (ties away from zero), on exact integers.
 * The one rounding helper for ratios (pro-rating).
 */
export function mulDivHalfUp(value: bigint, num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError("mulDivHalfUp: division by zero");
  let n = value * num;
  let d = den;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (a * 2n + d) / (2n * d);
  return neg ? -q : q;
}

/**
 * The shares `amounts[i] * num / den` of amounts in one currency, rounded once for all of them:
 * their total is the exact sum rounded half-up, each share is first rounded down, and the units
 * left over go one each to the shares with the largest cut fractions (ties: the lower index, so
 * callers list amounts in the order that should win a tie). The shares never add up to more than
 * the rounded total, and none exceeds its amount when `num <= den`. An amount of zero has a share
 * of zero (its cut is zero, and the units left over are fewer than the amounts with a cut). All
 * values >= 0, `den` > 0.
 */
export function prorate(amounts: readonly bigint[], num: bigint, den: bigint): bigint[] {
  if (den <= 0n) throw new RangeError("prorate: the denominator must be positive");
  const shares = amounts.map((a) => (a * num) / den);
  const cuts = amounts.map((a) => (a * num) % den);
  let sum = 0n;
  let floors = 0n;
  for (let i = 0; i < amounts.length; i++) {
    sum += amounts[i] as bigint;
    floors += shares[i] as bigint;
  }
  // One unit at a time to the largest cut not yet served (the first of equal ones). The units left
  // are fewer than the shares, and a charge has a handful of payments.
  for (let left = mulDivHalfUp(sum, num, den) - floors; left > 0n; left--) {
    let largest = -1;
    for (let i = 0; i < cuts.length; i++) {
      if (
        (cuts[i] as bigint) > 0n &&
        (largest < 0 || (cuts[i] as bigint) > (cuts[largest] as bigint))
      ) {
        largest = i;
      }
    }
    shares[largest] = (shares[largest] as bigint) + 1n;
    cuts[largest] = 0n;
  }
  return shares;
}

/** Sum of amounts in one currency. */
export function sumMinor(values: readonly Money[]): bigint {
  let total = 0n;
  for (const v of values) total += v.minor;
  return total;
}

/** 10^exponent as bigint, for converting between units. */
export function scale(exponent: number): bigint {
  return pow10(exponent);
}
