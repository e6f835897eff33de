import { describe, expect, it } from "vitest";
import {
  baseCase,
  defaultPolicy,
  edit,
  m,
  pay,
  runInvalid,
  subscriptionCase,
  type CaseJ,
} from "../../../test/support/cases.js";
import { parseCase } from "./parse-case.js";

// Invalid input is refused with the JSON path of the offending field, by parseCase and by
// evaluateRefund alike. `Loose` lets a row put any JSON value where the types would not allow it.

type Loose = Record<string, unknown> & {
  order: Record<string, unknown> & {
    service: Record<string, unknown>;
    price: Record<string, unknown>;
    subscription: Record<string, unknown> | null;
  };
  payments: (Record<string, unknown> & { amount: Record<string, unknown> })[];
  events: Record<string, unknown>[];
  request: Record<string, unknown>;
};

const bad = (change: (c: Loose) => void, from: CaseJ = baseCase()): unknown =>
  edit(from as unknown as Loose, change);

const withEvent = (c: Loose) => {
  c.events = [{ kind: "client_blocker", from: "2026-02-03T00:00:00Z", to: null, note: "VPN" }];
};
const withTwoPayments = (c: Loose) => {
  c.payments.push(
    pay("PAY-2", m("1.00"), "2026-02-03T00:00:00Z") as unknown as Loose["payments"][0],
  );
};
const sub = () => subscriptionCase("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z");

const ROWS: [name: string, input: unknown, path: string, message?: RegExp][] = [
  // money
  [
    "unknown currency",
    bad((c) => void (c.order.price.currency = "XYZ")),
    "order.price.currency",
    /XYZ/,
  ],
  [
    "currency not a string",
    bad((c) => void (c.order.price.currency = 840)),
    "order.price.currency",
  ],
  [
    "too many decimals for USD",
    bad((c) => void (c.payments[0]!.amount.amount = "4800.001")),
    "payments[0].amount.amount",
    /decimals/,
  ],
  [
    "too many decimals for JPY",
    bad((c) => void (c.order.price = { amount: "1.5", currency: "JPY" })),
    "order.price.amount",
  ],
  [
    "too many decimals for ETH (19)",
    bad((c) => void (c.payments[0]!.amount = { amount: "0.0000000000000000001", currency: "ETH" })),
    "payments[0].amount.amount",
  ],
  [
    "an amount given as a JSON number",
    bad((c) => void (c.payments[0]!.amount.amount = 4800)),
    "payments[0].amount.amount",
    /number/,
  ],
  [
    "price amount as a number",
    bad((c) => void (c.order.price.amount = 4800.5)),
    "order.price.amount",
  ],
  [
    "an amount in exponent notation",
    bad((c) => void (c.order.price.amount = "4.8e3")),
    "order.price.amount",
  ],
  ["a negative price", bad((c) => void (c.order.price.amount = "-1.00")), "order.price.amount"],
  [
    "a zero payment",
    bad((c) => void (c.payments[0]!.amount.amount = "0.00")),
    "payments[0].amount.amount",
  ],
  [
    "a missing amount",
    bad((c) => void delete c.order.price.amount),
    "order.price.amount",
    /required/,
  ],
  ["a missing currency", bad((c) => void delete c.order.price.currency), "order.price.currency"],
  ["money as a string", bad((c) => void (c.order.price = "4800.00 USD" as never)), "order.price"],
  [
    "a missing price",
    bad((c) => void delete (c.order as Record<string, unknown>).price),
    "order.price",
  ],
  // instants
  [
    "a timestamp without an offset",
    bad((c) => void (c.order.placedAt = "2026-02-02T10:00:00")),
    "order.placedAt",
    /offset/,
  ],
  [
    "not a date (02-30)",
    bad((c) => void (c.order.placedAt = "2026-02-30T00:00:00Z")),
    "order.placedAt",
  ],
  [
    "not a leap year",
    bad((c) => void (c.order.placedAt = "2026-02-29T00:00:00Z")),
    "order.placedAt",
  ],
  ["a date only", bad((c) => void (c.request.submittedAt = "2026-02-16")), "request.submittedAt"],
  [
    "a timestamp as a number",
    bad((c) => void (c.request.submittedAt = 1771234200000)),
    "request.submittedAt",
  ],
  ["a bad startedAt", bad((c) => void (c.order.startedAt = "soon")), "order.startedAt"],
  [
    "a bad deliveredAt",
    bad((c) => void (c.order.deliveredAt = "2026-13-01T00:00:00Z")),
    "order.deliveredAt",
  ],
  [
    "a bad promisedStartBy",
    bad((c) => void (c.order.promisedStartBy = "")),
    "order.promisedStartBy",
  ],
  [
    "a bad promisedDeliveryBy",
    bad((c) => void (c.order.promisedDeliveryBy = 0)),
    "order.promisedDeliveryBy",
  ],
  [
    "a bad capturedAt",
    bad((c) => void (c.payments[0]!.capturedAt = "2026-02-02T10:05:00+0700")),
    "payments[0].capturedAt",
  ],
  ["a bad asOf", bad((c) => void (c.asOf = "2026-02-16T09:30:00")), "asOf"],
  [
    "a missing placedAt",
    bad((c) => void delete (c.order as Record<string, unknown>).placedAt),
    "order.placedAt",
    /required/,
  ],
  // enumerations
  [
    "an unknown reason",
    bad((c) => void (c.request.reason = "refund_please")),
    "request.reason",
    /refund_please/,
  ],
  ["a missing reason", bad((c) => void delete c.request.reason), "request.reason", /required/],
  ["an unknown method", bad((c) => void (c.payments[0]!.method = "paypal")), "payments[0].method"],
  [
    "an unknown method on the second payment",
    bad((c) => {
      withTwoPayments(c);
      c.payments[1]!.method = "cash";
    }),
    "payments[1].method",
  ],
  [
    "an unknown event kind",
    bad((c) => {
      withEvent(c);
      c.events[0]!.kind = "act_of_god";
    }),
    "events[0].kind",
  ],
  [
    "an unknown category",
    bad((c) => void (c.order.service.category = "hosting")),
    "order.service.category",
  ],
  [
    "an unknown billing",
    bad((c) => void (c.order.service.billing = "monthly")),
    "order.service.billing",
  ],
  // the policy block
  [
    "an unknown time zone",
    bad((c) => void (c.policy = { timezone: "Mars/Olympus" })),
    "policy.timezone",
    /Mars/,
  ],
  ["an empty time zone", bad((c) => void (c.policy = { timezone: "" })), "policy.timezone"],
  [
    "an unknown policy parameter",
    bad((c) => void (c.policy = { foo: 1 })),
    "policy.foo",
    /unknown/,
  ],
  ["policy not an object", bad((c) => void (c.policy = [])), "policy"],
  [
    "a bad window",
    bad((c) => void (c.policy = { requestWindowDays: "7" })),
    "policy.requestWindowDays",
  ],
  [
    "a negative window",
    bad((c) => void (c.policy = { requestWindowDays: -1 })),
    "policy.requestWindowDays",
  ],
  [
    "a fractional window",
    bad((c) => void (c.policy = { requestWindowDays: 1.5 })),
    "policy.requestWindowDays",
  ],
  [
    "payout days reversed",
    bad((c) => void (c.policy = { payoutBusinessDays: [14, 7] })),
    "policy.payoutBusinessDays[1]",
  ],
  [
    "payout days not a pair",
    bad((c) => void (c.policy = { payoutBusinessDays: [7] })),
    "policy.payoutBusinessDays",
  ],
  [
    "payout days not numbers",
    bad((c) => void (c.policy = { payoutBusinessDays: ["7", 14] })),
    "policy.payoutBusinessDays[0]",
  ],
  [
    "a holiday that is not a date",
    bad((c) => void (c.policy = { holidays: ["2026-02-30"] })),
    "policy.holidays[0]",
  ],
  [
    "a second holiday not a string",
    bad((c) => void (c.policy = { holidays: ["2026-02-17", 20260218] })),
    "policy.holidays[1]",
  ],
  [
    "an unknown holiday country",
    bad((c) => void (c.policy = { holidayCountry: "ZZ" })),
    "policy.holidayCountry",
  ],
  [
    "an unknown holiday region",
    bad((c) => void (c.policy = { holidayCountry: "US-ZZ" })),
    "policy.holidayCountry",
  ],
  [
    "an unknown valuation",
    bad((c) => void (c.policy = { cryptoRefundValuation: "spot" })),
    "policy.cryptoRefundValuation",
  ],
  [
    "an unknown auto-approved reason",
    bad((c) => void (c.policy = { autoApprove: ["x"] })),
    "policy.autoApprove[0]",
  ],
  // missing parts
  [
    "a missing request",
    bad((c) => void delete (c as Record<string, unknown>).request),
    "request",
    /required/,
  ],
  [
    "a missing order",
    bad((c) => void delete (c as Record<string, unknown>).order),
    "order",
    /required/,
  ],
  ["request not an object", bad((c) => void (c.request = "please" as never)), "request"],
  ["order null", bad((c) => void (c.order = null as never)), "order"],
  ["a missing order id", bad((c) => void delete c.order.id), "order.id", /required/],
  ["an order id not a string", bad((c) => void (c.order.id = 1042)), "order.id"],
  [
    "a missing description",
    bad((c) => void delete c.request.description),
    "request.description",
    /required/,
  ],
  [
    "a missing service",
    bad((c) => void delete (c.order as Record<string, unknown>).service),
    "order.service",
  ],
  ["a missing service name", bad((c) => void delete c.order.service.name), "order.service.name"],
  ["a blank payment id", bad((c) => void (c.payments[0]!.id = " ")), "payments[0].id"],
  ["a blank chargeRef", bad((c) => void (c.payments[0]!.chargeRef = "")), "payments[0].chargeRef"],
  [
    "a duplicate payment id",
    bad((c) => {
      withTwoPayments(c);
      c.payments[1]!.id = "PAY-1";
    }),
    "payments[1].id",
    /duplicate/,
  ],
  ["payments not an array", bad((c) => void (c.payments = {} as never)), "payments"],
  ["a payment not an object", bad((c) => void (c.payments = [null] as never)), "payments[0]"],
  ["events not an array", bad((c) => void (c.events = "none" as never)), "events"],
  [
    "an event ending before it starts",
    bad((c) => {
      withEvent(c);
      c.events[0]!.to = "2026-02-02T00:00:00Z";
    }),
    "events[0].to",
  ],
  [
    "an event without from",
    bad((c) => {
      withEvent(c);
      delete c.events[0]!.from;
    }),
    "events[0].from",
  ],
  ["attachments negative", bad((c) => void (c.request.attachments = -1)), "request.attachments"],
  [
    "attachments as a string",
    bad((c) => void (c.request.attachments = "1")),
    "request.attachments",
  ],
  // subscriptions
  [
    "a subscription on a one-off order",
    bad(
      (c) =>
        void (c.order.subscription = {
          periodStart: "2026-02-01T00:00:00Z",
          periodEnd: "2026-03-01T00:00:00Z",
          chargeRef: "X",
        }),
    ),
    "order.subscription",
  ],
  [
    "a subscription order without its period",
    bad((c) => void (c.order.subscription = null), sub()),
    "order.subscription",
  ],
  [
    "a period ending before it starts",
    bad((c) => void (c.order.subscription!.periodEnd = "2026-01-01T00:00:00Z"), sub()),
    "order.subscription.periodEnd",
  ],
  [
    "a bad period start",
    bad((c) => void (c.order.subscription!.periodStart = "2026-02-01"), sub()),
    "order.subscription.periodStart",
  ],
  [
    "a blank period chargeRef",
    bad((c) => void (c.order.subscription!.chargeRef = ""), sub()),
    "order.subscription.chargeRef",
  ],
  // unknown fields at each level
  ["an unknown top-level field", bad((c) => void (c.expect = {})), "expect", /unknown field/],
  [
    "an unknown order field",
    bad((c) => void (c.order.total = "1")),
    "order.total",
    /unknown field/,
  ],
  [
    "an unknown field with an odd name",
    bad((c) => void (c.order["my-field"] = 1)),
    'order["my-field"]',
  ],
  [
    "an unknown service field",
    bad((c) => void (c.order.service.tier = "gold")),
    "order.service.tier",
  ],
  ["an unknown price field", bad((c) => void (c.order.price.fx = "1.0")), "order.price.fx"],
  [
    "an unknown payment field",
    bad((c) => void (c.payments[0]!.status = "captured")),
    "payments[0].status",
  ],
  [
    "an unknown payment amount field",
    bad((c) => void (c.payments[0]!.amount.rate = "1")),
    "payments[0].amount.rate",
  ],
  [
    "an unknown event field",
    bad((c) => {
      withEvent(c);
      c.events[0]!.severity = "high";
    }),
    "events[0].severity",
  ],
  ["an unknown request field", bad((c) => void (c.request.orderId = "ORD-1")), "request.orderId"],
  [
    "an unknown subscription field",
    bad((c) => void (c.order.subscription!.interval = "month"), sub()),
    "order.subscription.interval",
  ],
  // not an object at all
  ["an array", [], "(root)"],
  ["null", null, "(root)"],
  ["a string", "case", "(root)"],
];

describe("invalid input names the JSON path", () => {
  it.each(ROWS)("%s -> %s", (_name, input, path, message) => {
    const err = runInvalid(input);
    expect(err.path).toBe(path);
    expect(err.message.length).toBeGreaterThan(0);
    if (message !== undefined) expect(err.message).toMatch(message);
    const parsed = parseCase(input, defaultPolicy);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toEqual(err);
  });
});

describe("valid input", () => {
  it.each<[string, unknown]>([
    ["the base case", baseCase()],
    [
      "without payments and events",
      bad(
        (c) =>
          void (
            delete (c as Record<string, unknown>).payments,
            delete (c as Record<string, unknown>).events
          ),
      ),
    ],
    ["without attachments", bad((c) => void delete c.request.attachments)],
    [
      "without the optional order dates",
      bad((c) => {
        for (const k of [
          "promisedStartBy",
          "promisedDeliveryBy",
          "startedAt",
          "deliveredAt",
          "subscription",
          "clientId",
        ])
          delete c.order[k];
      }),
    ],
    [
      "an empty order id (an incomplete request, not invalid input)",
      bad((c) => void (c.order.id = "")),
    ],
    ["an empty description", bad((c) => void (c.request.description = ""))],
    ["offsets on every instant", bad((c) => void (c.order.placedAt = "2026-02-02T17:00:00+07:00"))],
    ["fractional seconds", bad((c) => void (c.request.submittedAt = "2026-02-16T09:30:00.123Z"))],
    ["an empty policy block", bad((c) => void (c.policy = {}))],
    ["a null holiday country", bad((c) => void (c.policy = { holidayCountry: null }))],
    ["a subscription", sub()],
    [
      "an event with a null note",
      bad(
        (c) =>
          void (c.events = [
            {
              kind: "internal_fault",
              from: "2026-02-03T00:00:00Z",
              to: "2026-02-03T00:00:00Z",
              note: null,
            },
          ]),
      ),
    ],
    [
      "18-decimal ETH",
      bad(
        (c) => void (c.payments[0]!.amount = { amount: "1.000000000000000001", currency: "ETH" }),
      ),
    ],
    ["a KWD price", bad((c) => void (c.order.price = { amount: "1.234", currency: "KWD" }))],
  ])("%s", (_name, input) => {
    const r = parseCase(input, defaultPolicy);
    if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`);
    expect(r.ok).toBe(true);
  });

  it("converts to exact values and applies the case's overrides", () => {
    const input = bad((c) => {
      c.policy = { timezone: "Asia/Bangkok", payoutBusinessDays: [1, 2] };
      c.payments[0]!.amount = { amount: "1.000000000000000001", currency: "ETH" };
    });
    const r = parseCase(input, defaultPolicy);
    if (!r.ok) throw new Error(r.error.path);
    const c = r.value;
    expect(c.order.price).toEqual({ minor: 480000n, currency: "USD" });
    expect(c.payments[0]?.amount).toEqual({ minor: 10n ** 18n + 1n, currency: "ETH" });
    expect(c.order.placedAt).toBe(Date.UTC(2026, 1, 2, 10)); // a whole millisecond: a number
    expect(c.asOf).toBe(c.request.submittedAt); // asOf defaults to the submission
    expect(c.params.timezone).toBe("Asia/Bangkok");
    expect(c.params.payoutBusinessDays).toEqual([1, 2]);
    expect(c.params.requestWindowDays).toBe(defaultPolicy.params.requestWindowDays);
    expect(c.request.attachments).toBe(1);
    expect(c.order.clientId).toBe("CL-1");
  });
});
