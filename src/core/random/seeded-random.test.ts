import { describe, expect, it } from "vitest";
import { seededRandom } from "./seeded-random.js";

describe("seededRandom", () => {
  it("repeats its sequence for a seed, and differs between seeds", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    const c = seededRandom(43);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
  });

  it("is mulberry32: the known first outputs of seed 1, all in [0, 1)", () => {
    const r = seededRandom(1);
    const xs = Array.from({ length: 1000 }, () => r());
    // mulberry32(1) starts 0.6270739405881613 (the reference implementation's first value).
    expect(xs[0]).toBeCloseTo(0.6270739405881613, 15);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
