import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  baseCase,
  defaultPolicy,
  edit,
  m,
  pay,
  subscriptionCase,
} from "../../../test/support/cases.js";
import { evaluateRefund } from "./evaluate.js";
import { decisionToJson, serializeDecision } from "./serialize.js";

// serializeDecision writes JSON by hand for speed; it must equal the plain object serialised.
describe("serializeDecision", () => {
  const cases = [
    baseCase(),
    edit(baseCase(), (c) => {
      c.payments = [
        pay('PAY-"1"\\n', m("4800.00"), "2026-02-02T10:01:00Z"),
        pay("PAY-2", m("4800.00"), "2026-02-02T10:02:00Z"),
      ];
      c.request.reason = "duplicate_payment";
    }),
    edit(baseCase(), (c) => {
      c.order.deliveredAt = "2026-02-20T17:00:00.123Z";
      c.request.reason = "mismatch";
    }),
    subscriptionCase(
      "2026-03-01T00:00:00Z",
      "2026-04-01T00:00:00Z",
      m("0.123456789012345678", "ETH"),
    ),
  ];
  it.each(cases.map((c, i) => [i, c] as const))("case %i matches JSON.stringify", (_i, c) => {
    const r = evaluateRefund(c, defaultPolicy);
    if (!r.ok) throw new Error(r.error.message);
    expect(serializeDecision(r.value)).toBe(JSON.stringify(decisionToJson(r.value)));
  });

  it("escapes any policy version and payment id", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (version, id) => {
        const c = edit(baseCase(), (c) => {
          c.payments = [
            pay(id.trim() === "" ? "x" + id : id, m("4800.00"), "2026-02-02T10:01:00Z"),
          ];
        });
        const r = evaluateRefund(c, { ...defaultPolicy, version });
        if (!r.ok) throw new Error(r.error.message);
        const text = serializeDecision(r.value);
        expect(text).toBe(JSON.stringify(decisionToJson(r.value)));
        expect(JSON.parse(text).policyVersion).toBe(version);
      }),
    );
  });
});
