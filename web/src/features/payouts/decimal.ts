// Exact decimal arithmetic for a crypto refund of a fiat price: the coins a rate buys, computed on
// integers (BigInt), never on binary floats. Rounded half up to the asset's smallest unit.

/** Decimals of the crypto assets the desk pays out (as the server's currency table). */
export const CRYPTO_DECIMALS: Readonly<Record<string, number>> = {
  BTC: 8,
  ETH: 18,
  USDT: 6,
  USDC: 6,
};

interface Decimal {
  /** All digits as one integer. */
  units: bigint;
  /** How many of them are decimals. */
  scale: number;
}

/** A plain positive-or-zero decimal string ("4800.00", "0.5"), or null when it is not one. */
export function parseDecimal(text: string): Decimal | null {
  const m = /^(0|[1-9][0-9]{0,17})(?:\.([0-9]{1,18}))?$/.exec(text.trim());
  if (m === null) return null;
  const fraction = m[2] ?? "";
  return { units: BigInt(`${m[1] ?? "0"}${fraction}`), scale: fraction.length };
}

/** `units / 10^decimals` as a decimal string with exactly `decimals` decimals. */
export function formatUnits(units: bigint, decimals: number): string {
  const digits = units.toString().padStart(decimals + 1, "0");
  if (decimals === 0) return digits;
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/**
 * The coins a fiat amount buys at a rate (fiat per coin), rounded half up to `decimals`; null when
 * the rate is not a positive decimal or the amount not a decimal.
 */
export function coinsFor(amount: string, rate: string, decimals: number): string | null {
  const a = parseDecimal(amount);
  const r = parseDecimal(rate);
  if (a === null || r === null || r.units === 0n) return null;
  // coins * 10^d = (A / 10^a) / (R / 10^r) * 10^d = A * 10^(r + d) / (R * 10^a)
  const numerator = a.units * 10n ** BigInt(r.scale + decimals);
  const denominator = r.units * 10n ** BigInt(a.scale);
  const units = (2n * numerator + denominator) / (2n * denominator);
  return formatUnits(units, decimals);
}
