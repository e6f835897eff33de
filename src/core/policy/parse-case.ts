import {
  BILLINGS,
  CATEGORIES,
  EVENT_KINDS,
  PAYMENT_METHODS,
  REASONS,
  type InputError,
  type Order,
  type Payment,
  type Policy,
  type RefundCase,
  type RefundRequestFacts,
  type Result,
  type ServiceEvent,
  type Subscription,
} from "./types.js";
import { overrideParams } from "./policy-file.js";
import {
  arr,
  asObj,
  enumVal,
  instantVal,
  int,
  Invalid,
  moneyVal,
  nonBlankVal,
  objVal,
  onlyKeys,
  optInstantVal,
  optStrVal,
  strVal,
  type Obj,
} from "./validate.js";

const CASE_KEYS = new Set(["asOf", "policy", "order", "payments", "events", "request"]);
const ORDER_KEYS = new Set([
  "id",
  "clientId",
  "service",
  "price",
  "placedAt",
  "promisedStartBy",
  "promisedDeliveryBy",
  "startedAt",
  "deliveredAt",
  "subscription",
]);
const SERVICE_KEYS = new Set(["name", "category", "billing"]);
const SUBSCRIPTION_KEYS = new Set(["periodStart", "periodEnd", "chargeRef"]);
const PAYMENT_KEYS = new Set(["id", "chargeRef", "amount", "method", "capturedAt"]);
const EVENT_KEYS = new Set(["kind", "from", "to", "note"]);
const REQUEST_KEYS = new Set(["reason", "submittedAt", "description", "attachments"]);

// Each property is read by name at its own site (`o.placedAt`), which keeps V8's property loads
// monomorphic; the readers only spell out a field's path when it is wrong.

function parseSubscription(o: Obj, path: string): Subscription {
  const periodStart = instantVal(o.periodStart, path, "periodStart");
  const periodEnd = instantVal(o.periodEnd, path, "periodEnd");
  if (periodEnd <= periodStart) throw new Invalid(`${path}.periodEnd`, "must be after periodStart");
  return { periodStart, periodEnd, chargeRef: nonBlankVal(o.chargeRef, path, "chargeRef") };
}

function parseOrder(root: Obj): Order {
  const o = objVal(root.order, "", "order", ORDER_KEYS);
  const s = objVal(o.service, "order", "service", SERVICE_KEYS);
  const billing = enumVal(s.billing, BILLINGS, "order.service", "billing");
  const price = moneyVal(o.price, "order", "price");
  if (price.minor < 0n) throw new Invalid("order.price.amount", "must not be negative");
  let subscription: Subscription | null = null;
  if (o.subscription != null) {
    if (billing !== "subscription") {
      throw new Invalid("order.subscription", 'is only for billing "subscription"; use null');
    }
    subscription = parseSubscription(
      objVal(o.subscription, "order", "subscription", SUBSCRIPTION_KEYS),
      "order.subscription",
    );
  } else if (billing === "subscription") {
    throw new Invalid("order.subscription", "is required for a subscription (the current period)");
  }
  return {
    // An empty id is an incomplete request (rule 1), not invalid input; a missing one is invalid.
    id: strVal(o.id, "order", "id"),
    clientId: optStrVal(o.clientId, "order", "clientId"),
    service: {
      name: strVal(s.name, "order.service", "name"),
      category: enumVal(s.category, CATEGORIES, "order.service", "category"),
      billing,
    },
    price,
    placedAt: instantVal(o.placedAt, "order", "placedAt"),
    promisedStartBy: optInstantVal(o.promisedStartBy, "order", "promisedStartBy"),
    promisedDeliveryBy: optInstantVal(o.promisedDeliveryBy, "order", "promisedDeliveryBy"),
    startedAt: optInstantVal(o.startedAt, "order", "startedAt"),
    deliveredAt: optInstantVal(o.deliveredAt, "order", "deliveredAt"),
    subscription,
  };
}

function parsePayment(v: unknown, path: string): Payment {
  const o = asObj(v, path);
  onlyKeys(o, PAYMENT_KEYS, path);
  const amount = moneyVal(o.amount, path, "amount");
  if (amount.minor <= 0n) throw new Invalid(`${path}.amount.amount`, "must be greater than 0");
  return {
    id: nonBlankVal(o.id, path, "id"),
    chargeRef: nonBlankVal(o.chargeRef, path, "chargeRef"),
    amount,
    method: enumVal(o.method, PAYMENT_METHODS, path, "method"),
    capturedAt: instantVal(o.capturedAt, path, "capturedAt"),
  };
}

function parseEvent(v: unknown, path: string): ServiceEvent {
  const o = asObj(v, path);
  onlyKeys(o, EVENT_KEYS, path);
  const kind = enumVal(o.kind, EVENT_KINDS, path, "kind");
  const from = instantVal(o.from, path, "from");
  const to = optInstantVal(o.to, path, "to");
  if (to !== null && to < from) throw new Invalid(`${path}.to`, "must not be before from");
  return { kind, from, to, note: optStrVal(o.note, path, "note") };
}

function parseRequest(root: Obj): RefundRequestFacts {
  const o = objVal(root.request, "", "request", REQUEST_KEYS);
  return {
    reason: enumVal(o.reason, REASONS, "request", "reason"),
    submittedAt: instantVal(o.submittedAt, "request", "submittedAt"),
    description: strVal(o.description, "request", "description"),
    attachments:
      o.attachments === undefined ? 0 : int(o.attachments, "request.attachments", 0, 10_000),
  };
}

/**
 * Validates a case exactly as `JSON.parse` returns it and converts it to exact values: money as
 * bigint minor units, instants as epoch milliseconds, the policy's parameters with the case's
 * overrides applied. Bad input yields the JSON path of the offending field.
 */
export function parseCase(raw: unknown, policy: Policy): Result<RefundCase, InputError> {
  try {
    const o = asObj(raw, "");
    onlyKeys(o, CASE_KEYS, "");
    const order = parseOrder(o);
    const request = parseRequest(o);
    const payments: Payment[] = [];
    if (o.payments !== undefined) {
      const list = arr(o.payments, "payments");
      const ids = new Set<string>();
      for (let i = 0; i < list.length; i++) {
        const p = parsePayment(list[i], `payments[${i}]`);
        if (list.length > 1) {
          if (ids.has(p.id)) {
            throw new Invalid(`payments[${i}].id`, `duplicate payment id "${p.id}"`);
          }
          ids.add(p.id);
        }
        payments.push(p);
      }
    }
    const events: ServiceEvent[] = [];
    if (o.events !== undefined) {
      const list = arr(o.events, "events");
      for (let i = 0; i < list.length; i++) events.push(parseEvent(list[i], `events[${i}]`));
    }
    const asOf = o.asOf === undefined ? request.submittedAt : instantVal(o.asOf, "", "asOf");
    const params =
      o.policy === undefined ? policy.params : overrideParams(policy.params, o.policy, "policy");
    return { ok: true, value: { asOf, params, order, payments, events, request } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}
