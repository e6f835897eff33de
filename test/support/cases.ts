// Builders for the core's tests: a valid case as JSON (exactly what `JSON.parse` would return),
// the default policy, and helpers that evaluate a case and flatten the decision for comparison.
// Not shipped: it lives under test/, outside the build.

import { decisionToJson, evaluateRefund, type DecisionJson } from "../../src/core/policy/index.js";
import type { InputError, Policy } from "../../src/core/policy/types.js";
import { loadPolicyFile } from "../../src/policy-file/load.js";

export interface MoneyJ {
  amount: string;
  currency: string;
}

export interface PaymentJ {
  id: string;
  chargeRef: string;
  amount: MoneyJ;
  method: string;
  capturedAt: string;
}

export interface EventJ {
  kind: string;
  from: string;
  to: string | null;
  note?: string | null;
}

export interface CaseJ {
  asOf?: string;
  policy?: Record<string, unknown>;
  order: {
    id: string;
    clientId: string | null;
    service: { name: string; category: string; billing: string };
    price: MoneyJ;
    placedAt: string;
    promisedStartBy: string | null;
    promisedDeliveryBy: string | null;
    startedAt: string | null;
    deliveredAt: string | null;
    subscription: { periodStart: string; periodEnd: string; chargeRef: string } | null;
  };
  payments: PaymentJ[];
  events: EventJ[];
  request: { reason: string; submittedAt: string; description: string; attachments: number };
}

export const m = (amount: string, currency = "USD"): MoneyJ => ({ amount, currency });

export function pay(
  id: string,
  amount: MoneyJ,
  capturedAt: string,
  method = "card",
  chargeRef = "ORD-1",
): PaymentJ {
  return { id, chargeRef, amount, method, capturedAt };
}

/**
 * A one-off audit for 4800.00 USD, placed Monday 2026-02-02 10:00Z, to be started within 7 days
 * and delivered within 21, never started, paid once by card, and a `not_delivered` request on
 * Monday 2026-02-16: as it stands, rule 5g (refund of 4800.00 USD).
 */
export function baseCase(): CaseJ {
  return {
    order: {
      id: "ORD-1",
      clientId: "CL-1",
      service: { name: "External penetration test", category: "audit", billing: "one_off" },
      price: m("4800.00"),
      placedAt: "2026-02-02T10:00:00Z",
      promisedStartBy: "2026-02-09T10:00:00Z",
      promisedDeliveryBy: "2026-02-23T10:00:00Z",
      startedAt: null,
      deliveredAt: null,
      subscription: null,
    },
    payments: [pay("PAY-1", m("4800.00"), "2026-02-02T10:05:00Z")],
    events: [],
    request: {
      reason: "not_delivered",
      submittedAt: "2026-02-16T09:30:00Z",
      description: "The engagement never started.",
      attachments: 1,
    },
  };
}

/**
 * A monthly monitoring subscription (period price `price`) whose current period runs from
 * `periodStart` to `periodEnd`, paid once by card under chargeRef `SUB-1/P`.
 */
export function subscriptionCase(
  periodStart: string,
  periodEnd: string,
  price: MoneyJ = m("100.00"),
): CaseJ {
  const c = baseCase();
  c.order.service = {
    name: "24/7 network monitoring",
    category: "monitoring",
    billing: "subscription",
  };
  c.order.price = price;
  c.order.placedAt = "2025-12-01T00:00:00Z";
  c.order.promisedStartBy = "2025-12-02T00:00:00Z";
  c.order.promisedDeliveryBy = null;
  c.order.startedAt = "2025-12-01T12:00:00Z";
  c.order.subscription = { periodStart, periodEnd, chargeRef: "SUB-1/P" };
  c.payments = [pay("PAY-1", price, periodStart, "card", "SUB-1/P")];
  c.request.reason = "unused_subscription";
  c.request.description = "Please cancel the rest of the period.";
  return c;
}

/** A deep copy of `c` changed by `edit`. */
export function edit<T>(c: T, change: (draft: T) => void): T {
  const copy = structuredClone(c);
  change(copy);
  return copy;
}

const loaded = loadPolicyFile();
if (!loaded.ok) {
  throw new Error(`default policy invalid: ${loaded.error.path}: ${loaded.error.message}`);
}
/** The shipped default policy (policy/default-policy.yaml). */
export const defaultPolicy: Policy = loaded.value;

/** Evaluates a case that must be valid, returning the decision as JSON. */
export function run(c: unknown, policy: Policy = defaultPolicy): DecisionJson {
  const r = evaluateRefund(c, policy);
  if (!r.ok) throw new Error(`unexpected invalid input at ${r.error.path}: ${r.error.message}`);
  return decisionToJson(r.value);
}

/** Evaluates a case that must be invalid, returning the error. */
export function runInvalid(c: unknown, policy: Policy = defaultPolicy): InputError {
  const r = evaluateRefund(c, policy);
  if (r.ok) throw new Error(`expected invalid input, got ${r.value.outcome}`);
  return r.error;
}

/** Refund lines flattened to `paymentId|method|amount currency`, sorted. */
export function lines(d: DecisionJson): string[] {
  return d.refunds
    .map((r) => `${r.paymentId}|${r.method}|${r.amount.amount} ${r.amount.currency}`)
    .sort();
}

/** The amount as `amount currency`, or null. */
export function amountOf(d: DecisionJson): string | null {
  return d.amount === null ? null : `${d.amount.amount} ${d.amount.currency}`;
}
