import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auditHash, canonicalJson, type JsonValue } from "./audit.js";

// The hash as ADR 0007 and ADR 0028 define it, written out plainly: sha256 of the previous hash,
// a newline, and the canonical JSON of the whole entry (its summary as the value it holds).
function definedHash(content: { readonly [key: string]: JsonValue }, prev: string): string {
  return createHash("sha256")
    .update(`${prev}\n${canonicalJson(content)}`)
    .digest("hex");
}

const PREV = "ab".repeat(32);
const SUMMARIES: JsonValue[] = [
  { status: "approved", amount: "12.50", zeta: [1, { b: 2, a: null }], é: "x" },
  {},
  [],
  "text",
  42,
];

describe("auditHash", () => {
  for (const summary of SUMMARIES) {
    const text = canonicalJson(summary);
    const base = {
      seq: 7,
      at: "2026-12-06T10:00:00.000Z",
      actor: "system:import",
      action: "order.created",
      entity_type: "order",
      entity_id: 'ORD-"1"',
      summary: text,
      prev_hash: PREV,
    };

    it(`chain 1 is the defined hash (summary ${text})`, () => {
      const entry = { ...base, ip: "203.0.113.9" };
      const expected = definedHash({ ...entry, summary }, PREV);
      expect(auditHash(entry)).toBe(expected);
      expect(auditHash(entry, text)).toBe(expected);
    });

    it(`chain 2 is the defined hash (summary ${text})`, () => {
      const hashed = { ...base, chain: 2, personal_digest: "cd".repeat(32) };
      const entry = { ...hashed, ip: null };
      // Chain 2 hashes no address: it lives among the personal fields (ADR 0028).
      const expected = definedHash({ ...hashed, summary }, PREV);
      expect(auditHash(entry)).toBe(expected);
      expect(auditHash(entry, text)).toBe(expected);
    });
  }

  it("reads a stored summary that is not in canonical form as the value it holds", () => {
    const rest = {
      seq: 1,
      at: "2026-12-06T10:00:00.000Z",
      actor: "system",
      action: "x.y",
      entity_type: "x",
      entity_id: "1",
      ip: null,
      prev_hash: PREV,
    };
    const entry = { ...rest, summary: '{ "b": 1, "a": 2 }' };
    expect(auditHash(entry)).toBe(definedHash({ ...rest, summary: { a: 2, b: 1 } }, PREV));
  });
});
