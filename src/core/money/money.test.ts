import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currencyExponent, isCrypto, knownCurrencies } from "./currencies.js";
import {
  bigintOf,
  formatMinor,
  formatMoney,
  moneyToJson,
  mulDivHalfUp,
  parseMoney,
  scale,
  sumMinor,
} from "./money.js";

const ok = (amount: unknown, currency: unknown): bigint => {
  const r = parseMoney(amount, currency);
  if (!r.ok) throw new Error(`${r.field}: ${r.message}`);
  return r.value.minor;
};

describe("currencies", () => {
  it.each([
    ["USD", 2],
    ["EUR", 2],
    ["THB", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["ISK", 0],
    ["KWD", 3],
    ["BHD", 3],
    ["CLF", 4],
    ["BTC", 8],
    ["ETH", 18],
    ["USDT", 6],
    ["USDC", 6],
  ])("%s has %i decimals", (code, exp) => {
    expect(currencyExponent(code)).toBe(exp);
  });

  it.each(["XYZ", "usd", "", "XAU", "BTC "])("%j is unknown", (code) => {
    expect(currencyExponent(code)).toBeUndefined();
  });

  it.each([
    ["BTC", true],
    ["ETH", true],
    ["USDT", true],
    ["USDC", true],
    ["USD", false],
    ["JPY", false],
    ["toString", false],
  ])("isCrypto(%s) is %s", (code, crypto) => {
    expect(isCrypto(code)).toBe(crypto);
  });

  it("lists every known code once, sorted", () => {
    const all = knownCurrencies();
    expect(all).toEqual([...new Set(all)].sort());
    expect(all).toEqual(expect.arrayContaining(["USD", "JPY", "KWD", "BTC", "ETH", "USDT"]));
  });
});

describe("parseMoney", () => {
  it.each([
    ["4800.00", "USD", 480000n],
    ["4800", "USD", 480000n],
    ["4800.5", "USD", 480050n],
    ["0.01", "USD", 1n],
    ["0", "USD", 0n],
    ["-12.34", "USD", -1234n],
    ["1500", "JPY", 1500n],
    ["1.234", "KWD", 1234n],
    ["0.05123456", "BTC", 5123456n],
    ["1.5", "USDT", 1500000n],
    ["1", "ETH", 10n ** 18n],
    ["0.000000000000000001", "ETH", 1n],
    ["1.000000000000000001", "ETH", 10n ** 18n + 1n],
    ["123456789012345678.123456789012345678", "ETH", 123456789012345678123456789012345678n],
  ])("%s %s is %s minor units", (amount, currency, minor) => {
    expect(ok(amount, currency)).toBe(minor);
  });

  it.each([
    ["4800.001", "USD", "amount", /decimals.*USD/],
    ["1.5", "JPY", "amount", /decimals.*JPY/],
    ["1.2345", "KWD", "amount", /decimals.*KWD/],
    ["0.123456789", "BTC", "amount", /decimals.*BTC/],
    ["0.0000000000000000001", "ETH", "amount", /decimals.*ETH/],
    [4800, "USD", "amount", /not a JSON number/],
    [4800.5, "USD", "amount", /not a JSON number/],
    [null, "USD", "amount", /decimal string/],
    ["1e3", "USD", "amount", /not a decimal amount/],
    ["+1.00", "USD", "amount", /not a decimal amount/],
    [" 1.00", "USD", "amount", /not a decimal amount/],
    ["01.00", "USD", "amount", /not a decimal amount/],
    ["1.", "USD", "amount", /not a decimal amount/],
    [".5", "USD", "amount", /not a decimal amount/],
    ["1,00", "USD", "amount", /not a decimal amount/],
    ["", "USD", "amount", /not a decimal amount/],
    ["NaN", "USD", "amount", /not a decimal amount/],
    ["1.00", "XYZ", "currency", /unknown currency "XYZ"/],
    ["1.00", "usd", "currency", /unknown currency/],
    ["1.00", 840, "currency", /currency code string/],
    [1, "XYZ", "currency", /unknown currency/],
  ])("%j %j is refused (%s)", (amount, currency, field, message) => {
    const r = parseMoney(amount, currency);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.field).toBe(field);
    expect(r.message).toMatch(message);
  });
});

describe("bigintOf", () => {
  it.each([
    0,
    -0,
    1,
    -1,
    2 ** 30 - 1,
    2 ** 30,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    -(2 ** 31) - 1,
    2 ** 32,
    1e15,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ])("%d is BigInt(%d)", (n) => {
    expect(bigintOf(n)).toBe(BigInt(n));
  });

  it("agrees with BigInt on every safe integer (property)", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(bigintOf(n)).toBe(BigInt(n));
      }),
    );
  });

  it("throws as BigInt does on a number that is not an integer", () => {
    expect(() => bigintOf(1.5)).toThrow(RangeError);
    expect(() => bigintOf(Number.NaN)).toThrow(RangeError);
  });
});

describe("formatMinor", () => {
  it.each([
    [480000n, "USD", "4800.00"],
    [1n, "USD", "0.01"],
    [0n, "USD", "0.00"],
    [-1n, "USD", "-0.01"],
    [-123456n, "USD", "-1234.56"],
    [1500n, "JPY", "1500"],
    [-7n, "JPY", "-7"],
    [1234n, "KWD", "1.234"],
    [5n, "KWD", "0.005"],
    [5123456n, "BTC", "0.05123456"],
    [1n, "ETH", "0.000000000000000001"],
    [10n ** 18n + 1n, "ETH", "1.000000000000000001"],
    [123456789012345678123456789012345678n, "ETH", "123456789012345678.123456789012345678"],
  ])("%s %s is %s", (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });

  it("formats Money for JSON and for people", () => {
    const eth = { minor: 10n ** 18n + 1n, currency: "ETH" };
    expect(moneyToJson(eth)).toEqual({ amount: "1.000000000000000001", currency: "ETH" });
    expect(formatMoney({ minor: 480000n, currency: "USD" })).toBe("4800.00 USD");
  });

  it("sums and scales exactly", () => {
    expect(sumMinor([])).toBe(0n);
    expect(
      sumMinor([
        { minor: 10n ** 18n, currency: "ETH" },
        { minor: 10n ** 18n + 1n, currency: "ETH" },
      ]),
    ).toBe(2n * 10n ** 18n + 1n);
    expect(scale(0)).toBe(1n);
    expect(scale(18)).toBe(10n ** 18n);
    expect(scale(24)).toBe(10n ** 24n);
  });
});

describe("mulDivHalfUp", () => {
  it.each([
    // exact
    [10n, 1n, 2n, 5n],
    [0n, 7n, 3n, 0n],
    // below and above a half
    [14n, 1n, 10n, 1n], // 1.4
    [16n, 1n, 10n, 2n], // 1.6
    [-14n, 1n, 10n, -1n],
    [-16n, 1n, 10n, -2n],
    // exact ties, both signs: away from zero
    [5n, 1n, 2n, 3n], // 2.5
    [15n, 1n, 10n, 2n], // 1.5
    [25n, 1n, 10n, 3n], // 2.5
    [1n, 1n, 2n, 1n], // 0.5
    [-5n, 1n, 2n, -3n], // -2.5
    [-15n, 1n, 10n, -2n], // -1.5
    [-1n, 1n, 2n, -1n], // -0.5
    [5n, -1n, 2n, -3n], // negative ratio
    [5n, 1n, -2n, -3n], // negative denominator
    [-5n, 1n, -2n, 3n],
    // pro-rating ties: 10.01 USD for 14 of 28 days; 1.000000000000000001 ETH the same
    [1001n, 14n, 28n, 501n],
    [10n ** 18n + 1n, 14n, 28n, 5n * 10n ** 17n + 1n],
    // just off a tie
    [1001n, 13n, 26n, 501n],
    [1000n, 19n, 29n, 655n], // 655.17
    [10000n, 19n, 29n, 6552n], // 6551.72
    [10000n, 18n, 28n, 6429n], // 6428.57
  ])("%s * %s / %s = %s", (value, num, den, want) => {
    expect(mulDivHalfUp(value, num, den)).toBe(want);
  });

  it("refuses a zero denominator", () => {
    expect(() => mulDivHalfUp(1n, 1n, 0n)).toThrow(RangeError);
  });

  it("is the nearest integer, ties away from zero (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
        fc.bigInt({ min: -1000n, max: 1000n }),
        fc.bigInt({ min: -1000n, max: 1000n }).filter((d) => d !== 0n),
        (value, num, den) => {
          const r = mulDivHalfUp(value, num, den);
          const exact = value * num; // the true result is exact / den
          const abs = (x: bigint): bigint => (x < 0n ? -x : x);
          const err2 = abs(2n * (exact - r * den)); // 2 * |exact - r*den|
          const d = abs(den);
          expect(err2 <= d).toBe(true);
          if (err2 === d) {
            // a tie: r lies away from zero
            expect(abs(r * den) > abs(exact)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

// One currency per exponent the product deals in.
const BY_EXPONENT: readonly (readonly [string, number])[] = [
  ["JPY", 0],
  ["USD", 2],
  ["KWD", 3],
  ["CLF", 4],
  ["USDT", 6],
  ["BTC", 8],
  ["ETH", 18],
];

describe("parse/format round trips (property)", () => {
  it.each(BY_EXPONENT)("parse(formatMinor(n)) === n in %s (exponent %i)", (currency) => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
        expect(ok(formatMinor(n, currency), currency)).toBe(n);
      }),
      { numRuns: 200 },
    );
  });

  const digit = fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  const nonZeroDigit = fc.constantFrom("1", "2", "3", "4", "5", "6", "7", "8", "9");

  it.each(BY_EXPONENT)("formatMinor(parse(s)) === s for canonical %s strings", (currency, exp) => {
    const intPart = fc.oneof(
      fc.constant("0"),
      fc
        .tuple(nonZeroDigit, fc.array(digit, { maxLength: 20 }))
        .map(([a, rest]) => a + rest.join("")),
    );
    const canonical = fc
      .tuple(fc.boolean(), intPart, fc.array(digit, { minLength: exp, maxLength: exp }))
      .map(([neg, i, frac]) => {
        const body = exp === 0 ? i : `${i}.${frac.join("")}`;
        const zero = /^[0.]+$/.test(body);
        return (neg && !zero ? "-" : "") + body;
      });
    fc.assert(
      fc.property(canonical, (s) => {
        expect(formatMinor(ok(s, currency), currency)).toBe(s);
      }),
      { numRuns: 200 },
    );
  });

  it.each(BY_EXPONENT)("a shorter fraction pads; a longer one is refused (%s)", (currency, exp) => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat({ max: 3 }), (n, extra) => {
        const text = formatMinor(n, currency);
        // one more decimal than allowed is always refused
        const longer =
          exp === 0 ? `${text}.${"0".repeat(extra + 1)}` : text + "0".repeat(extra + 1);
        expect(parseMoney(longer, currency).ok).toBe(false);
        // trailing zeros dropped still parse to the same amount
        if (exp > 0) {
          const trimmed = text.replace(/0+$/, "").replace(/\.$/, "");
          expect(ok(trimmed, currency)).toBe(n);
        }
      }),
      { numRuns: 100 },
    );
  });
});
