// Attachments in shared storage (issue 21, ADR 0031).
//
// - attachments.storage: which store holds the row's bytes: `local` (DATA_DIR/attachments, every
//   row before this migration), `database` (the chunks below) or `s3`. `attachments move` changes
//   it one row at a time, after the bytes are copied and their hash checked.
// - attachment_objects / attachment_chunks: the `database` store. An object is its key (the
//   attachment id), when it was begun and, once every chunk is in, its size; its bytes are chunks
//   of at most 512 KiB, written and read one at a time, so no process holds a whole file.
//   An object without an attachments row naming it (storage = 'database') is an orphan the
//   worker sweeps after a day.

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";

export const attachmentStorage: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = dialectOf(db) === "postgres" ? "bytea" : "blob";
    await db.schema
      .alterTable("attachments")
      .addColumn("storage", "text", (c) =>
        c
          .notNull()
          .defaultTo("local")
          .check(sql`storage in ('local', 'database', 's3')`),
      )
      .execute();
    await db.schema
      .createTable("attachment_objects")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("created_at", "text", (c) => c.notNull())
      // Null while the chunks are being written.
      .addColumn("size_bytes", "integer")
      .execute();
    await db.schema
      .createIndex("attachment_objects_created_idx")
      .on("attachment_objects")
      .columns(["created_at", "key"])
      .execute();
    await db.schema
      .createTable("attachment_chunks")
      .addColumn("object_key", "text", (c) =>
        c.notNull().references("attachment_objects.key").onDelete("cascade"),
      )
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("data", bytes, (c) => c.notNull())
      .addPrimaryKeyConstraint("attachment_chunks_pk", ["object_key", "seq"])
      .execute();
  },
};
