// The case's wire format, declared once: each object is a table of its fields, and each field is a
// reader (JSON value -> typed value, or `Invalid` with the field's path) paired with the JSON
// Schema of what it accepts. From a table follow the object's key check (a key not in the table is
// an unknown field), its error paths (the table's keys), its TypeScript type (`Read<typeof ...>`)
// and its JSON Schema (the HTTP layer builds its order schemas from these, adding only
// documentation and storage limits). Fields are read in the table's order, so the first error
// reported is that of the first wrong field in that order.

import { parseExactInstant, type ExactInstant } from "../calendar/instant.js";
import { currencyExponent } from "../money/currencies.js";
import { parseDecimal, parseMoney, type Money } from "../money/money.js";
import { notBlank } from "../text/white-space.js";
import { BILLINGS, CATEGORIES, EVENT_KINDS, PAYMENT_METHODS, REASONS } from "./types.js";
import { child, describe, Invalid } from "./validate.js";

/**
 * Where a value sits in the document: a path text ("" for the root, "order.service") or a step
 * below another place. Readers pass steps down and spell a path out only for an error, so a valid
 * case builds no path strings.
 */
export type Path = string | { readonly up: Path; readonly key: string | number };

/** The text of the path of `key` below `at`: `order.price.amount`, `payments[0]`. */
export function pathText(at: Path, key: string | number): string {
  return child(typeof at === "string" ? at : pathText(at.up, at.key), key);
}

/** A JSON Schema fragment (what the HTTP layer validates with and documents). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * One field of the format: `read` takes the raw value of `parent[key]` (undefined when absent) and
 * returns it typed, or throws `Invalid` at `pathText(at, key)`.
 */
export interface Field<T> {
  readonly read: (v: unknown, at: Path, key: string | number) => T;
  readonly schema: JsonSchema;
  /** True when the field may be left out of its object. */
  readonly optional: boolean;
}

/** A table of fields: one object of the format. */
export type Fields<F> = { readonly [K in keyof F]: Field<unknown> };

/** The typed value a table reads to. */
export type Read<F extends Fields<F>> = {
  readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never;
};

/** Thrown for a value of the wrong JSON type: "is required" when absent. */
function wrongType(v: unknown, at: Path, key: string | number, expected: string): never {
  throw new Invalid(
    pathText(at, key),
    v === undefined ? "is required" : `must be ${expected}, got ${describe(v)}`,
  );
}

// ---- leaf fields ---------------------------------------------------------------------------------

/** A string, possibly empty or blank. */
export const text: Field<string> = {
  read(v, at, key) {
    if (typeof v === "string") return v;
    return wrongType(v, at, key, "a string");
  },
  schema: { type: "string" },
  optional: false,
};

/** A string with at least one character that is not white space. */
export const nonBlank: Field<string> = {
  read(v, at, key) {
    const s = text.read(v, at, key);
    if (notBlank(s)) return s;
    throw new Invalid(pathText(at, key), "must not be empty");
  },
  schema: { type: "string", minLength: 1 },
  optional: false,
};

/** One of a fixed list of strings. */
export function oneOf<T extends string>(values: readonly T[]): Field<T> {
  const allowed: ReadonlySet<string> = new Set(values);
  const isOne = (v: unknown): v is T => typeof v === "string" && allowed.has(v);
  return {
    read(v, at, key) {
      if (isOne(v)) return v;
      throw new Invalid(
        pathText(at, key),
        v === undefined
          ? "is required"
          : typeof v === "string"
            ? `unknown value "${v}"; expected one of ${values.join(", ")}`
            : `must be one of ${values.join(", ")}, got ${describe(v)}`,
      );
    },
    schema: { type: "string", enum: [...values] },
    optional: false,
  };
}

/** An ISO 8601 instant with an offset, every fractional digit kept. */
export const instant: Field<ExactInstant> = {
  read(v, at, key) {
    if (typeof v !== "string") return wrongType(v, at, key, "an ISO 8601 timestamp string");
    const t = parseExactInstant(v);
    if (t !== null) return t;
    throw new Invalid(
      pathText(at, key),
      `"${v}" is not an ISO 8601 timestamp with an offset (e.g. 2026-02-01T10:00:00Z or 2026-02-01T17:00:00+07:00)`,
    );
  },
  schema: { type: "string" },
  optional: false,
};

/** An integer between `min` and `max`. */
export function count(min: number, max: number): Field<number> {
  return {
    read(v, at, key) {
      if (typeof v !== "number" || !Number.isInteger(v)) {
        throw new Invalid(pathText(at, key), `must be an integer, got ${describe(v)}`);
      }
      if (v < min || v > max)
        throw new Invalid(pathText(at, key), `must be between ${min} and ${max}`);
      return v;
    },
    schema: { type: "integer", minimum: min, maximum: max },
    optional: false,
  };
}

const MONEY_KEYS = ["amount", "currency"] as const;

/** `{ "amount": "<decimal string>", "currency": "<code>" }` as exact Money. */
export const money: Field<Money> = {
  read(v, at, key) {
    const o = objectAt(v, at, key);
    for (const k in o) {
      if (k !== "amount" && k !== "currency") {
        throw new Invalid(pathText({ up: at, key }, k), "unknown field");
      }
    }
    const { amount, currency } = o;
    if (typeof amount === "string" && typeof currency === "string") {
      const exp = currencyExponent(currency);
      const minor = exp === undefined ? undefined : parseDecimal(amount, exp);
      if (typeof minor === "bigint") return { minor, currency };
    }
    return badMoney(amount, currency, pathText(at, key));
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
function badMoney(amount: unknown, currency: unknown, path: string): never {
  // Said before parseMoney, which would report the amount of a missing currency as unknown.
  if (currency === undefined || amount === undefined) {
    throw new Invalid(`${path}.${amount === undefined ? "amount" : "currency"}`, "is required");
  }
  const r = parseMoney(amount, currency);
  if (r.ok) throw new Error(`badMoney called on valid money at ${path}`);
  throw new Invalid(`${path}.${r.field}`, r.message);
}

// ---- combinators ---------------------------------------------------------------------------------

type JsonObject = { readonly [key: string]: unknown };

function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value of `parent[key]` as a JSON object, or `Invalid`. */
function objectAt(v: unknown, at: Path, key: string | number): JsonObject {
  if (isJsonObject(v)) return v;
  return wrongType(v, at, key, "an object");
}

/** `field`, or null when the value is null or absent. */
export function nullable<T>(field: Field<T>): Field<T | null> {
  return {
    read: (v, at, key) => (v === null || v === undefined ? null : field.read(v, at, key)),
    schema: { ...field.schema, type: [field.schema.type, "null"] },
    optional: true,
  };
}

/** `field`, or `fallback` when the value is absent. */
export function withDefault<T>(field: Field<T>, fallback: T): Field<T> {
  return {
    read: (v, at, key) => (v === undefined ? fallback : field.read(v, at, key)),
    schema: field.schema,
    optional: true,
  };
}

/** A JSON array of `item`s; an absent list is empty. */
export function listOf<T>(item: Field<T>): Field<readonly T[]> {
  return {
    read(v, at, key) {
      if (v === undefined) return [];
      if (!Array.isArray(v)) {
        throw new Invalid(pathText(at, key), `must be an array, got ${describe(v)}`);
      }
      const path = { up: at, key };
      const out: T[] = [];
      for (let i = 0; i < v.length; i++) out.push(item.read(v[i], path, i));
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

/** Builds the typed value of one table from a JSON object whose keys were checked. */
type Build<F extends Fields<F>> = (fields: F, o: JsonObject, path: Path) => Read<F>;

/**
 * The build function of a table: for `{ id: nonBlank, ... }` it is
 * `return { "id": fields["id"].read(o["id"], path, "id"), ... };`, made once per table.
 *
 * Why generated: a loop over the table (`for (const [k, f] of entries) out[k] = f.read(o[k], ...)`)
 * reads the same, but V8 shares one set of inline caches for all fields of all tables there, so
 * every property access and call goes through its slowest, generic path; it made reading a case
 * about 60% slower than this (docs/performance.md). Written out, each field gets its own access
 * and its own call, as in a hand-written reader, from the one declaration. The keys are the
 * table's own (constants of this module), written as JSON string literals.
 */
function compileBuild<F extends Fields<F>>(keys: readonly string[]): Build<F> {
  const body = keys.map((k) => {
    const q = JSON.stringify(k);
    return `${q}: fields[${q}].read(o[${q}], path, ${q})`;
  });
  // The generated function returns an object with exactly the table's keys, each from its own
  // field's reader: a Read<F>.
  return new Function("fields", "o", "path", `return { ${body.join(", ")} };`) as Build<F>;
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
  const build = compileBuild<F>(keys);
  return {
    fields,
    properties,
    read(v, at, key) {
      const o = objectAt(v, at, key);
      const path = { up: at, key };
      for (const k in o) {
        if (!Object.hasOwn(fields, k)) throw new Invalid(pathText(path, k), "unknown field");
      }
      return build(fields, o, path);
    },
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
