import { parseInstant } from "../calendar/instant.js";
import { currencyExponent } from "../money/currencies.js";
import { parseDecimal, parseMoney, type Money } from "../money/money.js";
import { notBlank } from "../text/white-space.js";

// Hand-written validation for the engine's input: fast enough to run on every evaluation and exact
// about where the input is wrong. Readers take the parent object, the key and the parent's path, so
// a field's path is only spelled out when it is wrong. They throw `Invalid`, which the entry points
// turn into an `InputError` value; nothing outside this folder sees the exception.

/** Thrown by the validators; caught at the engine's entry points. */
export class Invalid extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.path = path === "" ? "(root)" : path;
  }
}

/** A JSON object as the validators see it. */
export type Obj = Record<string, unknown>;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * `parent.key`, `parent[3]` for a list index, or `parent["odd key"]` for keys that are not
 * identifiers; the empty key is the parent itself (the root of a document is "").
 */
export function child(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (key === "") return parent;
  if (IDENT.test(key)) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** The JSON type of a value, for messages ("a string", "null", "an array"). */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return "a string";
  return `a ${typeof v}`;
}

/** A plain JSON object, or Invalid. */
export function asObj(v: unknown, path: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Invalid(path || "(root)", `must be an object, got ${describe(v)}`);
  }
  return v as Obj;
}

/** Refuses keys outside `allowed`; `key`, when given, is appended to `path` (only on error). */
export function onlyKeys(o: Obj, allowed: ReadonlySet<string>, path: string, key?: string): void {
  for (const k in o) {
    if (!allowed.has(k)) {
      throw new Invalid(child(key === undefined ? path : child(path, key), k), "unknown field");
    }
  }
}

// Value readers: the caller reads the property itself (`o.placedAt`), so each read site stays
// monomorphic for V8; the parent path and key are only joined into a path on error.

function fail(v: unknown, at: string, key: string, expected: string): never {
  throw new Invalid(
    child(at, key),
    v === undefined ? "is required" : `must be ${expected}, got ${describe(v)}`,
  );
}

/** A required object, checked for unknown keys. */
export function objVal(v: unknown, at: string, key: string, allowed: ReadonlySet<string>): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(v, at, key, "an object");
  onlyKeys(v as Obj, allowed, at, key);
  return v as Obj;
}

/** A required string (possibly empty). */
export function strVal(v: unknown, at: string, key: string): string {
  if (typeof v !== "string") fail(v, at, key, "a string");
  return v as string;
}

/** A string, or null when null or absent. */
export function optStrVal(v: unknown, at: string, key: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") fail(v, at, key, "a string or null");
  return v as string;
}

/** A required string with at least one non-blank character. */
export function nonBlankVal(v: unknown, at: string, key: string): string {
  const s = strVal(v, at, key);
  if (!notBlank(s)) throw new Invalid(child(at, key), "must not be empty");
  return s;
}

/** A required value from a fixed list of strings. */
export function enumVal<T extends string>(
  v: unknown,
  allowed: readonly T[],
  at: string,
  key: string,
): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  return oneOf(v, allowed, child(at, key));
}

function badInstant(v: unknown, at: string, key: string): never {
  if (typeof v !== "string") fail(v, at, key, "an ISO 8601 timestamp string");
  throw new Invalid(
    child(at, key),
    `"${v}" is not an ISO 8601 timestamp with an offset (e.g. 2026-02-01T10:00:00Z or 2026-02-01T17:00:00+07:00)`,
  );
}

/** A required ISO 8601 instant with an offset, as epoch milliseconds. */
export function instantVal(v: unknown, at: string, key: string): number {
  const ms = typeof v === "string" ? parseInstant(v) : NaN;
  if (Number.isNaN(ms)) badInstant(v, at, key);
  return ms;
}

/** An instant, or null when null or absent. */
export function optInstantVal(v: unknown, at: string, key: string): number | null {
  if (v === null || v === undefined) return null;
  const ms = typeof v === "string" ? parseInstant(v) : NaN;
  if (Number.isNaN(ms)) badInstant(v, at, key);
  return ms;
}

/** A required `{ "amount": "<decimal string>", "currency": "<code>" }` as exact Money. */
export function moneyVal(v: unknown, at: string, key: string): Money {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(v, at, key, "an object");
  const m = v as Obj;
  const currency = m.currency;
  const amount = m.amount;
  // Fast path for the common, valid case; parseMoney explains what is wrong otherwise.
  if (typeof currency === "string" && typeof amount === "string") {
    for (const k in m) {
      if (k !== "amount" && k !== "currency") {
        throw new Invalid(child(child(at, key), k), "unknown field");
      }
    }
    const exp = currencyExponent(currency);
    if (exp !== undefined) {
      const minor = parseDecimal(amount, exp);
      if (typeof minor === "bigint") return { minor, currency };
    }
  }
  onlyKeys(m, MONEY_KEYS, at, key);
  if (amount === undefined || currency === undefined) {
    throw new Invalid(
      `${child(at, key)}.${amount === undefined ? "amount" : "currency"}`,
      "is required",
    );
  }
  const r = parseMoney(amount, currency);
  if (!r.ok) throw new Invalid(`${child(at, key)}.${r.field}`, r.message);
  return r.value;
}

const MONEY_KEYS: ReadonlySet<string> = new Set(["amount", "currency"]);

// Field readers (`o[key]`) for callers outside the engine's hot path.

/** A required object field, checked for unknown keys. */
export function objField(o: Obj, key: string, at: string, allowed: ReadonlySet<string>): Obj {
  return objVal(o[key], at, key, allowed);
}

/** A required string field (possibly empty). */
export function strField(o: Obj, key: string, at: string): string {
  return strVal(o[key], at, key);
}

/** A string field, or null when null or absent. */
export function optStrField(o: Obj, key: string, at: string): string | null {
  return optStrVal(o[key], at, key);
}

/** A required string field with at least one non-blank character. */
export function nonBlankField(o: Obj, key: string, at: string): string {
  return nonBlankVal(o[key], at, key);
}

/** A value that must be one of a fixed list of strings. */
export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Invalid(
    path,
    v === undefined
      ? "is required"
      : typeof v === "string"
        ? `unknown value "${v}"; expected one of ${allowed.join(", ")}`
        : `must be one of ${allowed.join(", ")}, got ${describe(v)}`,
  );
}

/** A required field that must be one of a fixed list of strings. */
export function enumField<T extends string>(
  o: Obj,
  key: string,
  at: string,
  allowed: readonly T[],
): T {
  return enumVal(o[key], allowed, at, key);
}

/** An integer within bounds. */
export function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new Invalid(path, `must be an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) throw new Invalid(path, `must be between ${min} and ${max}`);
  return v;
}

/** A required ISO 8601 instant field with an offset, as epoch milliseconds. */
export function instantField(o: Obj, key: string, at: string): number {
  return instantVal(o[key], at, key);
}

/** An instant field, or null when null or absent. */
export function optInstantField(o: Obj, key: string, at: string): number | null {
  return optInstantVal(o[key], at, key);
}

/** A required money field as exact Money. */
export function moneyField(o: Obj, key: string, at: string): Money {
  return moneyVal(o[key], at, key);
}

/** An array. */
export function arr(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new Invalid(path, `must be an array, got ${describe(v)}`);
  return v;
}
