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
        return `[${(value as readonly JsonValue[]).map(canonicalJson).join(",")}]`;
      }
      const obj = value as { readonly [key: string]: JsonValue };
      const keys = Object.keys(obj).sort();
      const parts: string[] = [];
      for (const key of keys) {
        const v = obj[key];
        if (v === undefined) continue; // as JSON.stringify does: an absent key
        parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
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
