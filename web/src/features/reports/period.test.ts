import { describe, expect, it } from "vitest";
import { addDays, addMonths, presetPeriod, validDay } from "./period";
import { currenciesOf, sumDecimals } from "./summaries";

describe("the quick periods", () => {
  it("end today and include both ends", () => {
    expect(presetPeriod("last4Weeks", "2026-12-06")).toEqual({
      from: "2026-11-09",
      to: "2026-12-06",
    });
    expect(presetPeriod("last3Months", "2026-12-06")).toEqual({
      from: "2026-09-07",
      to: "2026-12-06",
    });
    expect(presetPeriod("last12Months", "2026-12-06")).toEqual({
      from: "2025-12-07",
      to: "2026-12-06",
    });
    expect(presetPeriod("thisYear", "2026-12-06")).toEqual({
      from: "2026-01-01",
      to: "2026-12-06",
    });
  });

  it("count months on the calendar, the end of a short month clamped", () => {
    expect(addMonths("2026-05-31", -3)).toBe("2026-02-28");
    expect(addMonths("2028-05-31", -3)).toBe("2028-02-29");
    expect(addMonths("2026-01-15", -1)).toBe("2025-12-15");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });

  it("take only real calendar days from the URL", () => {
    expect(validDay("2026-02-28")).toBe("2026-02-28");
    expect(validDay("2026-02-30")).toBeUndefined();
    expect(validDay("yesterday")).toBeUndefined();
    expect(validDay(20260228)).toBeUndefined();
  });
});

describe("summaries' money", () => {
  it("adds decimal strings exactly, whatever their decimals", () => {
    expect(sumDecimals(["0.10", "0.20"])).toBe("0.30");
    expect(sumDecimals(["12.000000000000000001", "0.5"])).toBe("12.500000000000000001");
    expect(sumDecimals(["4800", "1"])).toBe("4801");
    expect(sumDecimals([])).toBe("0");
    expect(currenciesOf([{ currency: "USD" }, { currency: "ETH" }, { currency: "USD" }])).toEqual([
      "USD",
      "ETH",
    ]);
  });
});
