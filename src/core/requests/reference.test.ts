import { describe, expect, it } from "vitest";
import { parseShortRef, shortRef } from "./reference.js";

describe("shortRef", () => {
  it("is REQ- and the first 8 hex digits after the type prefix, upper-cased", () => {
    expect(shortRef("req_0b0e7c1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e")).toBe("REQ-0B0E7C1E");
    expect(shortRef("req_0b0e-7c1e-2f3a")).toBe("REQ-0B0E7C1E");
    expect(shortRef("req_abc")).toBe("REQ-ABC");
    expect(shortRef("0B0E7C1E99")).toBe("REQ-0B0E7C1E");
  });

  it("falls back to the id's first 8 characters when it has no hex digit", () => {
    expect(shortRef("req_zzzz")).toBe("REQ-REQ_ZZZZ");
    expect(shortRef("xyz")).toBe("REQ-XYZ");
  });

  it("round-trips through parseShortRef", () => {
    const ref = shortRef("req_deadbeef-0000");
    expect(parseShortRef(ref)).toBe("deadbeef");
    expect(parseShortRef(" req-DEADBEEF ")).toBe("deadbeef");
    expect(parseShortRef("REQ-XYZ")).toBeNull();
  });
});
