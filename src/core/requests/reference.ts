// The short reference people quote (e-mails, phone calls): `REQ-` and the first 8 hex digits of
// the request id's UUID, upper-cased.

/** `REQ-1A2B3C4D` for `req_1a2b3c4d-...`. */
export function shortRef(requestId: string): string {
  const hex = requestId.replace(/^[a-z0-9]+_/, "").replace(/[^0-9a-fA-F]/g, "");
  return `REQ-${(hex.slice(0, 8) || requestId.slice(0, 8)).toUpperCase()}`;
}

/** The 8 lower-case hex digits of a reference (`REQ-1a2b3c4d`, any case), or null if malformed. */
export function parseShortRef(reference: string): string | null {
  const m = /^REQ-([0-9a-fA-F]{8})$/i.exec(reference.trim());
  return m === null ? null : (m[1] ?? "").toLowerCase();
}
