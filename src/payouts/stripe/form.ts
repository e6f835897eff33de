// Stripe's request encoding: application/x-www-form-urlencoded with bracket notation for nested
// values (`metadata[payout_id]=p1`, `expand[0]=charge`, `expand[]=charge`). The stand-in parses
// it the way Stripe's API does so the official SDK can talk to it unchanged.

/** A decoded form value: a string, a list, or a hash (a null-prototype object). */
export type FormValue = string | FormValue[] | FormHash;
export interface FormHash {
  [key: string]: FormValue;
}

export class FormError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

function newHash(): FormHash {
  return Object.create(null) as FormHash;
}

/** Splits `a[b][0][]` into `["a", "b", "0", ""]`; `null` when the brackets do not pair up. */
function keyPath(key: string): string[] | null {
  const open = key.indexOf("[");
  if (open === -1) return [key];
  const path = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.length > 0) {
    const m = /^\[([^[\]]*)\]/.exec(rest);
    if (m === null) return null;
    path.push(m[1] ?? "");
    rest = rest.slice(m[0].length);
  }
  return path;
}

/** Parses a form body the way Stripe reads it. Throws `FormError` on a shape conflict. */
export function parseStripeForm(body: string): FormHash {
  const root = newHash();
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = keyPath(rawKey);
    if (path === null || path[0] === "") {
      throw new FormError(`Invalid parameter name: ${rawKey}`, rawKey);
    }
    let node: FormHash | FormValue[] = root;
    for (let i = 0; i < path.length; i += 1) {
      const seg = path[i] ?? "";
      const last = i === path.length - 1;
      const nextSeg = path[i + 1];
      const child: FormValue = last
        ? value
        : nextSeg === "" || /^\d+$/.test(nextSeg ?? "")
          ? []
          : newHash();
      if (Array.isArray(node)) {
        if (seg === "") {
          node.push(child);
          if (!last) node = child as FormHash | FormValue[];
          continue;
        }
        if (!/^\d+$/.test(seg)) throw new FormError(`Invalid array: ${rawKey}`, rawKey);
        const idx = Number(seg);
        if (idx > 1000) throw new FormError(`Array index too large: ${rawKey}`, rawKey);
        const existing: FormValue | undefined = node[idx];
        if (last) {
          if (existing !== undefined) throw new FormError(`Duplicate parameter: ${rawKey}`, rawKey);
          node[idx] = value;
        } else if (existing === undefined) {
          node[idx] = child;
          node = child as FormHash | FormValue[];
        } else if (typeof existing === "string") {
          throw new FormError(`Invalid hash: ${rawKey}`, rawKey);
        } else {
          node = existing;
        }
        continue;
      }
      if (seg === "") throw new FormError(`Invalid hash: ${rawKey}`, rawKey);
      const existing: FormValue | undefined = node[seg];
      if (last) {
        if (existing !== undefined) throw new FormError(`Duplicate parameter: ${rawKey}`, rawKey);
        node[seg] = value;
      } else if (existing === undefined) {
        node[seg] = child;
        node = child as FormHash | FormValue[];
      } else if (typeof existing === "string" || Array.isArray(existing) !== Array.isArray(child)) {
        throw new FormError(`Invalid hash: ${rawKey}`, rawKey);
      } else {
        node = existing;
      }
    }
  }
  return root;
}

/** A canonical text of a parsed form (keys sorted), for idempotency fingerprints. */
export function canonicalForm(value: FormValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalForm).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalForm(value[k] ?? "")}`).join(",")}}`;
}
