// The policy in force (GET /api/v1/policy): its time zone is the zone every date is shown in.

import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { paths } from "./schema";

export type Policy =
  paths["/api/v1/policy"]["get"]["responses"][200]["content"]["application/json"];

export const policyQuery = queryOptions({
  queryKey: ["policy"],
  queryFn: async () => unwrap(await api.GET("/api/v1/policy")),
  staleTime: 10 * 60_000,
});

/** The policy's time zone, or null while the policy loads. */
export function usePolicyZone(): string | null {
  return useQuery(policyQuery).data?.parameters.timezone ?? null;
}
