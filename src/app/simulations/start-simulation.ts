// POST /policy/simulations (admins): checks the candidate policy (a policy file's YAML text, or
// its document as JSON) exactly as a policy file is checked, and the period, then queues the run
// for a worker with its audit event, in one transaction. The period's days are read in the
// candidate's time zone (as `refund-desk simulate` reads them).

import { actorRef, userIdOf } from "../../core/access/index.js";
import { parsePolicy, policyDocument, type Policy } from "../../core/policy/index.js";
import { simulationPeriod } from "../../core/simulation/simulation.js";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { PolicySimulationRow } from "../../db/schema.js";
import { toDbInstant, toDbInstantOrNull } from "../../db/time.js";
import { parsePolicyText } from "../../policy-file/load.js";
import { authorize } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { presentSimulation, type PolicySimulationView } from "./present.js";
import { insertSimulation } from "./repository.js";

/** The audit trail's entity type. */
export const SIMULATION_ENTITY = "policy_simulation";

export interface StartSimulationInput {
  /** The candidate: policy-file text (YAML or JSON), or the document itself. */
  readonly policy: unknown;
  readonly from?: string | null | undefined;
  readonly to?: string | null | undefined;
}

/** Throws unless the caller may run and read simulations (admins). */
export function allowSimulations(ctx: ActionContext): void {
  authorize(ctx.actor, "policy.simulate", undefined, "policy simulation");
}

/** The candidate policy, or a 422 naming the field below `body.policy`. */
function candidateOf(raw: unknown): Policy {
  const parsed = typeof raw === "string" ? parsePolicyText(raw) : parsePolicy(raw);
  if (parsed.ok) return parsed.value;
  const inner = parsed.error.path;
  const path =
    inner === "" || inner === "(file)"
      ? "body.policy"
      : inner.startsWith("[")
        ? `body.policy${inner}`
        : `body.policy.${inner}`;
  throw new AppError("unprocessable", `${path}: ${parsed.error.message}`, [
    { path, message: parsed.error.message },
  ]);
}

/** Queues a simulation of the candidate policy; answers it as queued. */
export async function startSimulation(
  deps: AppDeps,
  ctx: ActionContext,
  input: StartSimulationInput,
): Promise<PolicySimulationView> {
  allowSimulations(ctx);
  const policy = candidateOf(input.policy);
  const period = simulationPeriod(
    { from: input.from, to: input.to },
    policy.params.timezone,
    "body.",
  );
  if (!period.ok) {
    throw new AppError("invalid_input", `${period.error.path}: ${period.error.message}`, [
      { path: period.error.path, message: period.error.message },
    ]);
  }
  const now = deps.clock();
  const row: PolicySimulationRow = {
    id: newId("sim"),
    status: "queued",
    requested_by: userIdOf(ctx.actor) ?? actorRef(ctx.actor),
    candidate_version: policy.version,
    policy_json: JSON.stringify(policyDocument(policy)),
    period_from: period.value.from,
    period_to: period.value.to,
    starts_at: toDbInstantOrNull(period.value.startsAt),
    ends_at: toDbInstantOrNull(period.value.endsAt),
    requests_total: null,
    requests_done: 0,
    report_json: null,
    error: null,
    attempts: 0,
    claimed_by: null,
    claimed_until: null,
    created_at: toDbInstant(now),
    started_at: null,
    finished_at: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await insertSimulation(trx, row);
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "policy.simulation_requested",
      entityType: SIMULATION_ENTITY,
      entityId: row.id,
      summary: {
        candidateVersion: policy.version,
        from: period.value.from,
        to: period.value.to,
      },
      ip: ctx.ip,
      at: now,
    });
  });
  return presentSimulation(row);
}
