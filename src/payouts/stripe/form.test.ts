import { describe, expect, it } from "vitest";
import { canonicalForm, FormError, parseStripeForm } from "./form.js";

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe("parseStripeForm", () => {
  it.each([
    ["amount=100&charge=ch_1", { amount: "100", charge: "ch_1" }],
    [
      "metadata[payout_id]=p%201&metadata[note]=a+b",
      { metadata: { payout_id: "p 1", note: "a b" } },
    ],
    ["metadata%5Bpayout_id%5D=x", { metadata: { payout_id: "x" } }],
    ["expand[0]=charge&expand[1]=payment_intent", { expand: ["charge", "payment_intent"] }],
    ["expand[]=charge&expand[]=balance_transaction", { expand: ["charge", "balance_transaction"] }],
    ["a[b][c]=1&a[b][d]=2", { a: { b: { c: "1", d: "2" } } }],
    ["items[0][price]=p&items[0][qty]=2", { items: [{ price: "p", qty: "2" }] }],
    ["", {}],
  ])("%s", (body, expected) => {
    expect(plain(parseStripeForm(body))).toEqual(expected);
  });

  it.each([
    "a=1&a[b]=2",
    "a[b]=2&a=1",
    "a=1&a=2",
    "a[b=1",
    "[x]=1",
    "a[x]=1&a[0]=2",
    "a[0]=1&a[x]=2",
  ])("refuses %s", (body) => {
    expect(() => parseStripeForm(body)).toThrow(FormError);
  });

  it("does not touch Object.prototype", () => {
    const parsed = parseStripeForm("__proto__[polluted]=1&constructor[prototype][x]=1");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.keys(parsed).sort()).toEqual(["__proto__", "constructor"]);
  });
});

describe("canonicalForm", () => {
  it("ignores the order of keys and keeps the order of lists", () => {
    const a = parseStripeForm("amount=1&metadata[b]=2&metadata[a]=1&expand[]=x&expand[]=y");
    const b = parseStripeForm("metadata[a]=1&expand[]=x&metadata[b]=2&amount=1&expand[]=y");
    const c = parseStripeForm("metadata[a]=1&expand[]=y&metadata[b]=2&amount=1&expand[]=x");
    expect(canonicalForm(a)).toBe(canonicalForm(b));
    expect(canonicalForm(a)).not.toBe(canonicalForm(c));
    expect(canonicalForm(parseStripeForm("amount=1"))).not.toBe(
      canonicalForm(parseStripeForm("amount=2")),
    );
  });
});
