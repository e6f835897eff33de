// GET /policy/simulations (admins): the simulations, newest first, a page at a time.

import { toPage, type Page, type PageQuery } from "../auth/pagination.js";
import type { ActionContext, AppDeps } from "../context.js";
import { presentSimulationSummary, type PolicySimulationSummaryView } from "./present.js";
import { simulationPage } from "./repository.js";
import { allowSimulations } from "./start-simulation.js";

/** A page of simulations (without their reports). */
export async function listSimulations(
  deps: AppDeps,
  ctx: ActionContext,
  page: PageQuery,
): Promise<Page<PolicySimulationSummaryView>> {
  allowSimulations(ctx);
  const rows = await simulationPage(deps.db, page);
  return toPage(rows, page.limit, presentSimulationSummary);
}
