import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./audit.js";
import { newId } from "./ids.js";
import { fromDbMinor, fromDbMoney, fromDbMoneyOrNull, toDbMoney } from "./money.js";
import { fromDbInstant, toDbInstant } from "./time.js";

describe("instants", () => {
  it("are ISO UTC with milliseconds and round-trip", () => {
    const ms = Date.parse("2026-02-16T09:30:00.5+01:00");
    expect(toDbInstant(ms)).toBe("2026-02-16T08:30:00.500Z");
    expect(fromDbInstant(toDbInstant(ms))).toBe(ms);
    expect(toDbInstant(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    // Every instant toDbInstant can write comes back: the ends of its range and a leap day.
    for (const text of [
      "0000-01-01T00:00:00.000Z",
      "9999-12-31T23:59:59.999Z",
      "2024-02-29T23:59:59.999Z",
      "1969-12-31T23:59:59.999Z",
    ]) {
      expect(toDbInstant(fromDbInstant(text)), text).toBe(text);
      expect(fromDbInstant(text), text).toBe(Date.parse(text));
    }
  });

  it("refuse what would not sort as text, and any other form on the way back", () => {
    expect(() => toDbInstant(Date.parse("+010000-01-01T00:00:00Z"))).toThrow(RangeError);
    expect(() => toDbInstant(Number.NaN)).toThrow(RangeError);
    for (const bad of [
      "2026-02-16T08:30:00Z",
      "2026-02-16 08:30:00.000Z",
      "2026-02-30T00:00:00.000Z",
      "2026-04-31T00:00:00.000Z",
      "2025-02-29T00:00:00.000Z",
      "2026-02-16T24:00:00.000Z",
      "2026-02-16T08:60:00.000Z",
      "2026-02-16T08:30:60.000Z",
      "2026-13-01T00:00:00.000Z",
    ]) {
      expect(() => fromDbInstant(bad), bad).toThrow(RangeError);
    }
  });
});

describe("money columns", () => {
  it("keep 18-decimal amounts exact", () => {
    const wei = { minor: 123456789012345678901234567n, currency: "ETH" };
    expect(toDbMoney(wei)).toEqual({ minor: "123456789012345678901234567", currency: "ETH" });
    expect(fromDbMoney(toDbMoney(wei))).toEqual(wei);
    expect(fromDbMinor("-42")).toBe(-42n);
  });

  it("refuse anything but canonical integers and currency codes", () => {
    for (const bad of ["", "1.5", "01", "-0", "1e3", " 1", "+1"]) {
      expect(() => fromDbMinor(bad), bad).toThrow(RangeError);
    }
    expect(() => fromDbMoney({ minor: "1", currency: "usd" })).toThrow(RangeError);
    expect(fromDbMoneyOrNull(null, null)).toBeNull();
    expect(() => fromDbMoneyOrNull("1", null)).toThrow(RangeError);
  });
});

describe("canonicalJson", () => {
  it("sorts keys recursively and drops whitespace", () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: "x\n", c: { y: true, x: -0.5 } })).toBe(
      '{"a":"x\\n","b":[3,{"a":null,"z":1}],"c":{"x":-0.5,"y":true}}',
    );
  });

  it("is the same text for the same value, whatever the key order", () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(
      canonicalJson({ b: { d: 3, c: 2 }, a: 1 }),
    );
  });

  it("refuses values JSON cannot hold exactly", () => {
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n } as never)).toThrow(TypeError);
    // Also where the keys are in order already (the path that hands the value to JSON.stringify).
    expect(() => canonicalJson({ a: 1, b: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: [1, undefined] } as never)).toThrow(TypeError);
    expect(() => canonicalJson({ a: () => 1 } as never)).toThrow(TypeError);
    expect(() => canonicalJson([Symbol("s")] as never)).toThrow(TypeError);
  });

  it("leaves out undefined values and ignores prototypes and toJSON, in or out of order", () => {
    expect(canonicalJson({ a: undefined, b: 1 } as never)).toBe('{"b":1}');
    expect(canonicalJson({ b: 1, a: undefined } as never)).toBe('{"b":1}');
    // A Date is an object without own keys to canonicalJson (JSON.stringify would call toJSON).
    expect(canonicalJson({ at: new Date(0) } as never)).toBe('{"at":{}}');
    // Integer-like keys come first in property order but sort as strings.
    expect(canonicalJson({ 2: "b", 10: "a" })).toBe('{"10":"a","2":"b"}');
    const inherited = Object.create({ z: 1 }) as Record<string, number>;
    inherited["a"] = 1;
    expect(canonicalJson(inherited)).toBe('{"a":1}');
  });

  it("is the text of a reference serializer that sorts every object's keys (property)", () => {
    const reference = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(reference).join(",")}]`;
      if (typeof v === "object" && v !== null) {
        const entries = Object.entries(v).filter(([, x]) => x !== undefined);
        entries.sort(([a], [b]) => (a < b ? -1 : 1));
        return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${reference(x)}`).join(",")}}`;
      }
      return JSON.stringify(v);
    };
    const sortedCopy = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sortedCopy);
      if (typeof v !== "object" || v === null) return v;
      // fromEntries defines each key as an own property, "__proto__" included.
      const keys = Object.keys(v).sort();
      return Object.fromEntries(
        keys.map((k) => [k, sortedCopy((v as Record<string, unknown>)[k])]),
      );
    };
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = reference(v);
        expect(canonicalJson(v as never)).toBe(text);
        expect(canonicalJson(sortedCopy(v) as never)).toBe(text);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("newId", () => {
  it("is the prefix and a random UUID", () => {
    expect(newId("req")).toMatch(
      /^req_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(newId("po")).not.toBe(newId("po"));
    expect(() => newId("Bad prefix")).toThrow(RangeError);
  });
});
