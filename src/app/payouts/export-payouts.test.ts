import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { csvField, csvLine } from "./export-payouts.js";

describe("CSV export fields", () => {
  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    [" padded ", '" padded "'],
    // Formula injection: a spreadsheet must read these as text.
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
  ])("%j -> %s", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it("numbers and null; lines read back by an RFC 4180 reader", () => {
    expect(csvField(2)).toBe("2");
    expect(csvField(null)).toBe("");
    const line = csvLine(["=cmd", "Acme, Inc.", "4800.00", null]);
    const parsed: string[][] = parse(line);
    expect(parsed[0]).toEqual(["'=cmd", "Acme, Inc.", "4800.00", ""]);
  });
});
