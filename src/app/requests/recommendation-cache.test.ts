import { describe, expect, it } from "vitest";
import { RecommendationCache } from "./recommendation-cache.js";

describe("recommendation cache", () => {
  it("parses a stored text once, and again when the text changes", () => {
    const cache = new RecommendationCache();
    const a = cache.parse("rec_1", '{"outcome":"full"}');
    expect(a).toEqual({ outcome: "full" });
    expect(cache.parse("rec_1", '{"outcome":"full"}')).toBe(a);
    const b = cache.parse("rec_1", '{"outcome":"none"}');
    expect(b).toEqual({ outcome: "none" });
    expect(b).not.toBe(a);
  });

  it("empties itself when full", () => {
    const cache = new RecommendationCache(2);
    cache.parse("rec_1", "1");
    cache.parse("rec_2", "2");
    expect(cache.size).toBe(2);
    cache.parse("rec_3", "3");
    expect(cache.size).toBe(1);
  });
});
