// Policy versions (issue 16): the refund policy lives in the database, one row per published
// version, each with the instant it takes effect and the whole document (parameters, payout and
// workflow settings, clause texts) as canonical JSON. A published version never changes: triggers
// refuse a DELETE and an UPDATE of anything but the withdrawal of a scheduled version
// (`withdrawn_at`, `withdrawn_by`; whether it may still be withdrawn is the use case's check,
// against the clock). Two live versions never share an effective instant (partial unique index).
//
// Every refund request stores the version it is judged under (the one in force at its
// submission), every payout the one in force at its approval (its due window's calendar). Rows
// written before this migration keep null: the version in force at their submission (or
// approval) is found by the instant, and the first version is effective from the epoch (ADR 0025).

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";

export const policyVersions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = dialectOf(db) === "postgres";
    await db.schema
      .createTable("policy_versions")
      // The document's own `version`: what every recommendation cites as `policyVersion`.
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("effective_at", "text", (c) => c.notNull())
      .addColumn("published_by", "text", (c) => c.notNull())
      .addColumn("published_at", "text", (c) => c.notNull())
      // Canonical JSON of the policy-file document (policyDocument).
      .addColumn("document", "text", (c) => c.notNull())
      .addColumn("withdrawn_at", "text")
      .addColumn("withdrawn_by", "text")
      .execute();
    // The version in force at an instant: the live one with the latest effective instant at or
    // before it, by one seek; and no two live versions at one instant.
    await sql`create unique index policy_versions_effective_idx on policy_versions (effective_at)
      where withdrawn_at is null`.execute(db);
    // The list, newest first, by (published_at, id).
    await db.schema
      .createIndex("policy_versions_published_idx")
      .on("policy_versions")
      .columns(["published_at", "id"])
      .execute();

    await db.schema.alterTable("refund_requests").addColumn("policy_version_id", "text").execute();
    await db.schema.alterTable("payouts").addColumn("policy_version_id", "text").execute();

    if (postgres) {
      await sql`
        create function policy_versions_immutable() returns trigger language plpgsql as $$
        begin
          if tg_op = 'DELETE' then
            raise exception 'policy_versions: a published version is never deleted';
          end if;
          if new.id is distinct from old.id or new.effective_at is distinct from old.effective_at
             or new.document is distinct from old.document
             or new.published_by is distinct from old.published_by
             or new.published_at is distinct from old.published_at
             or (old.withdrawn_at is not null and (new.withdrawn_at is distinct from old.withdrawn_at
                 or new.withdrawn_by is distinct from old.withdrawn_by)) then
            raise exception 'policy_versions: a published version is immutable (only a withdrawal is recorded)';
          end if;
          return new;
        end $$`.execute(db);
      await sql`create trigger policy_versions_immutable before update or delete on policy_versions
        for each row execute function policy_versions_immutable()`.execute(db);
    } else {
      await sql`
        create trigger policy_versions_no_delete before delete on policy_versions
        begin select raise(abort, 'policy_versions: a published version is never deleted'); end`.execute(
        db,
      );
      await sql`
        create trigger policy_versions_immutable before update on policy_versions
        when new.id is not old.id or new.effective_at is not old.effective_at
          or new.document is not old.document or new.published_by is not old.published_by
          or new.published_at is not old.published_at
          or (old.withdrawn_at is not null and (new.withdrawn_at is not old.withdrawn_at
              or new.withdrawn_by is not old.withdrawn_by))
        begin select raise(abort, 'policy_versions: a published version is immutable (only a withdrawal is recorded)'); end`.execute(
        db,
      );
    }
  },
};
