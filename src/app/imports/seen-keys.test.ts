import { describe, expect, it } from "vitest";
import { SeenKeys } from "./seen-keys.js";

async function* rowsOf(keys: readonly (string | undefined)[]) {
  for (const [i, key] of keys.entries()) yield { key, line: i + 2 };
  await Promise.resolve();
}

describe("SeenKeys", () => {
  it("finds the rows that repeat an earlier row's key, with their lines", async () => {
    const keys = ["A", "B", "A", "C", "B", "A"];
    const seen = new SeenKeys();
    keys.forEach((k, i) => seen.add(k, i + 2));
    expect(seen.hasSuspects).toBe(true);
    expect(await seen.confirm(rowsOf(keys))).toEqual([
      { key: "A", line: 4 },
      { key: "A", line: 7 },
      { key: "B", line: 6 },
    ]);
  });

  it("has no suspect when every key differs (large filter)", () => {
    const seen = new SeenKeys();
    for (let i = 0; i < 100_000; i++) seen.add(`ORD-${String(i).padStart(8, "0")}`, i + 2);
    expect(seen.hasSuspects).toBe(false);
  });

  it("drops the filter's false alarms when it checks them against the file", async () => {
    // Eight bits: nearly every key after the first few is a (false) suspect.
    const keys = Array.from({ length: 50 }, (_, i) => `K${i}`);
    const seen = new SeenKeys(8);
    keys.forEach((k, i) => seen.add(k, i + 2));
    expect(seen.hasSuspects).toBe(true);
    expect(await seen.confirm(rowsOf([...keys]))).toEqual([]);
    // A key that is really repeated among them is still found, skipped keys are not counted.
    const again = new SeenKeys(8);
    const withRepeat = [...keys, undefined, "K7"];
    withRepeat.forEach((k, i) => {
      if (k !== undefined) again.add(k, i + 2);
    });
    expect(await again.confirm(rowsOf(withRepeat))).toEqual([{ key: "K7", line: 53 }]);
  });
});
