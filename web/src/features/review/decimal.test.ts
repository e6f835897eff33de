import { describe, expect, it } from "vitest";
import { canonicalDecimal, isDecimal, sameDecimal } from "./decimal";

describe("decimal amounts as text", () => {
  it("accepts plain decimals only", () => {
    expect(["4800", "4800.00", "0.00000001", " 12.5 "].map(isDecimal)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["", "-1", "1e3", "1,000.00", "12.", ".5", "NaN"].map(isDecimal)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("compares amounts whatever their trailing zeros, without a float", () => {
    expect(canonicalDecimal("04800.50")).toBe("4800.5");
    expect(canonicalDecimal("0.00")).toBe("0");
    expect(sameDecimal("4800", "4800.00")).toBe(true);
    expect(sameDecimal("0.1", "0.10000000000000001")).toBe(false);
    expect(sameDecimal("x", "x")).toBe(false);
  });
});
