import { describe, expect, it } from "vitest";
import {
  baseCase,
  defaultPolicy,
  edit,
  lines,
  m,
  pay,
  run,
  runInvalid,
  subscriptionCase,
  type CaseJ,
} from "../../../test/support/cases.js";
import {
  compareInstants,
  exactInstant,
  formatExactInstant,
  isAfter,
  msOf,
  nsOf,
  parseExactInstant,
  parseInstant,
  plusSpan,
  spanNanos,
  type ExactInstant,
} from "../calendar/instant.js";
import { prorate } from "../money/money.js";
import { isWhiteSpace, notBlank, WHITE_SPACE } from "../text/white-space.js";
import { evaluateFacts } from "./evaluate.js";
import { parseCase } from "./parse-case.js";
import type { CaseFacts } from "./types.js";

// The amendments of 2026-12-06 to policy-decisions.md, point by point: mixed charges, rounding
// once per currency, exact instants, Unicode white space and the ruled gaps.

const hex = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;

describe("white space is Unicode's White_Space property", () => {
  // PropList.txt, White_Space: 25 code points.
  const UNICODE_WHITE_SPACE = [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
    0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  ];
  // Characters JavaScript's trim() or \s treat differently, and the information separators.
  const NOT_WHITE_SPACE = [0xfeff, 0x1c, 0x1d, 0x1e, 0x1f, 0x180e, 0x200b, 0x00, 0x41];

  it("lists exactly the 25 characters of the property", () => {
    expect([...WHITE_SPACE].sort((a, b) => a - b)).toEqual(UNICODE_WHITE_SPACE);
  });

  it("isWhiteSpace agrees with the list on every code unit", () => {
    const disagree: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isWhiteSpace(c) !== WHITE_SPACE.has(c)) disagree.push(c);
    expect(disagree.map(hex)).toEqual([]);
  });

  it.each(UNICODE_WHITE_SPACE.map((c) => [hex(c), c]))(
    "%s alone is blank: the request is incomplete",
    (_name, c) => {
      const ch = String.fromCharCode(c);
      expect(notBlank(ch)).toBe(false);
      expect(notBlank(`${ch}${ch} ${ch}`)).toBe(false);
      const d = run(edit(baseCase(), (x) => void (x.request.description = ch)));
      expect(d.outcome).toBe("incomplete");
      expect(d.clauses).toEqual(["procedure.request"]);
      const id = run(edit(baseCase(), (x) => void (x.order.id = ` ${ch}`)));
      expect(id.outcome).toBe("incomplete");
    },
  );

  it.each(NOT_WHITE_SPACE.map((c) => [hex(c), c]))(
    "%s is not white space: the request is complete",
    (_name, c) => {
      const ch = String.fromCharCode(c);
      expect(notBlank(ch)).toBe(true);
      expect(notBlank(` ${ch}\u0085`)).toBe(true);
      const d = run(edit(baseCase(), (x) => void (x.request.description = ch)));
      expect(d.outcome).toBe("refund");
    },
  );

  it("U+FEFF and U+0085 are where trim() disagrees with the spec", () => {
    expect("\ufeff".trim()).toBe("");
    expect(notBlank("\ufeff")).toBe(true);
    expect("\u0085".trim()).toBe("\u0085");
    expect(notBlank("\u0085")).toBe(false);
  });

  it("a payment id or chargeRef of white space only is invalid input; U+FEFF is an id", () => {
    expect(
      runInvalid(edit(baseCase(), (x) => void (x.payments[0]!.id = "\u0085\u3000"))).path,
    ).toBe("payments[0].id");
    expect(
      runInvalid(edit(baseCase(), (x) => void (x.payments[0]!.chargeRef = "\u2028"))).path,
    ).toBe("payments[0].chargeRef");
    expect(run(edit(baseCase(), (x) => void (x.payments[0]!.id = "\ufeff"))).outcome).toBe(
      "refund",
    );
  });
});

describe("instants keep every fractional digit", () => {
  it.each<[string, string, { ms: number; ns: number }]>([
    ["whole seconds", "2026-02-09T10:00:00Z", { ms: Date.UTC(2026, 1, 9, 10), ns: 0 }],
    ["milliseconds", "2026-02-09T10:00:00.123Z", { ms: Date.UTC(2026, 1, 9, 10) + 123, ns: 0 }],
    ["one microsecond", "2026-02-09T10:00:00.000001Z", { ms: Date.UTC(2026, 1, 9, 10), ns: 1000 }],
    ["one nanosecond", "2026-02-09T10:00:00.000000001Z", { ms: Date.UTC(2026, 1, 9, 10), ns: 1 }],
    [
      "nine digits",
      "2026-02-09T10:00:00.987654321Z",
      { ms: Date.UTC(2026, 1, 9, 10) + 987, ns: 654_321 },
    ],
    [
      "an offset",
      "2026-02-09T17:00:00.5000001+07:00",
      { ms: Date.UTC(2026, 1, 9, 10) + 500, ns: 100 },
    ],
    ["before 1970", "1969-12-31T23:59:59.9999999Z", { ms: -1, ns: 999_900 }],
  ])("%s: %s", (_name, text, want) => {
    const t = parseExactInstant(text);
    expect(t === null ? null : { ms: msOf(t), ns: nsOf(t) }).toEqual(want);
    expect(parseInstant(text)).toBe(want.ms);
    const exact = exactInstant(want.ms, want.ns);
    expect(parseExactInstant(formatExactInstant(exact))).toEqual(exact);
  });

  it("a whole millisecond is its epoch milliseconds; a finer instant is { ms, ns }", () => {
    expect(parseExactInstant("2026-02-09T10:00:00.123Z")).toBe(Date.UTC(2026, 1, 9, 10) + 123);
    expect(parseExactInstant("2026-02-09T10:00:00.1230Z")).toBe(Date.UTC(2026, 1, 9, 10) + 123);
    expect(parseExactInstant("2026-02-09T10:00:00.0000001Z")).toEqual({
      ms: Date.UTC(2026, 1, 9, 10),
      ns: 100,
    });
    expect(exactInstant(5, 0)).toBe(5);
  });

  it("either form compares, measures and moves alike (an object with ns 0 too)", () => {
    const ms = Date.UTC(2026, 1, 9, 10);
    const forms: [string, ExactInstant][] = [
      ["number", ms],
      ["object with ns 0", { ms, ns: 0 }],
    ];
    for (const [form, t] of forms) {
      const finer = exactInstant(ms, 1);
      expect(compareInstants(t, ms), form).toBe(0);
      expect(isAfter(finer, t), form).toBe(true);
      expect(isAfter(t, finer), form).toBe(false);
      expect(spanNanos(t, finer), form).toBe(1n);
      expect(spanNanos(t, ms + 2), form).toBe(2_000_000n);
      // Moving by a span that ends on a whole millisecond gives the number form back.
      expect(plusSpan(finer, finer, ms + 3), form).toBe(ms + 3);
      expect(plusSpan(t, ms, exactInstant(ms + 1, 999_999)), form).toEqual(
        exactInstant(ms + 1, 999_999),
      );
      expect(plusSpan(exactInstant(ms, 600_000), t, exactInstant(ms, 500_000)), form).toEqual(
        exactInstant(ms + 1, 100_000),
      );
    }
  });

  it("refuses ten fractional digits and an empty fraction", () => {
    expect(parseExactInstant("2026-02-09T10:00:00.0000000001Z")).toBeNull();
    expect(parseExactInstant("2026-02-09T10:00:00.Z")).toBeNull();
  });

  it("compares to the nanosecond", () => {
    const a = parseExactInstant("2026-02-09T10:00:00Z")!;
    const b = parseExactInstant("2026-02-09T10:00:00.000000001Z")!;
    expect(compareInstants(a, b)).toBeLessThan(0);
    expect(compareInstants(b, a)).toBeGreaterThan(0);
    expect(compareInstants(b, parseExactInstant("2026-02-09T17:00:00.000000001+07:00")!)).toBe(0);
  });

  // The base order promises a start by 2026-02-09T10:00:00Z. Started at the deadline: on time
  // (deny, not substantiated, with nothing else late). A microsecond or a nanosecond later: late.
  const startedAt = (at: string, asOf = "2026-02-16T09:30:00Z") =>
    edit(baseCase(), (c) => {
      c.order.startedAt = at;
      c.order.promisedDeliveryBy = "2026-03-23T10:00:00Z";
      c.asOf = asOf;
    });
  it.each<[string, string, string]>([
    ["exactly at the deadline", "2026-02-09T10:00:00Z", "deny"],
    ["at the deadline, written with nine zeros", "2026-02-09T10:00:00.000000000Z", "deny"],
    ["1 µs after the deadline", "2026-02-09T10:00:00.000001Z", "review"],
    ["1 ns after the deadline", "2026-02-09T10:00:00.000000001Z", "review"],
    ["1 µs after, in another offset", "2026-02-09T17:00:00.000001+07:00", "review"],
    ["999.999999 ms before", "2026-02-09T09:59:59.000000001Z", "deny"],
  ])("a start %s", (_name, at, outcome) => {
    const d = run(startedAt(at));
    expect(d.outcome).toBe(outcome);
    expect(d.clauses[0]).toBe("eligible.not-delivered");
  });

  it("an event that ends a microsecond before `from` is invalid; at `from` it is not", () => {
    const withEvent = (to: string) =>
      edit(baseCase(), (c) => {
        c.events = [
          { kind: "client_blocker", from: "2026-02-03T00:00:00.000002Z", to, note: null },
        ];
      });
    expect(runInvalid(withEvent("2026-02-03T00:00:00.000001Z")).path).toBe("events[0].to");
    expect(run(withEvent("2026-02-03T00:00:00.000002Z")).outcome).toBe("refund");
  });
});

describe("pro-rated shares are rounded once per currency, by largest remainder", () => {
  it.each<[string, bigint[], bigint, bigint, bigint[]]>([
    ["three 1s, half: total round(1.5) = 2, ties to the first", [1n, 1n, 1n], 1n, 2n, [1n, 1n, 0n]],
    ["two 1s, half: total round(1.0) = 1, the tie to the first", [1n, 1n], 1n, 2n, [1n, 0n]],
    ["the largest cut fraction wins over the first", [1n, 3n], 1n, 4n, [0n, 1n]],
    ["equal cuts: the lower index, in order", [5n, 5n, 5n, 5n], 1n, 3n, [2n, 2n, 2n, 1n]],
    ["whole shares are exact", [100n, 250n], 7n, 7n, [100n, 250n]],
    ["nothing unused", [100n, 250n], 0n, 7n, [0n, 0n]],
    ["a lone amount is its own rounded share", [5n], 1n, 2n, [3n]],
    ["50.00 twice, 18/28", [5000n, 5000n], 18n, 28n, [3215n, 3214n]],
    ["18 decimals", [10n ** 18n + 1n], 1n, 2n, [5n * 10n ** 17n + 1n]],
    [
      "zeros (another currency's places) get nothing",
      [1n, 0n, 1n, 0n, 1n],
      1n,
      2n,
      [1n, 0n, 1n, 0n, 0n],
    ],
  ])("%s", (_name, amounts, num, den, want) => {
    const got = prorate(amounts, num, den);
    expect(got).toEqual(want);
    const total = (amounts.reduce((a, b) => a + b, 0n) * num * 2n + den) / (2n * den);
    expect(got.reduce((a, b) => a + b, 0n)).toBe(total);
    got.forEach((x, i) => expect(x <= (amounts[i] as bigint)).toBe(true));
  });

  it("case 14: three 1 JPY payments, half the period unused: 1 + 1 JPY, amount 2", () => {
    const c = edit(
      subscriptionCase("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z", m("3", "JPY")),
      (x) => {
        x.request.submittedAt = "2026-03-01T08:00:00Z";
        x.payments = [
          pay("PAY-21", m("1", "JPY"), "2026-03-01T00:05:00Z", "card", "SUB-1/P"),
          pay("PAY-22", m("1", "JPY"), "2026-03-01T00:06:00Z", "bank_transfer", "SUB-1/P"),
          pay("PAY-23", m("1", "JPY"), "2026-03-01T00:07:00Z", "other", "SUB-1/P"),
        ];
      },
    );
    const d = run(c);
    expect(d.amount).toEqual({ amount: "2", currency: "JPY" });
    expect(lines(d)).toEqual(["PAY-21|card|1 JPY", "PAY-22|bank_transfer|1 JPY"]);
  });

  it("ties go to the payment captured first, whatever the order they are listed in", () => {
    const c = edit(
      subscriptionCase("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z", m("2", "JPY")),
      (x) => {
        x.request.submittedAt = "2026-03-01T08:00:00Z";
        x.payments = [
          pay("LATER", m("1", "JPY"), "2026-03-01T00:06:00.000001Z", "card", "SUB-1/P"),
          pay("FIRST", m("1", "JPY"), "2026-03-01T00:06:00Z", "card", "SUB-1/P"),
        ];
      },
    );
    expect(lines(run(c))).toEqual(["FIRST|card|1 JPY"]);
  });

  it("every share rounding to zero denies under notes.prorated", () => {
    const c = edit(
      subscriptionCase("2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z", m("1", "JPY")),
      (x) => {
        x.request.submittedAt = "2026-03-28T08:00:00Z"; // 2 of 30 days unused: 1 * 2/30 rounds to 0
      },
    );
    const d = run(c);
    expect(d.outcome).toBe("deny");
    expect(d.clauses).toEqual(["notes.prorated"]);
  });
});

describe("mixed charges: a payment in another currency covers the rest", () => {
  const mixed = (payments: CaseJ["payments"], change: (c: CaseJ) => void = () => {}) =>
    edit(baseCase(), (c) => {
      c.payments = payments;
      change(c);
    });
  const BTC = (id: string, at: string) => pay(id, m("0.04210000", "BTC"), at, "crypto", "ORD-1");

  it("case 13: 1,800.00 by card, then BTC: lines 1,800.00 and 3,000.00 USD", () => {
    const d = run(
      mixed([
        pay("PAY-1", m("1800.00"), "2026-02-02T10:01:00Z"),
        BTC("PAY-2", "2026-02-02T10:30:00Z"),
      ]),
    );
    expect(lines(d)).toEqual(["PAY-1|card|1800.00 USD", "PAY-2|crypto|3000.00 USD"]);
    expect(d.amount).toEqual({ amount: "4800.00", currency: "USD" });
  });

  it("the rest is counted from the card payments captured before the coins, not after", () => {
    // BTC first covers the whole price; the card payment after it is extra (rule 2's business)
    const d = run(
      mixed([
        pay("PAY-1", m("1800.00"), "2026-02-02T11:00:00Z"),
        BTC("PAY-2", "2026-02-02T10:30:00Z"),
      ]),
    );
    expect(lines(d)).toEqual(["PAY-2|crypto|4800.00 USD"]);
  });

  it("same-coins returns the coins themselves", () => {
    const d = run(
      mixed(
        [pay("PAY-1", m("1800.00"), "2026-02-02T10:01:00Z"), BTC("PAY-2", "2026-02-02T10:30:00Z")],
        (c) => {
          c.policy = { cryptoRefundValuation: "same-coins" };
        },
      ),
    );
    expect(lines(d)).toEqual(["PAY-1|card|1800.00 USD", "PAY-2|crypto|0.04210000 BTC"]);
    expect(d.amount).toEqual({ amount: "4800.00", currency: "USD" });
  });
});

describe("the ruled gaps", () => {
  it("asOf null is the submission", () => {
    const withNull = run({ ...baseCase(), asOf: null });
    const absent = run(baseCase());
    expect(withNull).toEqual(absent);
  });

  it.each([["0.00"], ["-1.00"], ["-0.01"]])("a payment of %s is invalid input", (amount) => {
    const e = runInvalid(edit(baseCase(), (c) => void (c.payments[0]!.amount = m(amount))));
    expect(e.path).toBe("payments[0].amount.amount");
  });

  it("a one-off charge is the payments whose chargeRef is the order id", () => {
    const d = run(
      edit(baseCase(), (c) => {
        c.payments.push(pay("PAY-X", m("100.00"), "2026-02-03T00:00:00Z", "card", "OTHER"));
      }),
    );
    expect(lines(d)).toEqual(["PAY-1|card|4800.00 USD"]);
    const none = run(edit(baseCase(), (c) => void (c.payments[0]!.chargeRef = "OTHER")));
    expect(none.outcome).toBe("review");
    expect(none.clauses).toEqual(["eligible.not-delivered"]);
  });

  it("nothing paid for the period: review under notes.prorated", () => {
    const c = edit(subscriptionCase("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"), (x) => {
      x.request.submittedAt = "2026-03-10T00:00:00Z";
      x.payments[0]!.chargeRef = "SUB-1/OLD";
    });
    const d = run(c);
    expect(d.outcome).toBe("review");
    expect(d.clauses).toEqual(["notes.prorated"]);
  });

  it("unusedDays never above periodDays: a request before the period gets the whole period", () => {
    const c = edit(subscriptionCase("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"), (x) => {
      x.request.submittedAt = "2026-02-10T00:00:00Z";
    });
    const d = run(c);
    expect(d.amount).toEqual({ amount: "100.00", currency: "USD" });
    expect(lines(d)).toEqual(["PAY-1|card|100.00 USD"]);
  });
});

describe("typed facts", () => {
  it("evaluateFacts refuses facts that break the format, with the fact's path", () => {
    const parsed = parseCase(baseCase(), defaultPolicy);
    if (!parsed.ok) throw new Error(parsed.error.path);
    const facts: CaseFacts = {
      ...parsed.value,
      payments: [{ ...parsed.value.payments[0]!, amount: { minor: 0n, currency: "USD" } }],
    };
    const r = evaluateFacts(facts, defaultPolicy);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.path).toBe("payments[0].amount.amount");
    const unknown = evaluateFacts(
      { ...parsed.value, order: { ...parsed.value.order, price: { minor: 1n, currency: "XYZ" } } },
      defaultPolicy,
    );
    expect(unknown.ok ? null : unknown.error.path).toBe("order.price.currency");
  });
});
