import { describe, expect, it } from "vitest";
import { coinsFor, formatUnits, parseDecimal } from "./decimal";

describe("coins for a fiat price, exactly", () => {
  it.each([
    ["4800.00", "60000", 8, "0.08000000"],
    ["4800.00", "64123.45", 8, "0.07485561"],
    ["100", "3", 8, "33.33333333"],
    ["200", "3", 8, "66.66666667"], // half up at the last place
    ["0.10", "0.3", 6, "0.333333"],
    ["4800.00", "1", 6, "4800.000000"],
    ["1", "3", 18, "0.333333333333333333"],
    ["4800.00", "2456.789012345678901", 18, "1.953769727835555391"],
  ])("%s at %s per coin, %d decimals -> %s", (amount, rate, decimals, coins) => {
    expect(coinsFor(amount, rate, decimals)).toBe(coins);
  });

  it("is exact where floats are not", () => {
    // 0.3 / 0.1 in floats is 2.9999999999999996
    expect(coinsFor("0.3", "0.1", 8)).toBe("3.00000000");
  });

  it.each(["0", "0.00", "", "abc", "-1", "1e3", "1,5", " 1 2"])("refuses the rate %j", (rate) => {
    expect(coinsFor("4800.00", rate, 8)).toBeNull();
  });

  it("parses and formats decimal strings", () => {
    expect(parseDecimal("0.05")).toEqual({ units: 5n, scale: 2 });
    expect(parseDecimal("12")).toEqual({ units: 12n, scale: 0 });
    expect(parseDecimal("01")).toBeNull();
    expect(formatUnits(5n, 8)).toBe("0.00000005");
    expect(formatUnits(123n, 0)).toBe("123");
  });
});
