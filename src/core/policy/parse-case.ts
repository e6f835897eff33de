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
  instant,
  int,
  Invalid,
  moneyField,
  nonBlank,
  obj,
  oneOf,
  onlyKeys,
  optInstant,
  required,
  str,
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

function parseSubscription(v: unknown, path: string): Subscription {
  const o = obj(v, path);
  onlyKeys(o, SUBSCRIPTION_KEYS, path);
  const periodStart = instant(required(o, "periodStart", path), `${path}.periodStart`);
  const periodEnd = instant(required(o, "periodEnd", path), `${path}.periodEnd`);
  if (periodEnd <= periodStart) throw new Invalid(`${path}.periodEnd`, "must be after periodStart");
  const chargeRef = nonBlank(required(o, "chargeRef", path), `${path}.chargeRef`);
  return { periodStart, periodEnd, chargeRef };
}

function parseOrder(v: unknown): Order {
  const o = obj(v, "order");
  onlyKeys(o, ORDER_KEYS, "order");
  // An empty id is an incomplete request (rule 1), not invalid input; a missing one is invalid.
  const id = str(required(o, "id", "order"), "order.id");
  const clientId = o.clientId == null ? null : str(o.clientId, "order.clientId");
  const s = obj(required(o, "service", "order"), "order.service");
  onlyKeys(s, SERVICE_KEYS, "order.service");
  const service = {
    name: str(required(s, "name", "order.service"), "order.service.name"),
    category: oneOf(required(s, "category", "order.service"), CATEGORIES, "order.service.category"),
    billing: oneOf(required(s, "billing", "order.service"), BILLINGS, "order.service.billing"),
  };
  const price = moneyField(required(o, "price", "order"), "order.price");
  if (price.minor < 0n) throw new Invalid("order.price.amount", "must not be negative");
  const placedAt = instant(required(o, "placedAt", "order"), "order.placedAt");
  let subscription: Subscription | null = null;
  if (o.subscription != null) {
    if (service.billing !== "subscription") {
      throw new Invalid("order.subscription", 'is only for billing "subscription"; use null');
    }
    subscription = parseSubscription(o.subscription, "order.subscription");
  } else if (service.billing === "subscription") {
    throw new Invalid("order.subscription", "is required for a subscription (the current period)");
  }
  return {
    id,
    clientId,
    service,
    price,
    placedAt,
    promisedStartBy: optInstant(o.promisedStartBy, "order.promisedStartBy"),
    promisedDeliveryBy: optInstant(o.promisedDeliveryBy, "order.promisedDeliveryBy"),
    startedAt: optInstant(o.startedAt, "order.startedAt"),
    deliveredAt: optInstant(o.deliveredAt, "order.deliveredAt"),
    subscription,
  };
}

function parsePayment(v: unknown, path: string): Payment {
  const o = obj(v, path);
  onlyKeys(o, PAYMENT_KEYS, path);
  const amount = moneyField(required(o, "amount", path), `${path}.amount`);
  if (amount.minor <= 0n) throw new Invalid(`${path}.amount.amount`, "must be greater than 0");
  return {
    id: nonBlank(required(o, "id", path), `${path}.id`),
    chargeRef: nonBlank(required(o, "chargeRef", path), `${path}.chargeRef`),
    amount,
    method: oneOf(required(o, "method", path), PAYMENT_METHODS, `${path}.method`),
    capturedAt: instant(required(o, "capturedAt", path), `${path}.capturedAt`),
  };
}

function parseEvent(v: unknown, path: string): ServiceEvent {
  const o = obj(v, path);
  onlyKeys(o, EVENT_KEYS, path);
  const kind = oneOf(required(o, "kind", path), EVENT_KINDS, `${path}.kind`);
  const from = instant(required(o, "from", path), `${path}.from`);
  const to = optInstant(o.to, `${path}.to`);
  if (to !== null && to < from) throw new Invalid(`${path}.to`, "must not be before from");
  const note = o.note == null ? null : str(o.note, `${path}.note`);
  return { kind, from, to, note };
}

function parseRequest(v: unknown): RefundRequestFacts {
  const o = obj(v, "request");
  onlyKeys(o, REQUEST_KEYS, "request");
  return {
    reason: oneOf(required(o, "reason", "request"), REASONS, "request.reason"),
    submittedAt: instant(required(o, "submittedAt", "request"), "request.submittedAt"),
    description: str(required(o, "description", "request"), "request.description"),
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
    const o = obj(raw, "");
    onlyKeys(o, CASE_KEYS, "");
    const order = parseOrder(required(o, "order", ""));
    const request = parseRequest(required(o, "request", ""));
    const payments: Payment[] = [];
    if (o.payments !== undefined) {
      const list = arr(o.payments, "payments");
      const ids = new Set<string>();
      for (let i = 0; i < list.length; i++) {
        const p = parsePayment(list[i], `payments[${i}]`);
        if (ids.has(p.id)) throw new Invalid(`payments[${i}].id`, `duplicate payment id "${p.id}"`);
        ids.add(p.id);
        payments.push(p);
      }
    }
    const events: ServiceEvent[] = [];
    if (o.events !== undefined) {
      const list = arr(o.events, "events");
      for (let i = 0; i < list.length; i++) events.push(parseEvent(list[i], `events[${i}]`));
    }
    const asOf = o.asOf === undefined ? request.submittedAt : instant(o.asOf, "asOf");
    const params =
      o.policy === undefined ? policy.params : overrideParams(policy.params, o.policy, "policy");
    return { ok: true, value: { asOf, params, order, payments, events, request } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}
