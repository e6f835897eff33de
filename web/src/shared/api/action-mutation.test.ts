// After a staff action's write worked: it is announced, its dialog closes, the answer goes into
// the cache, the queries it changed are read again in the order given, and only then the rest
// (a navigation) runs. A real QueryClient; its invalidations are logged.

import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { afterSuccess } from "./action-mutation";

/** A client with these queries in its cache; each invalidation is logged, then done. */
function clientWith(keys: string[][], log: string[]) {
  const queryClient = new QueryClient();
  for (const key of keys) queryClient.setQueryData(key, "as read before");
  const invalidate = queryClient.invalidateQueries.bind(queryClient);
  queryClient.invalidateQueries = (filters) => {
    log.push(`read again ${JSON.stringify(filters?.queryKey)}`);
    return invalidate(filters);
  };
  return queryClient;
}

describe("afterSuccess", () => {
  it("announces, closes, seeds the cache, reads again in order, then runs the rest", async () => {
    const log: string[] = [];
    const queryClient = clientWith([["payouts", "list"], ["requests"]], log);
    await afterSuccess(
      queryClient,
      {
        mutationFn: async () => ({ id: "p1" }),
        announce: (data, vars: string) => log.push(`announce ${data.id} ${vars}`),
        onDone: () => log.push("close"),
        seed: (data) => {
          log.push("seed");
          return [["payouts", "one", data.id], data];
        },
        invalidate: [["payouts"], ["requests"]],
        afterwards: async (data) => {
          log.push(`then ${data.id}`);
        },
      },
      { id: "p1" },
      "approve",
    );
    expect(log).toEqual([
      "announce p1 approve",
      "close",
      "seed",
      'read again ["payouts"]',
      'read again ["requests"]',
      "then p1",
    ]);
    expect(queryClient.getQueryData(["payouts", "one", "p1"])).toEqual({ id: "p1" });
    expect(queryClient.getQueryState(["payouts", "list"])?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(["requests"])?.isInvalidated).toBe(true);
  });

  it("takes only what it is given: no seed, no announcement", async () => {
    const log: string[] = [];
    const queryClient = clientWith([["payouts"]], log);
    await afterSuccess(
      queryClient,
      {
        mutationFn: async () => 1,
        onDone: () => log.push("close"),
        seed: () => undefined,
        invalidate: [["payouts"]],
      },
      1,
      undefined,
    );
    expect(log).toEqual(["close", 'read again ["payouts"]']);
    expect(queryClient.getQueryState(["payouts"])?.isInvalidated).toBe(true);
    expect(queryClient.getQueryCache().getAll()).toHaveLength(1);
  });
});
