// Canonical JSON: one text for one value (sorted keys, no spaces), so a hash over it is stable.
// The audit chain hashes entries with it (src/db/audit.ts); the Idempotency-Key store fingerprints
// request bodies with it (src/http/idempotency.ts). Pure.

/** A JSON value as the audit summary accepts it (no undefined, bigint or non-finite numbers). */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * JSON with object keys sorted (by UTF-16 code units, recursively) and no whitespace: one text
 * for one value, so its hash is stable. For strings, integers and the usual decimals this is the
 * same text RFC 8785 (JCS) produces. Throws on values JSON cannot hold exactly.
 */
export function canonicalJson(value: JsonValue): string {
  // Most values arrive with their keys in order already (the summaries are written that way):
  // for those, JSON.stringify writes the same text natively, in one call.
  return inCanonicalOrder(value) ? JSON.stringify(value) : canonicalText(value);
}

/**
 * Whether JSON.stringify writes `value` exactly as canonicalText would: every object a plain one
 * (no toJSON, no prototype but Object's or none) with its keys in sorted order, every array a
 * dense one, every number finite, nothing JSON.stringify would drop or change (undefined in an
 * array, functions, symbols, bigints). Anything else takes canonicalText, which sorts or throws.
 */
function inCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !inCanonicalOrder(value[i])) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      let prev: string | undefined;
      // for...in on a plain object: its own enumerable keys, in Object.keys' (and stringify's) order.
      for (const key in value) {
        if (prev !== undefined && !(prev < key)) return false;
        prev = key;
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined && !inCanonicalOrder(v)) return false;
      }
      return true;
    }
    case "bigint":
    case "function":
    case "symbol":
    case "undefined":
      return false;
  }
}

/** canonicalJson by sorting each object's keys. */
function canonicalText(value: JsonValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalJson: non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        return `[${(value as readonly JsonValue[]).map(canonicalText).join(",")}]`;
      }
      const obj = value as { readonly [key: string]: JsonValue };
      const keys = Object.keys(obj).sort();
      const parts: string[] = [];
      for (const key of keys) {
        const v = obj[key];
        if (v === undefined) continue; // as JSON.stringify does: an absent key
        parts.push(`${JSON.stringify(key)}:${canonicalText(v)}`);
      }
      return `{${parts.join(",")}}`;
    }
    case "bigint":
    case "function":
    case "symbol":
    case "undefined":
      // Not in the JsonValue type, but callers may hand over anything at runtime.
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}
