// A policy simulation as the API shows it: its state, period, progress, and (one by id) the report.

import type { SimulationReport } from "../../core/simulation/simulation.js";
import type { PolicySimulationRow, PolicySimulationStatus } from "../../db/schema.js";
import type { SimulationListRow } from "./repository.js";

export interface PolicySimulationSummaryView {
  readonly id: string;
  readonly status: PolicySimulationStatus;
  readonly candidateVersion: string;
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly requestedBy: string;
  readonly progress: { readonly done: number; readonly total: number | null };
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface PolicySimulationView extends PolicySimulationSummaryView {
  /** The report once the run is done; null before (and when it failed). */
  readonly report: SimulationReport | null;
}

/** A list row as the API shows it. */
export function presentSimulationSummary(row: SimulationListRow): PolicySimulationSummaryView {
  return {
    id: row.id,
    status: row.status,
    candidateVersion: row.candidate_version,
    period: { from: row.period_from, to: row.period_to },
    requestedBy: row.requested_by,
    progress: { done: row.requests_done, total: row.requests_total },
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** One simulation with its report. */
export function presentSimulation(row: PolicySimulationRow): PolicySimulationView {
  return {
    ...presentSimulationSummary(row),
    report: row.report_json === null ? null : (JSON.parse(row.report_json) as SimulationReport),
  };
}
