import { parseInstant } from "../calendar/instant.js";
import { currencyExponent } from "../money/currencies.js";
import { parseDecimal, parseMoney, type Money } from "../money/money.js";

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
  }
}

/** A JSON object as the validators see it. */
export type Obj = Record<string, unknown>;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** `parent.key`, or `parent["odd key"]` for keys that are not identifiers. */
export function child(parent: string, key: string): string {
  if (IDENT.test(key)) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return "a string";
  return `a ${typeof v}`;
}

function wrongType(o: Obj, key: string, at: string, expected: string): never {
  const v = o[key];
  throw new Invalid(
    child(at, key),
    v === undefined ? "is required" : `must be ${expected}, got ${describe(v)}`,
  );
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

/** A required object field, checked for unknown keys. */
export function objField(o: Obj, key: string, at: string, allowed: ReadonlySet<string>): Obj {
  const v = o[key];
  if (typeof v !== "object" || v === null || Array.isArray(v)) wrongType(o, key, at, "an object");
  onlyKeys(v as Obj, allowed, at, key);
  return v as Obj;
}

/** A required string field (possibly empty). */
export function strField(o: Obj, key: string, at: string): string {
  const v = o[key];
  if (typeof v !== "string") wrongType(o, key, at, "a string");
  return v as string;
}

/** A string field, or null when null or absent. */
export function optStrField(o: Obj, key: string, at: string): string | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") wrongType(o, key, at, "a string or null");
  return v as string;
}

/** A required string field with at least one non-blank character. */
export function nonBlankField(o: Obj, key: string, at: string): string {
  const s = strField(o, key, at);
  if (s.trim() === "") throw new Invalid(child(at, key), "must not be empty");
  return s;
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
  const v = o[key];
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  return oneOf(v, allowed, child(at, key));
}

/** An integer within bounds. */
export function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new Invalid(path, `must be an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) throw new Invalid(path, `must be between ${min} and ${max}`);
  return v;
}

function badInstant(o: Obj, key: string, at: string): never {
  const v = o[key];
  if (typeof v !== "string") wrongType(o, key, at, "an ISO 8601 timestamp string");
  throw new Invalid(
    child(at, key),
    `"${v}" is not an ISO 8601 timestamp with an offset (e.g. 2026-02-01T10:00:00Z or 2026-02-01T17:00:00+07:00)`,
  );
}

/** A required ISO 8601 instant with an offset, as epoch milliseconds. */
export function instantField(o: Obj, key: string, at: string): number {
  const v = o[key];
  const ms = typeof v === "string" ? parseInstant(v) : NaN;
  if (Number.isNaN(ms)) badInstant(o, key, at);
  return ms;
}

/** An instant field, or null when null or absent. */
export function optInstantField(o: Obj, key: string, at: string): number | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  const ms = typeof v === "string" ? parseInstant(v) : NaN;
  if (Number.isNaN(ms)) badInstant(o, key, at);
  return ms;
}

/** A required `{ "amount": "<decimal string>", "currency": "<code>" }` field as exact Money. */
export function moneyField(o: Obj, key: string, at: string): Money {
  const v = o[key];
  if (typeof v !== "object" || v === null || Array.isArray(v)) wrongType(o, key, at, "an object");
  const m = v as Obj;
  let n = 0;
  for (const k in m) {
    if (k !== "amount" && k !== "currency")
      throw new Invalid(child(child(at, key), k), "unknown field");
    n++;
  }
  if (n !== 2) {
    const path = child(at, key);
    throw new Invalid(`${path}.${m.amount === undefined ? "amount" : "currency"}`, "is required");
  }
  // Fast path for the common, valid case; parseMoney explains what is wrong otherwise.
  const currency = m.currency;
  const amount = m.amount;
  if (typeof currency === "string" && typeof amount === "string") {
    const exp = currencyExponent(currency);
    if (exp !== undefined) {
      const minor = parseDecimal(amount, exp);
      if (typeof minor === "bigint") return { minor, currency };
    }
  }
  const r = parseMoney(amount, currency);
  if (!r.ok) throw new Invalid(`${child(at, key)}.${r.field}`, r.message);
  return r.value;
}

/** An array. */
export function arr(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new Invalid(path, `must be an array, got ${describe(v)}`);
  return v;
}
