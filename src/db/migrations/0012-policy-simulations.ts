// Policy simulations (issue 16, ADR 0026): an admin's what-if run of a candidate policy over the
// stored requests, queued by the API and run by a worker. One row per run: the candidate document
// as validated JSON, the period (its days and the instants they were turned into when it was
// asked), the state and progress, the lease of the worker running it, and the report as JSON when
// done (or the error when it failed). Lists read newest first by (created_at, id); workers look for
// queued runs, and running ones whose lease expired, by (status, claimed_until).

import type { Kysely, Migration } from "kysely";

export const policySimulations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("policy_simulations")
      .addColumn("id", "text", (c) => c.primaryKey())
      // queued | running | done | failed
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("candidate_version", "text", (c) => c.notNull())
      // The candidate policy document (policyDocument of the parsed policy), JSON.
      .addColumn("policy_json", "text", (c) => c.notNull())
      .addColumn("period_from", "text")
      .addColumn("period_to", "text")
      .addColumn("starts_at", "text")
      .addColumn("ends_at", "text")
      .addColumn("requests_total", "integer")
      .addColumn("requests_done", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("report_json", "text")
      .addColumn("error", "text")
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("claimed_by", "text")
      .addColumn("claimed_until", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("started_at", "text")
      .addColumn("finished_at", "text")
      .execute();
    await db.schema
      .createIndex("policy_simulations_created_idx")
      .on("policy_simulations")
      .columns(["created_at", "id"])
      .execute();
    await db.schema
      .createIndex("policy_simulations_claim_idx")
      .on("policy_simulations")
      .columns(["status", "claimed_until"])
      .execute();
  },
};
