// The worker's side of policy simulations (ADR 0026): claim the oldest queued run (or a running
// one whose worker stopped renewing its lease), run it with `simulatePolicy`, record progress
// about once a second (which renews the lease), then store the report, or the reason it failed.
// A run that was taken over by another worker (its lease expired) stops at its next progress
// record and stores nothing. A run claimed MAX_ATTEMPTS times without finishing is failed.

import { performance } from "node:perf_hooks";
import { parsePolicy } from "../../core/policy/index.js";
import type { PolicySimulationRow } from "../../db/schema.js";
import { fromDbInstantOrNull, toDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import { claimSimulation, finishSimulation, recordSimulationProgress } from "./repository.js";
import { simulatePolicy } from "./simulate-policy.js";

export interface SimulationRunnerOptions {
  readonly workerId: string;
  /** How long a claim holds without a progress record (default 60 s). */
  readonly leaseMs?: number;
  /** Least time between two progress records (default 1 s, on a monotonic clock). */
  readonly progressEveryMs?: number;
  /** Requests read per page (default: simulatePolicy's). */
  readonly pageSize?: number;
}

/** Claims beyond this many failed the run: something in it keeps stopping the worker. */
export const MAX_ATTEMPTS = 3;

const DEFAULT_LEASE_MS = 60_000;

class LostClaim extends Error {}

type Deps = Pick<AppDeps, "db" | "clock" | "logger">;

/** Claims the next simulation for this worker; undefined when none waits. */
export async function claimNextSimulation(
  deps: Deps,
  options: SimulationRunnerOptions,
): Promise<PolicySimulationRow | undefined> {
  const now = deps.clock();
  return claimSimulation(
    deps.db,
    options.workerId,
    toDbInstant(now),
    toDbInstant(now + (options.leaseMs ?? DEFAULT_LEASE_MS)),
  );
}

/** Runs a claimed simulation to its end (done or failed); never throws. */
export async function runClaimedSimulation(
  deps: Deps,
  row: PolicySimulationRow,
  options: SimulationRunnerOptions,
): Promise<void> {
  const lease = options.leaseMs ?? DEFAULT_LEASE_MS;
  const every = options.progressEveryMs ?? 1000;
  const fail = async (error: string) => {
    await finishSimulation(
      deps.db,
      row.id,
      options.workerId,
      { status: "failed", error },
      toDbInstant(deps.clock()),
    );
  };
  try {
    if (row.attempts > MAX_ATTEMPTS) {
      await fail(`gave up after ${MAX_ATTEMPTS} attempts that did not finish`);
      return;
    }
    const policy = parsePolicy(JSON.parse(row.policy_json) as unknown);
    if (!policy.ok) {
      await fail(`the stored policy is invalid: ${policy.error.path}: ${policy.error.message}`);
      return;
    }
    let last = -Infinity;
    const report = await simulatePolicy(deps, {
      policy: policy.value,
      period: {
        from: row.period_from,
        to: row.period_to,
        startsAt: fromDbInstantOrNull(row.starts_at),
        endsAt: fromDbInstantOrNull(row.ends_at),
      },
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      onProgress: async (done, total) => {
        const t = performance.now();
        if (t - last < every) return;
        last = t;
        const held = await recordSimulationProgress(
          deps.db,
          row.id,
          options.workerId,
          { done, total },
          toDbInstant(deps.clock() + lease),
        );
        if (!held) throw new LostClaim(`simulation ${row.id} was taken over by another worker`);
      },
    });
    const stored = await finishSimulation(
      deps.db,
      row.id,
      options.workerId,
      { status: "done", report: JSON.stringify(report), requests: report.requests },
      toDbInstant(deps.clock()),
    );
    if (!stored) {
      deps.logger.warn({ simulationId: row.id }, "a simulation finished after it was taken over");
    }
  } catch (err) {
    if (err instanceof LostClaim) {
      deps.logger.warn({ simulationId: row.id, err }, "a simulation stopped: taken over");
      return;
    }
    deps.logger.error({ simulationId: row.id, err }, "a policy simulation failed");
    try {
      await fail(err instanceof Error ? err.message : String(err));
    } catch (e) {
      deps.logger.error({ simulationId: row.id, err: e }, "a failed simulation was not recorded");
    }
  }
}
