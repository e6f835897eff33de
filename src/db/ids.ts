import { randomUUID } from "node:crypto";

const PREFIX = /^[a-z][a-z0-9]{0,11}$/;

/**
 * A server-made id: a short lower-case prefix naming the entity (`req`, `pay`, `po`...) and a
 * random UUID, e.g. `req_0b0e7c1e-8c5c-4d1e-9a3f-2f6c5d7e8a90`. Random, so ids reveal neither
 * volume nor order, and the prefix makes a misplaced id obvious in logs.
 */
export function newId(prefix: string): string {
  if (!PREFIX.test(prefix)) throw new RangeError(`invalid id prefix "${prefix}"`);
  return `${prefix}_${randomUUID()}`;
}
