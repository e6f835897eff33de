// The case's wire format, declared once: each object is a table of its fields, and each field is a
// reader (JSON value -> typed value, or a `Refusal` saying what is wrong) paired with the JSON
// Schema of what it accepts. From a table follow the object's key check (a key not in the table is
// an unknown field), its error paths (the table's keys, put in front of a refusal on the way out), its TypeScript type (`Read<typeof ...>`)
// and its JSON Schema (the HTTP layer builds its order schemas from these, adding only
// documentation and storage limits). Fields are read in the table's order, so the first error
// reported is that of the first wrong field in that order.

import { parseExactInstant, type ExactInstant } from "../calendar/instant.js";
import { currencyExponent } from "../money/currencies.js";
import { parseDecimal, parseMoney, type Money } from "../money/money.js";
import { notBlank } from "../text/white-space.js";
import { BILLINGS, CATEGORIES, EVENT_KINDS, PAYMENT_METHODS, REASONS } from "./types.js";
import { child, describe, Invalid } from "./validate.js";

/** One step of a path: an object's key or a list's index. */
export type Step = string | number;

/** The text of a path: `order.price.amount`, `payments[0]`, "" for the root. */
export function pathText(steps: readonly Step[], from = ""): string {
  return steps.reduce<string>(child, from);
}

/**
 * A reader's refusal of a value. `steps` lead from the value the reader was given to the part
 * that is wrong ([] for the value itself); each object and list that encloses the value puts its
 * key in front on the way out, so reading a valid case builds no paths at all.
 */
export class Refusal extends Error {
  constructor(
    readonly steps: Step[],
    message: string,
  ) {
    super(message);
  }
}

/** `e` with `step` put in front of its path when it is a `Refusal`; any other error as it is. */
function under(step: Step, e: unknown): unknown {
  if (e instanceof Refusal) e.steps.unshift(step);
  return e;
}

/** Reads `v` with `field`, turning a refusal into `Invalid` at `path` (the value's own path). */
export function readAt<T>(field: Field<T>, v: unknown, path: string): T {
  try {
    return field.read(v);
  } catch (e) {
    if (e instanceof Refusal) throw new Invalid(pathText(e.steps, path), e.message);
    throw e;
  }
}

/** A JSON Schema fragment (what the HTTP layer validates with and documents). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * One field of the format: `read` takes the raw value (undefined when absent) and returns it
 * typed, or throws a `Refusal` saying what is wrong with it.
 */
export interface Field<T> {
  readonly read: (v: unknown) => T;
  readonly schema: JsonSchema;
  /** True when the field may be left out of its object. */
  readonly optional: boolean;
  /** For `nullable(f)`: `f`, which a table's reader calls itself for a value that is not null. */
  readonly orNull?: Field<unknown>;
  /** For an object: its table's reader, which an enclosing table's reader calls itself. */
  readonly readObject?: (o: JsonObject) => T;
}

/** A table of fields: one object of the format. */
export type Fields<F> = { readonly [K in keyof F]: Field<unknown> };

/** The typed value a table reads to. */
export type Read<F extends Fields<F>> = {
  readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never;
};

/** A refusal of a value of the wrong JSON type: "is required" when absent. */
function wrongType(v: unknown, expected: string): Refusal {
  return new Refusal(
    [],
    v === undefined ? "is required" : `must be ${expected}, got ${describe(v)}`,
  );
}

// ---- leaf fields ---------------------------------------------------------------------------------

/** A string, possibly empty or blank. */
export const text: Field<string> = {
  read(v) {
    if (typeof v === "string") return v;
    throw wrongType(v, "a string");
  },
  schema: { type: "string" },
  optional: false,
};

/** A string with at least one character that is not white space. */
export const nonBlank: Field<string> = {
  read(v) {
    const s = text.read(v);
    if (notBlank(s)) return s;
    throw new Refusal([], "must not be empty");
  },
  schema: { type: "string", minLength: 1 },
  optional: false,
};

/** A refusal of a value that is none of `values`. */
function notOneOf(v: unknown, values: readonly string[]): Refusal {
  return new Refusal(
    [],
    v === undefined
      ? "is required"
      : typeof v === "string"
        ? `unknown value "${v}"; expected one of ${values.join(", ")}`
        : `must be one of ${values.join(", ")}, got ${describe(v)}`,
  );
}

/**
 * One of a fixed list of strings, read as the list's own string. A string from `JSON.parse` is a
 * fresh copy: looking it up in a `Set` hashes it, and every later `===` with a constant compares it
 * character by character. The list's strings are constants, which compare by reference; the lists
 * are short (at most five values), so a scan costs less than the hash.
 */
export function oneOf<T extends string>(values: readonly T[]): Field<T> {
  return {
    read(v) {
      for (const value of values) if (v === value) return value;
      throw notOneOf(v, values);
    },
    schema: { type: "string", enum: [...values] },
    optional: false,
  };
}

/** An ISO 8601 instant with an offset, every fractional digit kept. */
export const instant: Field<ExactInstant> = {
  read(v) {
    if (typeof v !== "string") throw wrongType(v, "an ISO 8601 timestamp string");
    const t = parseExactInstant(v);
    if (t !== null) return t;
    throw new Refusal(
      [],
      `"${v}" is not an ISO 8601 timestamp with an offset (e.g. 2026-02-01T10:00:00Z or 2026-02-01T17:00:00+07:00)`,
    );
  },
  schema: { type: "string" },
  optional: false,
};

/** An integer between `min` and `max`. */
export function count(min: number, max: number): Field<number> {
  return {
    read(v) {
      if (typeof v !== "number" || !Number.isInteger(v)) {
        throw new Refusal([], `must be an integer, got ${describe(v)}`);
      }
      if (v < min || v > max) throw new Refusal([], `must be between ${min} and ${max}`);
      return v;
    },
    schema: { type: "integer", minimum: min, maximum: max },
    optional: false,
  };
}

const MONEY_KEYS = ["amount", "currency"] as const;

/** `{ "amount": "<decimal string>", "currency": "<code>" }` as exact Money. */
export const money: Field<Money> = {
  read(v) {
    const o = jsonObject(v);
    for (const k in o) {
      if (k !== "amount" && k !== "currency") throw new Refusal([k], "unknown field");
    }
    const { amount, currency } = o;
    if (typeof amount === "string" && typeof currency === "string") {
      const exp = currencyExponent(currency);
      const minor = exp === undefined ? undefined : parseDecimal(amount, exp);
      if (typeof minor === "bigint") return { minor, currency };
    }
    throw badMoney(amount, currency);
  },
  schema: {
    type: "object",
    additionalProperties: false,
    required: [...MONEY_KEYS],
    properties: { amount: { type: "string" }, currency: { type: "string" } },
  },
  optional: false,
};

/** What is wrong with a money object's amount or currency. */
function badMoney(amount: unknown, currency: unknown): Refusal {
  // Said before parseMoney, which would report the amount of a missing currency as unknown.
  if (currency === undefined || amount === undefined) {
    return new Refusal([amount === undefined ? "amount" : "currency"], "is required");
  }
  const r = parseMoney(amount, currency);
  if (r.ok) throw new Error("badMoney called on valid money");
  return new Refusal([r.field], r.message);
}

// ---- combinators ---------------------------------------------------------------------------------

type JsonObject = { readonly [key: string]: unknown };

/** `v` as a JSON object, or a refusal. */
function jsonObject(v: unknown): JsonObject {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as JsonObject;
  throw wrongType(v, "an object");
}

/** `field`, or null when the value is null or absent. */
export function nullable<T>(field: Field<T>): Field<T | null> {
  return {
    read: (v) => (v === null || v === undefined ? null : field.read(v)),
    schema: { ...field.schema, type: [field.schema.type, "null"] },
    optional: true,
    orNull: field,
  };
}

/** `field`, or `fallback` when the value is absent. */
export function withDefault<T>(field: Field<T>, fallback: T): Field<T> {
  return {
    read: (v) => (v === undefined ? fallback : field.read(v)),
    schema: field.schema,
    optional: true,
  };
}

/** A JSON array of `item`s; an absent list is empty. */
export function listOf<T>(item: Field<T>): Field<readonly T[]> {
  return {
    read(v) {
      if (v === undefined) return [];
      if (!Array.isArray(v)) throw new Refusal([], `must be an array, got ${describe(v)}`);
      // At its final size: an empty array's first push reserves room for 17 items.
      const out = new Array<T>(v.length);
      let i = 0;
      try {
        for (; i < v.length; i++) out[i] = item.read(v[i]);
      } catch (e) {
        throw under(i, e);
      }
      return out;
    },
    schema: { type: "array", items: item.schema },
    optional: true,
  };
}

/** The names of a table's fields, in the table's order. */
export function keysOf<F extends Fields<F>>(fields: F): readonly Extract<keyof F, string>[] {
  const keys: Extract<keyof F, string>[] = [];
  for (const k in fields) keys.push(k);
  return keys;
}

/** `fn` of each field of a table, under the same keys. */
function mapFields<F extends Fields<F>, T>(
  fields: F,
  fn: (f: Field<unknown>) => T,
): { [K in keyof F]: T } {
  const out: Partial<{ [K in keyof F]: T }> = {};
  for (const k of keysOf(fields)) out[k] = fn(fields[k]);
  // Every key of the table was just set.
  return out as { [K in keyof F]: T };
}

/** The generated call that reads field `i` (`read<i>`) from `x`, and the function it calls. */
function fieldCall(field: Field<unknown>, i: number): { call: string; fn: unknown } {
  const inner = field.orNull ?? field;
  const call = inner.readObject === undefined ? `read${i}(x${i})` : `read${i}(jsonObject(x${i}))`;
  return {
    call:
      field.orNull === undefined ? call : `x${i} === null || x${i} === undefined ? null : ${call}`,
    fn: inner.readObject ?? inner.read,
  };
}

/**
 * The reader of a table's JSON objects, generated once per table. For
 * `{ id: nonBlank, placedAt: nullable(instant), price: money }` it is:
 *
 *     function readObject(o) {
 *       for (const key in o) if (!(key === "id" || key === "placedAt" || ...)) throw unknown(key);
 *       let at = "";
 *       try {
 *         at = "id"; const x0 = o["id"]; const v0 = read0(x0);
 *         at = "placedAt"; const x1 = o["placedAt"];
 *         const v1 = x1 === null || x1 === undefined ? null : read1(x1);
 *         at = "price"; const x2 = o["price"]; const v2 = read2(jsonObject(x2));
 *         return { "id": v0, "placedAt": v1, "price": v2 };
 *       } catch (e) {
 *         throw under(at, e);
 *       }
 *     }
 *
 * with `read0` the reader of `nonBlank`, `read1` that of `instant` (the null check is written out
 * here) and `read2` the table reader of an object field. Why generated: a loop over the table
 * reads the same, but V8 then shares one set of inline caches for every field of every table
 * (each key check, property access and reader call goes through its slowest, generic path);
 * written out, each field of each table has its own, as in a hand-written reader, from the one
 * declaration. It made reading a case about 60% faster (docs/performance.md). The keys are the
 * table's own (constants of this module), written as JSON string literals.
 */
function compileReader<F extends Fields<F>>(fields: F): (o: JsonObject) => Read<F> {
  const keys = keysOf(fields);
  const q = keys.map((k) => JSON.stringify(k));
  const calls = keys.map((k, i) => fieldCall(fields[k], i));
  const known = q.map((k) => `key === ${k}`).join(" || ");
  const reads = q.map(
    (k, i) => `at = ${k}; const x${i} = o[${k}]; const v${i} = ${calls[i]?.call};`,
  );
  const result = q.map((k, i) => `${k}: v${i}`).join(", ");
  const source = `return function readObject(o) {
    for (const key in o) if (!(${known})) throw unknown(key);
    let at = "";
    try {
      ${reads.join("\n")}
      return { ${result} };
    } catch (e) {
      throw under(at, e);
    }
  };`;
  const params = ["unknown", "under", "jsonObject", ...keys.map((_, i) => `read${i}`)];
  const unknown = (key: string): Refusal => new Refusal([key], "unknown field");
  // The generated function returns an object with exactly the table's keys, each from its own
  // field's reader: a Read<F>.
  const make = new Function(...params, source) as (
    ...args: unknown[]
  ) => (o: JsonObject) => Read<F>;
  return make(unknown, under, jsonObject, ...calls.map((c) => c.fn));
}

/** An object of the format: its table, and the JSON Schema of each of its fields. */
export interface ObjectField<F extends Fields<F>> extends Field<Read<F>> {
  readonly fields: F;
  readonly properties: { readonly [K in keyof F]: JsonSchema };
}

/** An object whose fields are those of the table, and no other. */
export function object<F extends Fields<F>>(fields: F): ObjectField<F> {
  const keys = keysOf(fields);
  const required = keys.filter((k) => !fields[k].optional);
  const properties = mapFields(fields, (f) => f.schema);
  const readObject = compileReader(fields);
  return {
    fields,
    properties,
    read: (v) => readObject(jsonObject(v)),
    readObject,
    schema: { type: "object", additionalProperties: false, required, properties },
    optional: false,
  };
}

// ---- the case --------------------------------------------------------------------------------------

export const CATEGORY = oneOf(CATEGORIES);
export const BILLING = oneOf(BILLINGS);
export const PAYMENT_METHOD = oneOf(PAYMENT_METHODS);
export const EVENT_KIND = oneOf(EVENT_KINDS);
export const REASON = oneOf(REASONS);

export const SERVICE_FORMAT = object({
  name: text,
  category: CATEGORY,
  billing: BILLING,
});

export const SUBSCRIPTION_FORMAT = object({
  periodStart: instant,
  periodEnd: instant,
  chargeRef: nonBlank,
});

/**
 * An order as the engine reads it. `id` may be blank here: an empty id is an incomplete request
 * (rule 1), not invalid input.
 */
export const ORDER_FORMAT = object({
  id: text,
  clientId: nullable(text),
  service: SERVICE_FORMAT,
  price: money,
  placedAt: instant,
  promisedStartBy: nullable(instant),
  promisedDeliveryBy: nullable(instant),
  startedAt: nullable(instant),
  deliveredAt: nullable(instant),
  subscription: nullable(SUBSCRIPTION_FORMAT),
});

export const PAYMENT_FORMAT = object({
  id: nonBlank,
  chargeRef: nonBlank,
  amount: money,
  method: PAYMENT_METHOD,
  capturedAt: instant,
});

export const EVENT_FORMAT = object({
  kind: EVENT_KIND,
  from: instant,
  to: nullable(instant),
  note: nullable(text),
});

export const REQUEST_FORMAT = object({
  reason: REASON,
  submittedAt: instant,
  description: text,
  attachments: withDefault(count(0, 10_000), 0),
});

/** The `policy` block, passed as it is to `overrideParams`, which knows the parameters. */
const policyOverrides: Field<unknown> = {
  read: (v) => v,
  schema: { type: "object" },
  optional: true,
};

/** A case. */
export const CASE_FORMAT = object({
  asOf: nullable(instant),
  policy: policyOverrides,
  order: ORDER_FORMAT,
  payments: listOf(PAYMENT_FORMAT),
  events: listOf(EVENT_FORMAT),
  request: REQUEST_FORMAT,
});
