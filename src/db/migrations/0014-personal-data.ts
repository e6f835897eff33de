// Personal data (issue 17, ADR 0028): the audit chain keeps personal fields apart from what it
// hashes, so erasing a person removes them without breaking the chain.
//
// - audit_events.chain: 1 for the entries written before this migration (they keep verifying under
//   ADR 0007's rule), 2 for new ones, whose hash covers `personal_digest` instead of the personal
//   fields (the caller's address and the summary's personal values).
// - audit_events.personal: canonical JSON of those fields with a random nonce (so the digest
//   cannot be confirmed by guessing an address); personal_digest its SHA-256. Erasure sets
//   personal to NULL and erased_by to the seq of its `privacy.erased` entry; the digest stays.
// - audit_events.erased_by on a chain-1 entry: its personal values were redacted in place (its
//   content can no longer be checked against its hash; its link still is, and the erasure that
//   did it must exist).
// - The append-only guards are replaced by ones that still refuse every DELETE and every UPDATE
//   except exactly those erasures.
// - refund_requests.purged_at: when the retention job deleted the request's messages and
//   attachments (the request, its decisions and payouts stay).

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";

/** The only UPDATE the guards let through (an erasure), as a SQL condition on old and new. */
const ERASURE_ONLY = `
  new.seq = old.seq and new.at = old.at and new.actor = old.actor and new.action = old.action
  and new.entity_type = old.entity_type and new.entity_id = old.entity_id
  and new.prev_hash = old.prev_hash and new.hash = old.hash and new.chain = old.chain
  and new.personal_digest is not distinct from old.personal_digest
  and old.erased_by is null and new.erased_by is not null and new.personal is null
  and (old.chain = 1 or (new.summary = old.summary and new.ip is not distinct from old.ip))`;

export const personalData: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = dialectOf(db) === "postgres";
    await db.schema
      .alterTable("audit_events")
      .addColumn("chain", "integer", (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable("audit_events").addColumn("personal", "text").execute();
    await db.schema.alterTable("audit_events").addColumn("personal_digest", "text").execute();
    await db.schema
      .alterTable("audit_events")
      .addColumn("erased_by", postgres ? "bigint" : "integer")
      .execute();
    await db.schema.alterTable("refund_requests").addColumn("purged_at", "text").execute();
    await db.schema.alterTable("users").addColumn("erased_at", "text").execute();
    // The retention job's scan: closed requests not purged yet, oldest first.
    await db.schema
      .createIndex("refund_requests_retention_idx")
      .on("refund_requests")
      .columns(["closed_at"])
      .where(sql.ref("purged_at"), "is", null)
      .execute();

    if (postgres) {
      await sql`drop trigger audit_events_no_update_delete on audit_events`.execute(db);
      await sql
        .raw(
          `create function audit_events_erasure_only() returns trigger language plpgsql
           set search_path from current as $$
           begin
             if tg_op = 'UPDATE' and (${ERASURE_ONLY}) then
               return new;
             end if;
             raise exception 'audit_events is append-only: % refused', tg_op
               using errcode = 'insufficient_privilege';
           end
           $$`,
        )
        .execute(db);
      await sql`
        create trigger audit_events_no_update_delete
        before update or delete on audit_events
        for each row execute function audit_events_erasure_only()`.execute(db);
      return;
    }
    await sql`drop trigger audit_events_no_update`.execute(db);
    await sql
      .raw(
        `create trigger audit_events_no_update before update on audit_events
         when not (${ERASURE_ONLY.replaceAll("is not distinct from", "is")})
         begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end`,
      )
      .execute(db);
  },
};
