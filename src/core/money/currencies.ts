// Minor-unit exponents. ISO 4217 (list one, active codes, with N.A. metals and testing codes left
// out) plus the crypto assets the product accepts. Kept explicit rather than read from Intl, whose
// CLDR digits differ from ISO 4217 for several currencies (IQD, ISK, ...).

const ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const THREE = "BHD IQD JOD KWD LYD OMR TND";
const FOUR = "CLF UYW";
const TWO =
  "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
  "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL " +
  "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR " +
  "LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD " +
  "PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC " +
  "SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG";

/** Crypto assets and the number of decimals they are counted in. */
export const CRYPTO_EXPONENTS: Readonly<Record<string, number>> = {
  BTC: 8,
  ETH: 18,
  USDT: 6,
  USDC: 6,
};

const table = new Map<string, number>();
for (const [codes, exp] of [
  [ZERO, 0],
  [TWO, 2],
  [THREE, 3],
  [FOUR, 4],
] as const) {
  for (const code of codes.split(" ")) table.set(code, exp);
}
for (const [code, exp] of Object.entries(CRYPTO_EXPONENTS)) table.set(code, exp);

/** The number of decimals of a currency or crypto asset, or undefined when it is unknown. */
export function currencyExponent(code: string): number | undefined {
  return table.get(code);
}

/** True for the crypto assets (not ISO 4217 currencies). */
export function isCrypto(code: string): boolean {
  return Object.hasOwn(CRYPTO_EXPONENTS, code);
}

/** Every known currency code, sorted. */
export function knownCurrencies(): string[] {
  return [...table.keys()].sort();
}
