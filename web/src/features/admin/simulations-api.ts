// Policy simulations (admins): the list, one simulation with its report (polled while a worker
// runs it), and queueing a new one with the candidate policy file's text and an optional period.

import { queryOptions } from "@tanstack/react-query";
// The simulations pages' strings live in the console namespace, which comes with this code.
import "../../shared/i18n/console";
import { api, unwrap } from "../../shared/api/client";
import type { components } from "../../shared/api/schema";

export type Simulation = components["schemas"]["PolicySimulation"];
export type SimulationSummary = components["schemas"]["PolicySimulationSummary"];
export type SimulationReport = components["schemas"]["SimulationReport"];
export { OUTCOMES, matrixRows, type Outcome } from "./simulation-matrix";

/** Whether a worker may still change the simulation (poll it). */
export const isPending = (s: { status: string }): boolean =>
  s.status === "queued" || s.status === "running";

export const simulationsQuery = queryOptions({
  queryKey: ["admin", "simulations"],
  queryFn: async () =>
    unwrap(await api.GET("/api/v1/policy/simulations", { params: { query: { limit: "50" } } })),
  refetchInterval: (q) => (q.state.data?.items.some(isPending) === true ? 1000 : false),
});

export const simulationQuery = (id: string) =>
  queryOptions({
    queryKey: ["admin", "simulations", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/policy/simulations/{id}", { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data !== undefined && isPending(q.state.data) ? 1000 : false),
  });

export interface StartSimulationInput {
  /** The candidate policy file's text (YAML or JSON). */
  policy: string;
  from: string | null;
  to: string | null;
}

export async function startSimulation(input: StartSimulationInput): Promise<Simulation> {
  return unwrap(
    await api.POST("/api/v1/policy/simulations", {
      body: {
        policy: input.policy,
        ...(input.from === null ? {} : { from: input.from }),
        ...(input.to === null ? {} : { to: input.to }),
      },
    }),
  );
}
