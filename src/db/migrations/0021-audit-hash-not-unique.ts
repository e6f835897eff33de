// The audit trail's `hash` column loses its UNIQUE constraint (ADR 0007, amended in session 9).
//
// An entry's hash covers its seq (and its content and the previous hash), and seq is the primary
// key: two entries with one hash would need one seq, which the key already refuses (short of a
// SHA-256 collision). So the unique index on `hash` protected nothing, and nothing looks entries up
// by hash (verification walks them by seq). It cost a lot: hashes are random, so every append wrote
// into a random leaf of a B-tree as large as the trail, which for a bulk import of a million rows
// tripled the cost of the audit inserts (issue 18, docs/performance.md).
//
// PostgreSQL drops the constraint. SQLite cannot drop a column constraint, so the table is rebuilt
// from its stored definition without it (sqlite-rebuild.ts), rows, named indexes and the
// append-only triggers kept; the DROP TABLE of the rebuild fires no trigger.

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";
import { rebuild, schemaOf } from "./sqlite-rebuild.js";

export const auditHashNotUnique: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (dialectOf(db) === "postgres") {
      // The constraint PostgreSQL named when 0001 made the column UNIQUE.
      const found = await sql<{ name: string }>`
        select c.conname as name from pg_constraint c
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
        where c.conrelid = 'audit_events'::regclass and c.contype = 'u'
          and cardinality(c.conkey) = 1 and a.attname = 'hash'`.execute(db);
      const name = found.rows[0]?.name;
      if (found.rows.length !== 1 || name === undefined) {
        throw new Error("audit_events: not one UNIQUE constraint on hash");
      }
      await sql`alter table audit_events drop constraint ${sql.id(name)}`.execute(db);
      return;
    }

    const defs = await schemaOf(db, "audit_events");
    await rebuild(db, "audit_events", "audit_events_0021", defs, (text) => {
      const plain = text.replace(`"hash" text not null unique,`, `"hash" text not null,`);
      if (plain === text) throw new Error("audit_events: hash is not the UNIQUE column");
      return plain;
    });
    // Its append-only triggers went with it; made again as they were.
    for (const t of defs) {
      if (t.type === "trigger" && t.sql !== null) await sql.raw(t.sql).execute(db);
    }
  },
};
