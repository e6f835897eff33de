// Imports sent over the API (POST /api/v1/imports, issue 18): the job, and its body in chunks of
// at most 1 MiB in the database, streamed in as the request arrives and out as the worker reads
// it, so neither side holds a whole file and no server keeps one on its own disk.

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";

export const imports: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = dialectOf(db) === "postgres" ? "bytea" : "blob";
    await db.schema
      .createTable("imports")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("format", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      // Who asked (`token:<id>` or a user id), the audit trail's actor.
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("body_bytes", "integer", (c) => c.notNull())
      .addColumn("rows_read", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("rows_written", "integer", (c) => c.notNull().defaultTo(0))
      // JSON array of the first problems ({line, reason}); `problems` counts them all.
      .addColumn("rejected_json", "text")
      .addColumn("problems", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("error", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      // A worker's claim: until when it is its own (a crashed worker's claim runs out).
      .addColumn("claimed_until", "text")
      .addColumn("started_at", "text")
      .addColumn("finished_at", "text")
      .addCheckConstraint("imports_kind_check", sql`kind in ('orders', 'payments', 'events')`)
      .addCheckConstraint("imports_format_check", sql`format in ('csv', 'ndjson')`)
      .addCheckConstraint(
        "imports_status_check",
        sql`status in ('receiving', 'pending', 'running', 'done', 'rejected', 'failed')`,
      )
      .execute();
    await db.schema
      .createIndex("imports_status_idx")
      .on("imports")
      .columns(["status", "created_at"])
      .execute();
    await db.schema
      .createTable("import_chunks")
      .addColumn("import_id", "text", (c) =>
        c.notNull().references("imports.id").onDelete("cascade"),
      )
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("data", bytes, (c) => c.notNull())
      .addPrimaryKeyConstraint("import_chunks_pk", ["import_id", "seq"])
      .execute();
  },
};
