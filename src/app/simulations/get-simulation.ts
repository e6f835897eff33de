// GET /policy/simulations/:id (admins): a simulation's state, progress and, once done, its report.

import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { presentSimulation, type PolicySimulationView } from "./present.js";
import { findSimulation } from "./repository.js";
import { allowSimulations } from "./start-simulation.js";

/** One simulation; 404 when there is none with this id. */
export async function getSimulation(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<PolicySimulationView> {
  allowSimulations(ctx);
  const row = await findSimulation(deps.db, id);
  if (row === undefined) throw notFound("policy simulation");
  return presentSimulation(row);
}
