import { describe, expect, it } from "vitest";
import type { components } from "../../shared/api/schema";
import { eventDuration, evidenceTimeline, isPositive, promisedVsActual } from "./evidence";

type Order = components["schemas"]["Order"];

const ORDER: Order = {
  id: "ORD-1",
  clientId: "cl_1",
  service: { name: "Pen test", category: "audit", billing: "one_off" },
  price: { amount: "4800.00", currency: "USD" },
  placedAt: "2026-03-01T09:00:00.000Z",
  promisedStartBy: "2026-03-06T09:00:00.000Z",
  promisedDeliveryBy: "2026-03-20T09:00:00.000Z",
  startedAt: "2026-03-15T10:00:00Z",
  deliveredAt: null,
  subscription: null,
  version: 0,
  createdAt: "2026-03-01T09:00:00.000Z",
  updatedAt: "2026-03-01T09:00:00.000Z",
};

describe("promised vs actual", () => {
  it("says late by whole days, overdue while nothing happened, pending before the promise", () => {
    expect(promisedVsActual(ORDER, Date.parse("2026-03-25T09:00:00Z"))).toEqual([
      {
        what: "start",
        promised: ORDER.promisedStartBy,
        actual: ORDER.startedAt,
        verdict: "late",
        days: 9,
      },
      {
        what: "delivery",
        promised: ORDER.promisedDeliveryBy,
        actual: null,
        verdict: "overdue",
        days: 5,
      },
    ]);
    const [, delivery] = promisedVsActual(ORDER, Date.parse("2026-03-19T09:00:00Z"));
    expect(delivery?.verdict).toBe("pending");
  });

  it("on time, and nothing promised", () => {
    const rows = promisedVsActual(
      { ...ORDER, startedAt: "2026-03-06T09:00:00.000Z", promisedDeliveryBy: null },
      Date.parse("2026-04-01T00:00:00Z"),
    );
    expect(rows.map((r) => [r.verdict, r.days])).toEqual([
      ["on_time", 0],
      ["no_promise", 0],
    ]);
  });
});

describe("the evidence timeline", () => {
  it("orders everything by time, whatever the precision of the instants", () => {
    const payment = (id: string, at: string, extra: boolean) => ({
      id,
      orderId: "ORD-1",
      clientId: "cl_1",
      chargeRef: "ORD-1",
      amount: { amount: "4800.00", currency: "USD" },
      method: "card" as const,
      capturedAt: at,
      providerRef: null,
      refunded: { amount: "0.00", currency: "USD" },
      version: 0,
      createdAt: at,
      extra,
    });
    const entries = evidenceTimeline({
      order: ORDER,
      payments: [
        payment("p1", "2026-03-01T09:05:00Z", false),
        payment("p2", "2026-03-01T09:05:00.500Z", true),
      ],
      events: [
        {
          id: "ev1",
          orderId: "ORD-1",
          kind: "client_blocker",
          from: "2026-03-07T00:00:00Z",
          to: "2026-03-09T00:00:00Z",
          note: "No VPN access",
          recordedBy: "usr_q",
          recordedAt: "2026-03-10T00:00:00Z",
        },
      ],
      requests: [],
      requestId: "req_1",
      payouts: [],
    });
    expect(entries.map((e) => e.type + ("what" in e ? `:${e.what}` : ""))).toEqual([
      "order_placed",
      "payment",
      "payment",
      "promised:start",
      "service_event",
      "actual:start",
      "promised:delivery",
    ]);
    const payments = entries.filter((e) => e.type === "payment");
    expect(payments.map((p) => p.payment.extra)).toEqual([false, true]);
  });

  it("marks the request of the page among the others on the order", () => {
    const summary = {
      orderId: "ORD-1",
      clientId: "cl_1",
      reason: "not_delivered" as const,
      status: "approved" as const,
      version: 3,
      updatedAt: "2026-03-02T00:00:00Z",
      closedAt: null,
      waitingOn: null,
      recommendation: null,
    };
    const entries = evidenceTimeline({
      order: { ...ORDER, promisedStartBy: null, promisedDeliveryBy: null, startedAt: null },
      payments: [],
      events: [],
      requests: [
        { ...summary, id: "req_2", submittedAt: "2026-03-21T00:00:00Z" },
        { ...summary, id: "req_1", submittedAt: "2026-03-02T00:00:00Z" },
      ],
      requestId: "req_2",
      payouts: [],
    });
    expect(
      entries.flatMap((e) => (e.type === "request" ? [[e.request.id, e.current]] : [])),
    ).toEqual([
      ["req_1", false],
      ["req_2", true],
    ]);
  });
});

describe("small helpers", () => {
  it("measures service events", () => {
    expect(eventDuration({ from: "2026-03-07T00:00:00Z", to: "2026-03-09T12:00:00Z" })).toEqual({
      unit: "days",
      count: 3,
    });
    expect(eventDuration({ from: "2026-03-07T00:00:00Z", to: "2026-03-07T05:00:00Z" })).toEqual({
      unit: "hours",
      count: 5,
    });
    expect(eventDuration({ from: "2026-03-07T00:00:00Z", to: null })).toBeNull();
  });

  it("tells a positive amount without a float", () => {
    expect(isPositive("0.00")).toBe(false);
    expect(isPositive("0.000000000000000001")).toBe(true);
    expect(isPositive("-1.00")).toBe(false);
  });
});
