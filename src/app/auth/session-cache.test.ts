import { describe, expect, it } from "vitest";
import { manualClock } from "../../../test/support/logger.js";
import {
  SESSION_CACHE_MS,
  SessionCache,
  thenForgetSessions,
  type CachedSession,
} from "./session-cache.js";

const ROW: CachedSession = {
  session_id: "s1",
  csrf_token: "c",
  expires_at: "2026-02-16T09:30:00.000Z",
  id: "usr_1",
  role: "client",
  client_id: "cli_1",
  disabled: 0,
};

describe("session cache", () => {
  it("keeps a row for its TTL only, by its own clock", () => {
    const clock = manualClock(1_000);
    const cache = new SessionCache({ now: clock.now, ttlMs: 30 });
    cache.set("s1", ROW, cache.generation());
    expect(cache.get("s1")).toBe(ROW);
    clock.advance(29);
    expect(cache.get("s1")).toBe(ROW);
    clock.advance(1);
    expect(cache.get("s1")).toBeUndefined();
  });

  it("trusts a lookup SESSION_CACHE_MS by default; a TTL of 0 stores nothing", () => {
    const clock = manualClock();
    const cache = new SessionCache({ now: clock.now });
    cache.set("s1", ROW, cache.generation());
    clock.advance(SESSION_CACHE_MS - 1);
    expect(cache.get("s1")).toBe(ROW);
    clock.advance(1);
    expect(cache.get("s1")).toBeUndefined();
    const off = new SessionCache({ now: clock.now, ttlMs: 0 });
    off.set("s1", ROW, off.generation());
    expect(off.get("s1")).toBeUndefined();
  });

  it("does not store a lookup that overlapped an invalidation", () => {
    const cache = new SessionCache({ now: manualClock().now });
    const generation = cache.generation(); // a lookup starts
    cache.invalidate(); // a sign-out commits meanwhile
    cache.set("s1", ROW, generation); // the lookup's row may predate the sign-out
    expect(cache.get("s1")).toBeUndefined();
  });

  it("forgets every session after a change, whether it committed or failed", async () => {
    const cache = new SessionCache({ now: manualClock().now });
    cache.set("s1", ROW, cache.generation());
    await thenForgetSessions(cache, Promise.resolve(1));
    expect(cache.get("s1")).toBeUndefined();
    cache.set("s1", ROW, cache.generation());
    await expect(thenForgetSessions(cache, Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(cache.get("s1")).toBeUndefined();
  });
});
