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
  enumField,
  instantField,
  int,
  Invalid,
  moneyField,
  nonBlankField,
  objField,
  onlyKeys,
  optInstantField,
  optStrField,
  strField,
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

function parseSubscription(o: Obj, path: string): Subscription {
  const periodStart = instantField(o, "periodStart", path);
  const periodEnd = instantField(o, "periodEnd", path);
  if (periodEnd <= periodStart) throw new Invalid(`${path}.periodEnd`, "must be after periodStart");
  return { periodStart, periodEnd, chargeRef: nonBlankField(o, "chargeRef", path) };
}

function parseOrder(root: Obj): Order {
  const o = objField(root, "order", "", ORDER_KEYS);
  const s = objField(o, "service", "order", SERVICE_KEYS);
  const billing = enumField(s, "billing", "order.service", BILLINGS);
  const price = moneyField(o, "price", "order");
  if (price.minor < 0n) throw new Invalid("order.price.amount", "must not be negative");
  let subscription: Subscription | null = null;
  if (o.subscription != null) {
    if (billing !== "subscription") {
      throw new Invalid("order.subscription", 'is only for billing "subscription"; use null');
    }
    subscription = parseSubscription(
      objField(o, "subscription", "order", SUBSCRIPTION_KEYS),
      "order.subscription",
    );
  } else if (billing === "subscription") {
    throw new Invalid("order.subscription", "is required for a subscription (the current period)");
  }
  return {
    // An empty id is an incomplete request (rule 1), not invalid input; a missing one is invalid.
    id: strField(o, "id", "order"),
    clientId: optStrField(o, "clientId", "order"),
    service: {
      name: strField(s, "name", "order.service"),
      category: enumField(s, "category", "order.service", CATEGORIES),
      billing,
    },
    price,
    placedAt: instantField(o, "placedAt", "order"),
    promisedStartBy: optInstantField(o, "promisedStartBy", "order"),
    promisedDeliveryBy: optInstantField(o, "promisedDeliveryBy", "order"),
    startedAt: optInstantField(o, "startedAt", "order"),
    deliveredAt: optInstantField(o, "deliveredAt", "order"),
    subscription,
  };
}

function parsePayment(v: unknown, path: string): Payment {
  const o = asObj(v, path);
  onlyKeys(o, PAYMENT_KEYS, path);
  const amount = moneyField(o, "amount", path);
  if (amount.minor <= 0n) throw new Invalid(`${path}.amount.amount`, "must be greater than 0");
  return {
    id: nonBlankField(o, "id", path),
    chargeRef: nonBlankField(o, "chargeRef", path),
    amount,
    method: enumField(o, "method", path, PAYMENT_METHODS),
    capturedAt: instantField(o, "capturedAt", path),
  };
}

function parseEvent(v: unknown, path: string): ServiceEvent {
  const o = asObj(v, path);
  onlyKeys(o, EVENT_KEYS, path);
  const kind = enumField(o, "kind", path, EVENT_KINDS);
  const from = instantField(o, "from", path);
  const to = optInstantField(o, "to", path);
  if (to !== null && to < from) throw new Invalid(`${path}.to`, "must not be before from");
  return { kind, from, to, note: optStrField(o, "note", path) };
}

function parseRequest(root: Obj): RefundRequestFacts {
  const o = objField(root, "request", "", REQUEST_KEYS);
  return {
    reason: enumField(o, "reason", "request", REASONS),
    submittedAt: instantField(o, "submittedAt", "request"),
    description: strField(o, "description", "request"),
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
    const asOf = o.asOf === undefined ? request.submittedAt : instantField(o, "asOf", "");
    const params =
      o.policy === undefined ? policy.params : overrideParams(policy.params, o.policy, "policy");
    return { ok: true, value: { asOf, params, order, payments, events, request } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}
