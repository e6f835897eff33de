// The short reference people quote (e-mails, phone calls): `REQ-` and the first 8 hex digits of
// the request id's UUID, upper-cased.

const PREFIX = /^[a-z0-9]+_/;

/** True for an ASCII hex digit's code unit. */
function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * `REQ-1A2B3C4D` for `req_1a2b3c4d-...`: the first 8 hex digits after the type prefix (the id
 * itself when it has none). Every read of a request makes one: one pass, no regular-expression
 * replace over the whole id.
 */
export function shortRef(requestId: string): string {
  let hex = "";
  for (let i = PREFIX.exec(requestId)?.[0].length ?? 0; i < requestId.length; i++) {
    if (isHexDigit(requestId.charCodeAt(i))) hex += requestId[i];
    if (hex.length === 8) break;
  }
  return `REQ-${(hex || requestId.slice(0, 8)).toUpperCase()}`;
}

/** The 8 lower-case hex digits of a reference (`REQ-1a2b3c4d`, any case), or null if malformed. */
export function parseShortRef(reference: string): string | null {
  const m = /^REQ-([0-9a-fA-F]{8})$/i.exec(reference.trim());
  return m === null ? null : (m[1] ?? "").toLowerCase();
}
