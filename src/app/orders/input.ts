// Validation of order, payment and service-event input, shared by the HTTP routes and
// `refund-desk import`. It uses the engine's own field readers (src/core/policy/validate.ts), so a
// stored order passes exactly the checks a case's order does (decimal-string money in a known
// currency, instants with an offset, the closed enum lists, subscription iff billing is
// "subscription", periodEnd after periodStart, to not before from), plus what storage adds: ids
// that fit in a URL path, non-blank names, bounded lengths, instants inside the stored range.
// Errors carry the field's path below `at` ("body" for HTTP, "" for an import row).

import type { Money } from "../../core/money/money.js";
import {
  keysOf,
  ORDER_FORMAT,
  SERVICE_FORMAT,
  SUBSCRIPTION_FORMAT,
} from "../../core/policy/case-format.js";
import {
  BILLINGS,
  CATEGORIES,
  EVENT_KINDS,
  PAYMENT_METHODS,
  type Billing,
  type Category,
  type EventKind,
  type PaymentMethod,
  type Result,
} from "../../core/policy/types.js";
import {
  asObj,
  child,
  enumField,
  instantField,
  int,
  Invalid,
  moneyField,
  nonBlankField,
  objField,
  onlyKeys,
  optInstantField,
  type Obj,
} from "../../core/policy/validate.js";
import type { FieldError } from "../errors.js";

/** A subscription's current period as stored (instants as epoch ms). */
export interface Subscription {
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly chargeRef: string;
}

/** The facts of an order as stored (instants as epoch ms, money exact). */
export interface OrderFacts {
  readonly id: string;
  readonly clientId: string;
  readonly service: {
    readonly name: string;
    readonly category: Category;
    readonly billing: Billing;
  };
  readonly price: Money;
  readonly placedAt: number;
  readonly promisedStartBy: number | null;
  readonly promisedDeliveryBy: number | null;
  readonly startedAt: number | null;
  readonly deliveredAt: number | null;
  readonly subscription: Subscription | null;
}

/** The facts of an order that may change after it is created; absent keys stay as they are. */
export interface OrderChanges {
  readonly expectedVersion: number;
  readonly promisedStartBy?: number | null;
  readonly promisedDeliveryBy?: number | null;
  readonly startedAt?: number | null;
  readonly deliveredAt?: number | null;
  readonly subscription?: Subscription | null;
}

export interface PaymentInput {
  /** The company's payment id, or null to have one made. */
  readonly id: string | null;
  readonly orderId: string;
  readonly chargeRef: string;
  readonly amount: Money;
  readonly method: PaymentMethod;
  readonly capturedAt: number;
  readonly providerRef: string | null;
}

export interface ServiceEventInput {
  readonly kind: EventKind;
  readonly from: number;
  readonly to: number | null;
  readonly note: string;
}

/** An import row of events names its order; the HTTP body takes it from the path. */
export interface ServiceEventImport extends ServiceEventInput {
  readonly orderId: string;
}

export interface ServiceEventChanges {
  readonly to?: number | null;
  readonly note?: string;
}

/** Ids the company gives orders and payments: they appear in URL paths, so no `/`, `?` or spaces. */
export const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const EXTERNAL_ID_MESSAGE =
  "must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit";

const MAX_NAME = 200;
const MAX_REF = 200;
const MAX_NOTE = 4000;
/** Instants the database stores (toDbInstant): years 0000-9999 in UTC. */
const MIN_MS = Date.parse("0000-01-01T00:00:00.000Z");
const MAX_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** The order's fields: those of the case format (one declaration, core/policy/case-format.ts). */
export const ORDER_KEYS: ReadonlySet<string> = new Set(keysOf(ORDER_FORMAT.fields));
export const ORDER_CHANGE_KEYS: ReadonlySet<string> = new Set([
  "expectedVersion",
  "promisedStartBy",
  "promisedDeliveryBy",
  "startedAt",
  "deliveredAt",
  "subscription",
]);
const SERVICE_KEYS: ReadonlySet<string> = new Set(keysOf(SERVICE_FORMAT.fields));
const SUBSCRIPTION_KEYS: ReadonlySet<string> = new Set(keysOf(SUBSCRIPTION_FORMAT.fields));
export const PAYMENT_KEYS: ReadonlySet<string> = new Set([
  "id",
  "orderId",
  "chargeRef",
  "amount",
  "method",
  "capturedAt",
  "providerRef",
]);
export const EVENT_KEYS: ReadonlySet<string> = new Set(["kind", "from", "to", "note"]);
export const EVENT_IMPORT_KEYS: ReadonlySet<string> = new Set([...EVENT_KEYS, "orderId"]);
const EVENT_CHANGE_KEYS: ReadonlySet<string> = new Set(["to", "note"]);

function run<T>(fn: () => T): Result<T, FieldError> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { path: e.path, message: e.message } };
    throw e;
  }
}

/** PostgreSQL text cannot hold NUL; refused here rather than failing in the database. */
function noNul(s: string, key: string, at: string): string {
  if (s.includes("\u0000")) throw new Invalid(child(at, key), "must not contain NUL characters");
  return s;
}

/** A required reference to another record (clientId, orderId). */
function ref(o: Obj, key: string, at: string): string {
  return noNul(nonBlankField(o, key, at), key, at);
}

function externalId(o: Obj, key: string, at: string): string {
  const s = nonBlankField(o, key, at);
  if (!EXTERNAL_ID.test(s)) throw new Invalid(child(at, key), EXTERNAL_ID_MESSAGE);
  return s;
}

function text(o: Obj, key: string, at: string, max: number): string {
  const s = noNul(nonBlankField(o, key, at), key, at);
  if (s.length > max) throw new Invalid(child(at, key), `must be at most ${max} characters`);
  return s;
}

function optText(o: Obj, key: string, at: string, max: number): string | null {
  if (o[key] === null || o[key] === undefined) return null;
  return text(o, key, at, max);
}

function inRange(ms: number, key: string, at: string): number {
  if (ms < MIN_MS || ms > MAX_MS) {
    throw new Invalid(child(at, key), "must be between the years 0000 and 9999 in UTC");
  }
  return ms;
}

function instant(o: Obj, key: string, at: string): number {
  return inRange(instantField(o, key, at), key, at);
}

function optInstant(o: Obj, key: string, at: string): number | null {
  const ms = optInstantField(o, key, at);
  return ms === null ? null : inRange(ms, key, at);
}

function subscription(o: Obj, at: string): Subscription {
  const path = child(at, "subscription");
  const s = objField(o, "subscription", at, SUBSCRIPTION_KEYS);
  const periodStart = instant(s, "periodStart", path);
  const periodEnd = instant(s, "periodEnd", path);
  if (periodEnd <= periodStart) throw new Invalid(`${path}.periodEnd`, "must be after periodStart");
  return { periodStart, periodEnd, chargeRef: text(s, "chargeRef", path, MAX_REF) };
}

/** A subscription must be present exactly when the billing is "subscription" (as in the engine). */
export function checkSubscription(
  billing: Billing,
  sub: Subscription | null,
  at: string,
): Result<null, FieldError> {
  return run(() => {
    if (sub !== null && billing !== "subscription") {
      throw new Invalid(child(at, "subscription"), 'is only for billing "subscription"; use null');
    }
    if (sub === null && billing === "subscription") {
      throw new Invalid(
        child(at, "subscription"),
        "is required for a subscription (the current period)",
      );
    }
    return null;
  });
}

/** Validates a new order. */
export function parseOrderInput(raw: unknown, at: string): Result<OrderFacts, FieldError> {
  return run(() => {
    const o = asObj(raw, at);
    onlyKeys(o, ORDER_KEYS, at);
    const id = externalId(o, "id", at);
    const clientId = ref(o, "clientId", at);
    const sPath = child(at, "service");
    const s = objField(o, "service", at, SERVICE_KEYS);
    const service = {
      name: text(s, "name", sPath, MAX_NAME),
      category: enumField(s, "category", sPath, CATEGORIES),
      billing: enumField(s, "billing", sPath, BILLINGS),
    };
    const price = moneyField(o, "price", at);
    if (price.minor < 0n) throw new Invalid(`${child(at, "price")}.amount`, "must not be negative");
    const placedAt = instant(o, "placedAt", at);
    const promisedStartBy = optInstant(o, "promisedStartBy", at);
    const promisedDeliveryBy = optInstant(o, "promisedDeliveryBy", at);
    const startedAt = optInstant(o, "startedAt", at);
    const deliveredAt = optInstant(o, "deliveredAt", at);
    const sub = o["subscription"] == null ? null : subscription(o, at);
    const checked = checkSubscription(service.billing, sub, at);
    if (!checked.ok) throw new Invalid(checked.error.path, checked.error.message);
    return {
      id,
      clientId,
      service,
      price,
      placedAt,
      promisedStartBy,
      promisedDeliveryBy,
      startedAt,
      deliveredAt,
      subscription: sub,
    };
  });
}

/** Validates a change of an order's facts: `expectedVersion` and at least one fact. */
export function parseOrderChanges(raw: unknown, at: string): Result<OrderChanges, FieldError> {
  return run(() => {
    const o = asObj(raw, at);
    onlyKeys(o, ORDER_CHANGE_KEYS, at);
    const expectedVersion = int(o["expectedVersion"], child(at, "expectedVersion"), 0, 2 ** 31);
    const changes: {
      -readonly [K in keyof OrderChanges]: OrderChanges[K];
    } = { expectedVersion };
    for (const key of [
      "promisedStartBy",
      "promisedDeliveryBy",
      "startedAt",
      "deliveredAt",
    ] as const) {
      if (key in o) changes[key] = optInstant(o, key, at);
    }
    if ("subscription" in o) {
      changes.subscription = o["subscription"] === null ? null : subscription(o, at);
    }
    if (Object.keys(changes).length === 1) {
      throw new Invalid(at || "(root)", "names no fact to change");
    }
    return changes;
  });
}

/** Validates a payment. */
export function parsePaymentInput(raw: unknown, at: string): Result<PaymentInput, FieldError> {
  return run(() => {
    const o = asObj(raw, at);
    onlyKeys(o, PAYMENT_KEYS, at);
    const id = o["id"] === null || o["id"] === undefined ? null : externalId(o, "id", at);
    const orderId = ref(o, "orderId", at);
    const chargeRef = text(o, "chargeRef", at, MAX_REF);
    const amount = moneyField(o, "amount", at);
    if (amount.minor <= 0n) {
      throw new Invalid(`${child(at, "amount")}.amount`, "must be greater than 0");
    }
    return {
      id,
      orderId,
      chargeRef,
      amount,
      method: enumField(o, "method", at, PAYMENT_METHODS),
      capturedAt: instant(o, "capturedAt", at),
      providerRef: optText(o, "providerRef", at, MAX_REF),
    };
  });
}

function eventFields(o: Obj, at: string): ServiceEventInput {
  const kind = enumField(o, "kind", at, EVENT_KINDS);
  const from = instant(o, "from", at);
  const to = optInstant(o, "to", at);
  if (to !== null && to < from) throw new Invalid(child(at, "to"), "must not be before from");
  return { kind, from, to, note: text(o, "note", at, MAX_NOTE) };
}

/** Validates a service event posted under its order. */
export function parseServiceEventInput(
  raw: unknown,
  at: string,
): Result<ServiceEventInput, FieldError> {
  return run(() => {
    const o = asObj(raw, at);
    onlyKeys(o, EVENT_KEYS, at);
    return eventFields(o, at);
  });
}

/** Validates an imported service event (it names its order). */
export function parseServiceEventImport(
  raw: unknown,
  at: string,
): Result<ServiceEventImport, FieldError> {
  return run(() => {
    const o = asObj(raw, at);
    onlyKeys(o, EVENT_IMPORT_KEYS, at);
    const orderId = ref(o, "orderId", at);
    return { orderId, ...eventFields(o, at) };
  });
}

/** Validates a change of a service event: its end (`to`, null = ongoing again) and/or its note. */
export function parseServiceEventChanges(
  raw: unknown,
  at: string,
): Result<ServiceEventChanges, FieldError> {
  return run(() => {
    const o = asObj(raw, at);
    onlyKeys(o, EVENT_CHANGE_KEYS, at);
    const changes: { to?: number | null; note?: string } = {};
    if ("to" in o) changes.to = optInstant(o, "to", at);
    if ("note" in o) changes.note = text(o, "note", at, MAX_NOTE);
    if (Object.keys(changes).length === 0) throw new Invalid(at || "(root)", "names no change");
    return changes;
  });
}

/** A stored `to` must not be before `from` (checked against the stored `from` on change). */
export function checkEventSpan(from: number, to: number | null, at: string): FieldError | null {
  return to !== null && to < from
    ? { path: child(at, "to"), message: "must not be before from" }
    : null;
}
