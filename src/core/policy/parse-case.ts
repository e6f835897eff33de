import { isValidTimeZone } from "../calendar/calendar.js";
import { parseInstant } from "../calendar/instant.js";
import {
  BILLINGS,
  CATEGORIES,
  EVENT_KINDS,
  PAYMENT_METHODS,
  REASONS,
  type Billing,
  type Category,
  type EventKind,
  type InputError,
  type Order,
  type Payment,
  type PaymentMethod,
  type Policy,
  type PolicyParams,
  type Reason,
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
  moneyFast,
  moneyVal,
  nonBlankVal,
  objVal,
  onlyKeys,
  optInstantVal,
  optStrVal,
  strVal,
  type Obj,
} from "./validate.js";

// Each object's keys in the order of the format (see the key checks below).
const ORDER_ORDER: readonly string[] = [
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
];
const SERVICE_ORDER: readonly string[] = ["name", "category", "billing"];
const SUBSCRIPTION_ORDER: readonly string[] = ["periodStart", "periodEnd", "chargeRef"];
const PAYMENT_ORDER: readonly string[] = ["id", "chargeRef", "amount", "method", "capturedAt"];
const EVENT_ORDER: readonly string[] = ["kind", "from", "to", "note"];
const REQUEST_ORDER: readonly string[] = ["reason", "submittedAt", "description", "attachments"];

const CASE_KEYS = new Set(["asOf", "policy", "order", "payments", "events", "request"]);
const ORDER_KEYS = new Set(ORDER_ORDER);
const SERVICE_KEYS = new Set(SERVICE_ORDER);
const SUBSCRIPTION_KEYS = new Set(SUBSCRIPTION_ORDER);
const PAYMENT_KEYS = new Set(PAYMENT_ORDER);
const EVENT_KEYS = new Set(EVENT_ORDER);
const REQUEST_KEYS = new Set(REQUEST_ORDER);

// This runs for every evaluated case, so the valid path is written for speed: one pass that checks
// and converts each field, no path strings, closures or intermediate arrays. Each check's failure
// branch hands the same value to the general reader in validate.ts, which throws `Invalid` with the
// field's path and message; so the valid path decides *whether* input is wrong, the readers alone
// say *what* is wrong, and errors come out in the same order as the fields are checked.
//
// Unknown keys: `for...in` with a chain of `===` on the key (the keys of parsed JSON are
// internalized strings, so each comparison is a pointer compare) costs about half of a `Set`
// lookup per key; on a miss, `onlyKeys` names the first unknown key. Enumerations are compared the
// same way. `typeof x === "object" && x !== null && !Array.isArray(x)` is the readers' object test.

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Parsed JSON lists an object's keys in the order its writer used, which for nearly every case is
// the order of the format (the `*_ORDER` lists above). So each key is first compared with the key
// expected at its position, one `===`; only a key out of that order goes through the whole chain.
// Reading past a list's end gives undefined, which no key equals.

// The case object is checked once per case, and its optional keys (asOf, policy) come first when
// present, which would shift every position: it keeps the plain chain.
function caseKeysKnown(o: Obj): boolean {
  for (const k in o) {
    if (
      k !== "order" &&
      k !== "payments" &&
      k !== "events" &&
      k !== "request" &&
      k !== "asOf" &&
      k !== "policy"
    ) {
      return false;
    }
  }
  return true;
}

function orderKeysKnown(o: Obj): boolean {
  let i = 0;
  for (const k in o) {
    if (
      k !== ORDER_ORDER[i++] &&
      k !== "id" &&
      k !== "clientId" &&
      k !== "service" &&
      k !== "price" &&
      k !== "placedAt" &&
      k !== "promisedStartBy" &&
      k !== "promisedDeliveryBy" &&
      k !== "startedAt" &&
      k !== "deliveredAt" &&
      k !== "subscription"
    ) {
      return false;
    }
  }
  return true;
}

function serviceKeysKnown(o: Obj): boolean {
  let i = 0;
  for (const k in o) {
    if (k !== SERVICE_ORDER[i++] && k !== "name" && k !== "category" && k !== "billing") {
      return false;
    }
  }
  return true;
}

function subscriptionKeysKnown(o: Obj): boolean {
  let i = 0;
  for (const k in o) {
    if (
      k !== SUBSCRIPTION_ORDER[i++] &&
      k !== "periodStart" &&
      k !== "periodEnd" &&
      k !== "chargeRef"
    ) {
      return false;
    }
  }
  return true;
}

function paymentKeysKnown(o: Obj): boolean {
  let i = 0;
  for (const k in o) {
    if (
      k !== PAYMENT_ORDER[i++] &&
      k !== "id" &&
      k !== "chargeRef" &&
      k !== "amount" &&
      k !== "method" &&
      k !== "capturedAt"
    ) {
      return false;
    }
  }
  return true;
}

function eventKeysKnown(o: Obj): boolean {
  let i = 0;
  for (const k in o) {
    if (k !== EVENT_ORDER[i++] && k !== "kind" && k !== "from" && k !== "to" && k !== "note") {
      return false;
    }
  }
  return true;
}

function requestKeysKnown(o: Obj): boolean {
  let i = 0;
  for (const k in o) {
    if (
      k !== REQUEST_ORDER[i++] &&
      k !== "reason" &&
      k !== "submittedAt" &&
      k !== "description" &&
      k !== "attachments"
    ) {
      return false;
    }
  }
  return true;
}

const isBilling = (v: unknown): v is Billing => v === "one_off" || v === "subscription";
const isCategory = (v: unknown): v is Category =>
  v === "audit" || v === "monitoring" || v === "training" || v === "consulting" || v === "support";
const isMethod = (v: unknown): v is PaymentMethod =>
  v === "card" || v === "crypto" || v === "bank_transfer" || v === "other";
const isEventKind = (v: unknown): v is EventKind =>
  v === "client_blocker" || v === "external_incident" || v === "internal_fault";
const isReason = (v: unknown): v is Reason =>
  v === "not_delivered" ||
  v === "duplicate_payment" ||
  v === "mismatch" ||
  v === "unused_subscription" ||
  v === "other";

/** A required instant: epoch milliseconds, or the reader's error. */
function instant(v: unknown, at: string, key: string): number {
  if (typeof v === "string") {
    const ms = parseInstant(v);
    if (ms === ms) return ms; // not NaN
  }
  return instantVal(v, at, key);
}

/** An optional instant: null when null or absent. */
function optInstant(v: unknown, at: string, key: string): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    const ms = parseInstant(v);
    if (ms === ms) return ms;
  }
  return optInstantVal(v, at, key);
}

/** True when a string has a character other than white space (what `s.trim() !== ""` tests). */
function notBlank(s: string): boolean {
  // Printable ASCII other than the space is never white space: the common first character.
  const c = s.charCodeAt(0);
  if (c > 32 && c < 127) return true;
  return s.trim() !== "";
}

function parseSubscription(s: unknown): Subscription {
  if (!isObj(s) || !subscriptionKeysKnown(s)) objVal(s, "order", "subscription", SUBSCRIPTION_KEYS);
  const v = s as Obj;
  const periodStart = instant(v.periodStart, "order.subscription", "periodStart");
  const periodEnd = instant(v.periodEnd, "order.subscription", "periodEnd");
  if (periodEnd <= periodStart) {
    throw new Invalid("order.subscription.periodEnd", "must be after periodStart");
  }
  const chargeRef = v.chargeRef;
  if (typeof chargeRef !== "string" || !notBlank(chargeRef)) {
    nonBlankVal(chargeRef, "order.subscription", "chargeRef");
  }
  return { periodStart, periodEnd, chargeRef: chargeRef as string };
}

function parseOrder(o: unknown): Order {
  if (!isObj(o) || !orderKeysKnown(o)) objVal(o, "", "order", ORDER_KEYS);
  const order = o as Obj;
  const s = order.service;
  if (!isObj(s) || !serviceKeysKnown(s)) objVal(s, "order", "service", SERVICE_KEYS);
  const service = s as Obj;
  const billing = service.billing;
  if (!isBilling(billing)) enumVal(billing, BILLINGS, "order.service", "billing");
  const price = moneyFast(order.price) ?? moneyVal(order.price, "order", "price");
  if (price.minor < 0n) throw new Invalid("order.price.amount", "must not be negative");
  let subscription: Subscription | null = null;
  const sub = order.subscription;
  if (sub !== null && sub !== undefined) {
    if (billing !== "subscription") {
      throw new Invalid("order.subscription", 'is only for billing "subscription"; use null');
    }
    subscription = parseSubscription(sub);
  } else if (billing === "subscription") {
    throw new Invalid("order.subscription", "is required for a subscription (the current period)");
  }
  // An empty id is an incomplete request (rule 1), not invalid input; a missing one is invalid.
  const id = order.id;
  if (typeof id !== "string") strVal(id, "order", "id");
  const clientId = order.clientId;
  if (clientId !== null && clientId !== undefined && typeof clientId !== "string") {
    optStrVal(clientId, "order", "clientId");
  }
  const name = service.name;
  if (typeof name !== "string") strVal(name, "order.service", "name");
  const category = service.category;
  if (!isCategory(category)) enumVal(category, CATEGORIES, "order.service", "category");
  return {
    id: id as string,
    clientId: (clientId ?? null) as string | null,
    service: { name: name as string, category: category as Category, billing: billing as Billing },
    price,
    placedAt: instant(order.placedAt, "order", "placedAt"),
    promisedStartBy: optInstant(order.promisedStartBy, "order", "promisedStartBy"),
    promisedDeliveryBy: optInstant(order.promisedDeliveryBy, "order", "promisedDeliveryBy"),
    startedAt: optInstant(order.startedAt, "order", "startedAt"),
    deliveredAt: optInstant(order.deliveredAt, "order", "deliveredAt"),
    subscription,
  };
}

const paymentPath = (i: number): string => `payments[${i}]`;
const eventPath = (i: number): string => `events[${i}]`;

function parsePayment(v: unknown, i: number): Payment {
  if (!isObj(v) || !paymentKeysKnown(v))
    onlyKeys(asObj(v, paymentPath(i)), PAYMENT_KEYS, paymentPath(i));
  const o = v as Obj;
  const amount = moneyFast(o.amount) ?? moneyVal(o.amount, paymentPath(i), "amount");
  if (amount.minor <= 0n)
    throw new Invalid(`${paymentPath(i)}.amount.amount`, "must be greater than 0");
  const id = o.id;
  if (typeof id !== "string" || !notBlank(id)) nonBlankVal(id, paymentPath(i), "id");
  const chargeRef = o.chargeRef;
  if (typeof chargeRef !== "string" || !notBlank(chargeRef)) {
    nonBlankVal(chargeRef, paymentPath(i), "chargeRef");
  }
  const method = o.method;
  if (!isMethod(method)) enumVal(method, PAYMENT_METHODS, paymentPath(i), "method");
  const c = o.capturedAt;
  let capturedAt = typeof c === "string" ? parseInstant(c) : NaN;
  if (capturedAt !== capturedAt) capturedAt = instantVal(c, paymentPath(i), "capturedAt");
  return {
    id: id as string,
    chargeRef: chargeRef as string,
    amount,
    method: method as PaymentMethod,
    capturedAt,
  };
}

function parseEvent(v: unknown, i: number): ServiceEvent {
  if (!isObj(v) || !eventKeysKnown(v)) onlyKeys(asObj(v, eventPath(i)), EVENT_KEYS, eventPath(i));
  const o = v as Obj;
  const kind = o.kind;
  if (!isEventKind(kind)) enumVal(kind, EVENT_KINDS, eventPath(i), "kind");
  const f = o.from;
  let from = typeof f === "string" ? parseInstant(f) : NaN;
  if (from !== from) from = instantVal(f, eventPath(i), "from");
  const t = o.to;
  let to: number | null = null;
  if (t !== null && t !== undefined) {
    to = typeof t === "string" ? parseInstant(t) : NaN;
    if (to !== to) to = optInstantVal(t, eventPath(i), "to");
  }
  if (to !== null && to < from) throw new Invalid(`${eventPath(i)}.to`, "must not be before from");
  const note = o.note;
  if (note !== null && note !== undefined && typeof note !== "string") {
    optStrVal(note, eventPath(i), "note");
  }
  return { kind: kind as EventKind, from, to, note: (note ?? null) as string | null };
}

function parseRequest(v: unknown): RefundRequestFacts {
  if (!isObj(v) || !requestKeysKnown(v)) objVal(v, "", "request", REQUEST_KEYS);
  const o = v as Obj;
  const reason = o.reason;
  if (!isReason(reason)) enumVal(reason, REASONS, "request", "reason");
  const submittedAt = instant(o.submittedAt, "request", "submittedAt");
  const description = o.description;
  if (typeof description !== "string") strVal(description, "request", "description");
  const a = o.attachments;
  return {
    reason: reason as Reason,
    submittedAt,
    description: description as string,
    attachments: a === undefined ? 0 : int(a, "request.attachments", 0, 10_000),
  };
}

function parsePayments(v: unknown): readonly Payment[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? (v as readonly unknown[]) : arr(v, "payments");
  const n = list.length;
  if (n === 0) return [];
  if (n === 1) return [parsePayment(list[0], 0)]; // an exact-size array: the common case
  const payments: Payment[] = [];
  for (let i = 0; i < n; i++) {
    const p = parsePayment(list[i], i);
    for (let j = 0; j < i; j++) {
      if ((payments[j] as Payment).id === p.id) {
        throw new Invalid(`${paymentPath(i)}.id`, `duplicate payment id "${p.id}"`);
      }
    }
    payments.push(p);
  }
  return payments;
}

function parseEvents(v: unknown): readonly ServiceEvent[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? (v as readonly unknown[]) : arr(v, "events");
  const n = list.length;
  if (n === 0) return [];
  if (n === 1) return [parseEvent(list[0], 0)];
  const events: ServiceEvent[] = [];
  for (let i = 0; i < n; i++) events.push(parseEvent(list[i], i));
  return events;
}

/** Parameters with only the time zone overridden, per policy parameters and zone. */
const zoneParams = new WeakMap<PolicyParams, Map<string, PolicyParams>>();
/** The last policy parameters looked up in `zoneParams` and their map: nearly always the same. */
let lastBase: PolicyParams | undefined;
let lastByZone: Map<string, PolicyParams> | undefined;

/** The time zone string of a policy block that overrides nothing else, or undefined. */
function onlyZone(o: Obj): string | undefined {
  let zone: unknown;
  for (const k in o) {
    if (k !== "timezone") return undefined;
    zone = o[k];
  }
  // What overrideParams reads, even where for...in does not look (never in parsed JSON).
  if (
    o.requestWindowDays !== undefined ||
    o.payoutBusinessDays !== undefined ||
    o.holidays !== undefined ||
    o.holidayCountry !== undefined ||
    o.cryptoRefundValuation !== undefined ||
    o.autoApprove !== undefined
  ) {
    return undefined;
  }
  return typeof zone === "string" ? zone : undefined;
}

/**
 * The policy's parameters with the case's overrides. A block that only sets a valid time zone, the
 * common one, gets parameters made once per zone (equal to what `overrideParams` builds); only
 * valid zones are kept, so a zone found needs no other check.
 */
function caseParams(base: PolicyParams, raw: unknown): PolicyParams {
  const zone = isObj(raw) ? onlyZone(raw) : undefined;
  if (zone === undefined) return overrideParams(base, raw, "policy");
  let byZone = base === lastBase ? lastByZone : zoneParams.get(base);
  if (byZone === undefined) {
    byZone = new Map();
    zoneParams.set(base, byZone);
  }
  lastBase = base;
  lastByZone = byZone;
  let params = byZone.get(zone);
  if (params === undefined) {
    if (!isValidTimeZone(zone)) return overrideParams(base, raw, "policy");
    params = overrideParams(base, { timezone: zone }, "policy");
    if (byZone.size >= 1000) byZone.clear();
    byZone.set(zone, params);
  }
  return params;
}

/** The case as a `RefundCase`; throws `Invalid` (for the entry points to turn into a value). */
export function readCase(raw: unknown, policy: Policy): RefundCase {
  if (!isObj(raw) || !caseKeysKnown(raw)) onlyKeys(asObj(raw, ""), CASE_KEYS, "");
  const o = raw as Obj;
  const order = parseOrder(o.order);
  const request = parseRequest(o.request);
  const payments = parsePayments(o.payments);
  const events = parseEvents(o.events);
  const asOf = o.asOf === undefined ? request.submittedAt : instant(o.asOf, "", "asOf");
  const params = o.policy === undefined ? policy.params : caseParams(policy.params, o.policy);
  return { asOf, params, order, payments, events, request };
}

/**
 * Validates a case exactly as `JSON.parse` returns it and converts it to exact values: money as
 * bigint minor units, instants as epoch milliseconds, the policy's parameters with the case's
 * overrides applied. Bad input yields the JSON path of the offending field.
 */
export function parseCase(raw: unknown, policy: Policy): Result<RefundCase, InputError> {
  try {
    return { ok: true, value: readCase(raw, policy) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}
