// Money is stored as TEXT integer minor units plus a TEXT currency: an 18-decimal ETH amount
// overflows a 64-bit integer column, and TEXT is stored the same way by SQLite and PostgreSQL.

import type { Money } from "../core/money/money.js";

/** Money as two columns. */
export interface DbMoney {
  readonly minor: string;
  readonly currency: string;
}

const MINOR = /^-?(0|[1-9][0-9]*)$/;
const CURRENCY = /^[A-Z0-9]{2,12}$/;

/** Minor units as stored. */
export function toDbMinor(minor: bigint): string {
  return minor.toString();
}

/** Stored minor units back to bigint; anything but a canonical integer throws. */
export function fromDbMinor(text: string): bigint {
  if (!MINOR.test(text) || text === "-0") throw new RangeError(`not minor units: "${text}"`);
  return BigInt(text);
}

/** Money as its two columns. */
export function toDbMoney(m: Money): DbMoney {
  return { minor: toDbMinor(m.minor), currency: m.currency };
}

/** Two columns back to Money. */
export function fromDbMoney(row: DbMoney): Money {
  if (!CURRENCY.test(row.currency)) throw new RangeError(`not a currency code: "${row.currency}"`);
  return { minor: fromDbMinor(row.minor), currency: row.currency };
}

/** Nullable money columns (both null or both set) back to Money or null. */
export function fromDbMoneyOrNull(minor: string | null, currency: string | null): Money | null {
  if (minor === null && currency === null) return null;
  if (minor === null || currency === null) {
    throw new RangeError("money columns must be both null or both set");
  }
  return fromDbMoney({ minor, currency });
}
