import { describe, expect, it } from "vitest";
import {
  SessionCache,
  sessionCacheOf,
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
  it("keeps a row for its TTL only", async () => {
    const cache = new SessionCache(30);
    cache.set("s1", ROW, cache.generation());
    expect(cache.get("s1")).toBe(ROW);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.get("s1")).toBeUndefined();
  });

  it("does not store a lookup that overlapped an invalidation", () => {
    const cache = new SessionCache();
    const generation = cache.generation(); // a lookup starts
    cache.invalidate(); // a sign-out commits meanwhile
    cache.set("s1", ROW, generation); // the lookup's row may predate the sign-out
    expect(cache.get("s1")).toBeUndefined();
  });

  it("forgets every session after a change, whether it committed or failed", async () => {
    const db = {};
    const cache = sessionCacheOf(db);
    expect(sessionCacheOf(db)).toBe(cache);
    cache.set("s1", ROW, cache.generation());
    await thenForgetSessions(db, Promise.resolve(1));
    expect(cache.get("s1")).toBeUndefined();
    cache.set("s1", ROW, cache.generation());
    await expect(thenForgetSessions(db, Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(cache.get("s1")).toBeUndefined();
  });
});
