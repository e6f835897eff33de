// Policy simulations in the database (migration 0012): the queued run, its page of a list (newest
// first, keyset by (created_at, id)), one run by id, and the worker's side: claiming a queued run
// (or one whose lease expired) by a conditional UPDATE, so two workers never run one twice at
// once, recording progress (which renews the lease) and the outcome.

import type { Kysely } from "kysely";
import type { KeysetPageQuery } from "../../db/keyset.js";
import { precompile } from "../../db/precompiled.js";
import type { Database, PolicySimulationRow } from "../../db/schema.js";

type Db = Kysely<Database>;

/** Writes a queued simulation. */
export async function insertSimulation(db: Db, row: PolicySimulationRow): Promise<void> {
  await db.insertInto("policy_simulations").values(row).execute();
}

/** One simulation by id. */
export async function findSimulation(db: Db, id: string): Promise<PolicySimulationRow | undefined> {
  return db.selectFrom("policy_simulations").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The columns a list shows (no document, no report). */
export type SimulationListRow = Omit<PolicySimulationRow, "policy_json" | "report_json">;

/** A page of simulations, newest first: the rows before the cursor, one more than the limit. */
export async function simulationPage(db: Db, page: KeysetPageQuery): Promise<SimulationListRow[]> {
  let q = db
    .selectFrom("policy_simulations")
    .select([
      "id",
      "status",
      "requested_by",
      "candidate_version",
      "period_from",
      "period_to",
      "starts_at",
      "ends_at",
      "requests_total",
      "requests_done",
      "error",
      "attempts",
      "claimed_by",
      "claimed_until",
      "created_at",
      "started_at",
      "finished_at",
    ]);
  const after = page.after;
  if (after !== null) {
    q = q.where((eb) =>
      eb.or([
        eb("created_at", "<", after.createdAt),
        eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)]),
      ]),
    );
  }
  return q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
}

/** The oldest simulation a worker may take at `now`: queued, or running with its lease expired. */
async function nextClaimable(db: Db, now: string): Promise<string | undefined> {
  return (await NEXT_CLAIMABLE.executeTakeFirst(db, { now }))?.id;
}

// Asked on every worker tick, busy or idle (the outbox relay's ticks follow each other under
// load): compiled once (ADR 0011's precompiled queries) instead of built by Kysely each time.
const NEXT_CLAIMABLE = precompile<{ now: string }>()((db, p) =>
  db
    .selectFrom("policy_simulations")
    .select("id")
    .where((eb) =>
      eb.or([
        eb("status", "=", "queued"),
        eb.and([eb("status", "=", "running"), eb("claimed_until", "<", p("now"))]),
      ]),
    )
    .orderBy("created_at")
    .orderBy("id")
    .limit(1),
);

/**
 * Claims the next simulation for `workerId` until `until`; answers the claimed row, or undefined
 * when there is none (or another worker took it first: the UPDATE is conditional).
 */
export async function claimSimulation(
  db: Db,
  workerId: string,
  now: string,
  until: string,
): Promise<PolicySimulationRow | undefined> {
  const id = await nextClaimable(db, now);
  if (id === undefined) return undefined;
  const claimed = await db
    .updateTable("policy_simulations")
    .set((eb) => ({
      status: "running",
      claimed_by: workerId,
      claimed_until: until,
      started_at: eb.fn.coalesce("started_at", eb.val(now)),
      attempts: eb("attempts", "+", 1),
      requests_done: 0,
    }))
    .where("id", "=", id)
    .where((eb) =>
      eb.or([
        eb("status", "=", "queued"),
        eb.and([eb("status", "=", "running"), eb("claimed_until", "<", now)]),
      ]),
    )
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return undefined;
  return findSimulation(db, id);
}

/** Records progress and renews the lease, while `workerId` still holds the run. */
export async function recordSimulationProgress(
  db: Db,
  id: string,
  workerId: string,
  progress: { readonly done: number; readonly total: number },
  until: string,
): Promise<boolean> {
  const r = await db
    .updateTable("policy_simulations")
    .set({ requests_done: progress.done, requests_total: progress.total, claimed_until: until })
    .where("id", "=", id)
    .where("claimed_by", "=", workerId)
    .where("status", "=", "running")
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Ends the run `workerId` holds: done with its report, or failed with the reason. */
export async function finishSimulation(
  db: Db,
  id: string,
  workerId: string,
  outcome:
    | { readonly status: "done"; readonly report: string; readonly requests: number }
    | { readonly status: "failed"; readonly error: string },
  at: string,
): Promise<boolean> {
  const r = await db
    .updateTable("policy_simulations")
    .set(
      outcome.status === "done"
        ? {
            status: "done",
            report_json: outcome.report,
            requests_done: outcome.requests,
            requests_total: outcome.requests,
            finished_at: at,
            claimed_until: null,
          }
        : { status: "failed", error: outcome.error, finished_at: at, claimed_until: null },
    )
    .where("id", "=", id)
    .where("claimed_by", "=", workerId)
    .where("status", "=", "running")
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
