import { parseInstant } from "../calendar/instant.js";
import { parseMoney, type Money } from "../money/money.js";

// Hand-written validation for the engine's input: fast enough to run on every evaluation and exact
// about where the input is wrong. Helpers throw `Invalid`, which the entry points turn into an
// `InputError` value; nothing outside this folder sees the exception.

/** Thrown by the validators; caught at the engine's entry points. */
export class Invalid extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

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

/** A plain JSON object, or Invalid. */
export function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Invalid(path || "(root)", `must be an object, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

/** Refuses keys outside `allowed`. */
export function onlyKeys(
  o: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: string,
): void {
  for (const k in o) {
    if (!allowed.has(k)) throw new Invalid(child(path, k), "unknown field");
  }
}

/** Refuses a missing (undefined) field. */
export function required(o: Record<string, unknown>, key: string, path: string): unknown {
  const v = o[key];
  if (v === undefined) throw new Invalid(child(path, key), "is required");
  return v;
}

/** A string (possibly empty). */
export function str(v: unknown, path: string): string {
  if (typeof v !== "string") throw new Invalid(path, `must be a string, got ${describe(v)}`);
  return v;
}

/** A string with at least one non-blank character. */
export function nonBlank(v: unknown, path: string): string {
  const s = str(v, path);
  if (s.trim() === "") throw new Invalid(path, "must not be empty");
  return s;
}

/** One of a fixed list of strings. */
export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Invalid(
    path,
    typeof v === "string"
      ? `unknown value "${v}"; expected one of ${allowed.join(", ")}`
      : `must be one of ${allowed.join(", ")}, got ${describe(v)}`,
  );
}

/** An integer within bounds. */
export function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new Invalid(path, `must be an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) throw new Invalid(path, `must be between ${min} and ${max}`);
  return v;
}

/** An ISO 8601 instant with an offset, as epoch milliseconds. */
export function instant(v: unknown, path: string): number {
  if (typeof v !== "string") {
    throw new Invalid(path, `must be an ISO 8601 timestamp string, got ${describe(v)}`);
  }
  const ms = parseInstant(v);
  if (Number.isNaN(ms)) {
    throw new Invalid(
      path,
      `"${v}" is not an ISO 8601 timestamp with an offset (e.g. 2026-02-01T10:00:00Z or 2026-02-01T17:00:00+07:00)`,
    );
  }
  return ms;
}

/** An instant, or null when the field is null or absent. */
export function optInstant(v: unknown, path: string): number | null {
  return v === null || v === undefined ? null : instant(v, path);
}

const MONEY_KEYS = new Set(["amount", "currency"]);

/** `{ "amount": "<decimal string>", "currency": "<code>" }` as exact Money. */
export function moneyField(v: unknown, path: string): Money {
  const o = obj(v, path);
  onlyKeys(o, MONEY_KEYS, path);
  const r = parseMoney(required(o, "amount", path), required(o, "currency", path));
  if (!r.ok) throw new Invalid(`${path}.${r.field}`, r.message);
  return r.value;
}

/** An array. */
export function arr(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new Invalid(path, `must be an array, got ${describe(v)}`);
  return v;
}
