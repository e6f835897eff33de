// Validation of order, payment and service-event input, shared by the HTTP routes and
// `refund-desk import`. It uses the engine's own field readers (src/core/policy/validate.ts), so a
// stored order passes exactly the checks a case's order does (decimal-string money in a known
// currency, instants with an offset, the closed enum lists, subscription iff billing is
// "subscription", periodEnd after periodStart, to not before from), plus what storage adds: ids
// that fit in a URL path, non-blank names, bounded lengths, instants inside the stored range.
// Errors carry the field's path below `at` ("body" for HTTP, "" for an import row). A new order,
// payment or service event is read field by field and answers EVERY problem it has (each field,
// each unknown key), so an import row lists all that is wrong with it at once; changes (PATCH
// bodies) stop at the first.

import { parseDecimal, parseMoney, type Money } from "../../core/money/money.js";
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

/**
 * Reads the fields of one value one by one and keeps every problem instead of stopping at the
 * first. A reader's value is `undefined` when the field is wrong (its problem is kept); `done`
 * answers the value only when nothing was wrong.
 */
class Fields {
  readonly errors: FieldError[] = [];

  /** The field's value, or undefined when it is wrong (the problem is kept). */
  read<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (e instanceof Invalid) {
        this.errors.push({ path: e.path, message: e.message });
        return undefined;
      }
      throw e;
    }
  }

  /**
   * A required field: null (an empty CSV cell) is "is required" like an absent key, rather than
   * "must be a string, got null"; otherwise `fn` reads it.
   */
  req<T>(o: Obj, key: string, at: string, fn: () => T): T | undefined {
    if (o[key] === null) {
      this.errors.push({ path: child(at, key), message: "is required" });
      return undefined;
    }
    return this.read(fn);
  }

  /** Keeps a problem for every key of `o` outside `allowed` (not only the first). */
  unknownKeys(o: Obj, allowed: ReadonlySet<string>, at: string): void {
    for (const k in o) {
      if (!allowed.has(k)) this.errors.push({ path: child(at, k), message: "unknown field" });
    }
  }

  /** The object at `o[key]` with every unknown key kept as a problem; undefined if no object. */
  obj(o: Obj, key: string, at: string, allowed: ReadonlySet<string>): Obj | undefined {
    const v = o[key];
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      return this.read(() => objField(o, key, at, allowed));
    }
    this.unknownKeys(v as Obj, allowed, child(at, key));
    return v as Obj;
  }

  /** The root object of the input with its unknown keys kept, or undefined (not an object). */
  root(raw: unknown, at: string, allowed: ReadonlySet<string>): Obj | undefined {
    const o = this.read(() => asObj(raw, at));
    if (o !== undefined) this.unknownKeys(o, allowed, at);
    return o;
  }

  /**
   * `{ amount, currency }` as exact Money. When both are wrong both are kept: an unknown currency
   * does not hide an amount that is no decimal at all.
   */
  money(o: Obj, key: string, at: string): Money | undefined {
    const v = o[key];
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      return this.read(() => moneyField(o, key, at));
    }
    const m = v as Obj;
    const path = child(at, key);
    this.unknownKeys(m, MONEY_KEYS, path);
    const r = parseMoney(m["amount"], m["currency"]);
    if (r.ok) return r.value;
    const amount = m["amount"];
    if (m["currency"] === undefined) {
      this.errors.push({ path: `${path}.currency`, message: "is required" });
    } else if (r.field === "currency") {
      this.errors.push({ path: `${path}.currency`, message: r.message });
    }
    if (amount === undefined) {
      this.errors.push({ path: `${path}.amount`, message: "is required" });
    } else if (r.field === "amount") {
      this.errors.push({ path: `${path}.amount`, message: r.message });
    } else if (typeof amount !== "string") {
      // The currency was wrong; the amount's own shape is still checked.
      const again = parseMoney(amount, "USD");
      if (!again.ok) this.errors.push({ path: `${path}.amount`, message: again.message });
    } else if (typeof parseDecimal(amount, 100) !== "bigint") {
      this.errors.push({ path: `${path}.amount`, message: `"${amount}" is not a decimal amount` });
    }
    return undefined;
  }

  /** `values` when nothing was wrong, else every problem kept. */
  done<R extends Record<string, unknown>>(
    values: R,
  ): Result<{ [K in keyof R]: Exclude<R[K], undefined> }, readonly FieldError[]> {
    if (this.errors.length > 0) return { ok: false, error: this.errors };
    return { ok: true, value: values as { [K in keyof R]: Exclude<R[K], undefined> } };
  }
}

const MONEY_KEYS: ReadonlySet<string> = new Set(["amount", "currency"]);

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

/** A subscription with every problem kept (undefined when any); null when absent or null. */
function subscriptionAll(f: Fields, o: Obj, at: string): Subscription | null | undefined {
  if (o["subscription"] === null || o["subscription"] === undefined) return null;
  const path = child(at, "subscription");
  const s = f.obj(o, "subscription", at, SUBSCRIPTION_KEYS);
  if (s === undefined) return undefined;
  const before = f.errors.length;
  const periodStart = f.req(s, "periodStart", path, () => instant(s, "periodStart", path));
  const periodEnd = f.req(s, "periodEnd", path, () => instant(s, "periodEnd", path));
  const chargeRef = f.req(s, "chargeRef", path, () => text(s, "chargeRef", path, MAX_REF));
  if (periodStart !== undefined && periodEnd !== undefined && periodEnd <= periodStart) {
    f.errors.push({ path: `${path}.periodEnd`, message: "must be after periodStart" });
  }
  if (f.errors.length > before) return undefined;
  return { periodStart: periodStart ?? 0, periodEnd: periodEnd ?? 0, chargeRef: chargeRef ?? "" };
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

/** Validates a new order, keeping every problem. */
export function parseOrderInput(
  raw: unknown,
  at: string,
): Result<OrderFacts, readonly FieldError[]> {
  const f = new Fields();
  const o = f.root(raw, at, ORDER_KEYS);
  if (o === undefined) return { ok: false, error: f.errors };
  const id = f.req(o, "id", at, () => externalId(o, "id", at));
  const clientId = f.req(o, "clientId", at, () => ref(o, "clientId", at));
  const sPath = child(at, "service");
  const s = f.obj(o, "service", at, SERVICE_KEYS);
  const name =
    s === undefined ? undefined : f.req(s, "name", sPath, () => text(s, "name", sPath, MAX_NAME));
  const category =
    s === undefined
      ? undefined
      : f.req(s, "category", sPath, () => enumField(s, "category", sPath, CATEGORIES));
  const billing =
    s === undefined
      ? undefined
      : f.req(s, "billing", sPath, () => enumField(s, "billing", sPath, BILLINGS));
  const price = f.money(o, "price", at);
  if (price !== undefined && price.minor < 0n) {
    f.errors.push({ path: `${child(at, "price")}.amount`, message: "must not be negative" });
  }
  const placedAt = f.req(o, "placedAt", at, () => instant(o, "placedAt", at));
  const promisedStartBy = f.read(() => optInstant(o, "promisedStartBy", at));
  const promisedDeliveryBy = f.read(() => optInstant(o, "promisedDeliveryBy", at));
  const startedAt = f.read(() => optInstant(o, "startedAt", at));
  const deliveredAt = f.read(() => optInstant(o, "deliveredAt", at));
  const subscription = subscriptionAll(f, o, at);
  if (billing !== undefined && subscription !== undefined) {
    const checked = checkSubscription(billing, subscription, at);
    if (!checked.ok) f.errors.push(checked.error);
  }
  const service =
    name === undefined || category === undefined || billing === undefined
      ? undefined
      : { name, category, billing };
  return f.done({
    id,
    clientId,
    service,
    price,
    placedAt,
    promisedStartBy,
    promisedDeliveryBy,
    startedAt,
    deliveredAt,
    subscription,
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

/** Validates a payment, keeping every problem. */
export function parsePaymentInput(
  raw: unknown,
  at: string,
): Result<PaymentInput, readonly FieldError[]> {
  const f = new Fields();
  const o = f.root(raw, at, PAYMENT_KEYS);
  if (o === undefined) return { ok: false, error: f.errors };
  const id = f.read(() =>
    o["id"] === null || o["id"] === undefined ? null : externalId(o, "id", at),
  );
  const orderId = f.req(o, "orderId", at, () => ref(o, "orderId", at));
  const chargeRef = f.req(o, "chargeRef", at, () => text(o, "chargeRef", at, MAX_REF));
  const amount = f.money(o, "amount", at);
  if (amount !== undefined && amount.minor <= 0n) {
    f.errors.push({ path: `${child(at, "amount")}.amount`, message: "must be greater than 0" });
  }
  return f.done({
    id,
    orderId,
    chargeRef,
    amount,
    method: f.req(o, "method", at, () => enumField(o, "method", at, PAYMENT_METHODS)),
    capturedAt: f.req(o, "capturedAt", at, () => instant(o, "capturedAt", at)),
    providerRef: f.read(() => optText(o, "providerRef", at, MAX_REF)),
  });
}

/** A service event's own fields, every problem kept. */
function eventFieldsAll(f: Fields, o: Obj, at: string) {
  const kind = f.req(o, "kind", at, () => enumField(o, "kind", at, EVENT_KINDS));
  const from = f.req(o, "from", at, () => instant(o, "from", at));
  const to = f.read(() => optInstant(o, "to", at));
  if (from !== undefined && to !== undefined && to !== null && to < from) {
    f.errors.push({ path: child(at, "to"), message: "must not be before from" });
  }
  return { kind, from, to, note: f.req(o, "note", at, () => text(o, "note", at, MAX_NOTE)) };
}

/** Validates a service event posted under its order, keeping every problem. */
export function parseServiceEventInput(
  raw: unknown,
  at: string,
): Result<ServiceEventInput, readonly FieldError[]> {
  const f = new Fields();
  const o = f.root(raw, at, EVENT_KEYS);
  if (o === undefined) return { ok: false, error: f.errors };
  return f.done(eventFieldsAll(f, o, at));
}

/** Validates an imported service event (it names its order), keeping every problem. */
export function parseServiceEventImport(
  raw: unknown,
  at: string,
): Result<ServiceEventImport, readonly FieldError[]> {
  const f = new Fields();
  const o = f.root(raw, at, EVENT_IMPORT_KEYS);
  if (o === undefined) return { ok: false, error: f.errors };
  const orderId = f.req(o, "orderId", at, () => ref(o, "orderId", at));
  return f.done({ orderId, ...eventFieldsAll(f, o, at) });
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
