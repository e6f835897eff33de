import { describe, expect, it } from "vitest";
import type { AppDepsInput } from "./context.js";
import { createAppDeps, SILENT_LOGGER } from "./context.js";

const BASE = {
  db: {},
  dialect: "sqlite",
  policy: {},
  clock: () => 0,
  dataDir: "/tmp",
} as unknown as AppDepsInput;

describe("createAppDeps", () => {
  it("gives every set of deps caches of its own (nothing is kept in a module)", () => {
    const a = createAppDeps(BASE);
    const b = createAppDeps(BASE);
    expect(a.sessions).not.toBe(b.sessions);
    expect(a.recommendations).not.toBe(b.recommendations);
    expect(a.logger).toBe(SILENT_LOGGER);
  });

  it("runs the session cache on the clock it is given", () => {
    let t = 0;
    const deps = createAppDeps({ ...BASE, cacheClock: () => t });
    deps.sessions.set("cookie", "row", deps.sessions.generation());
    t = deps.sessions.ttlMs - 1;
    expect(deps.sessions.get("cookie")).toBe("row");
    t = deps.sessions.ttlMs;
    expect(deps.sessions.get("cookie")).toBeUndefined();
  });
});
