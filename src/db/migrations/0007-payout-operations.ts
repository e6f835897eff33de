// Payout operations (issue 11): a failed payout has a way forward, and finance sees what to do.
// - status `reissued`: a payout closed without money moving because finance replaced it by a
//   payout by another method (`reissue_of` on the new one, `replaced_by` on the old one).
// - `attempt`: a retried card payout's attempt number; the idempotency key is derived from the
//   payout id and the attempt. `reconcile_attempt`: the earlier attempt the worker must look up at
//   the provider before it sends the new one (so a refund never goes out twice).
// - `note`: finance's justification (reissue, paid outside); `paid_outside_at`: recorded as paid
//   outside the system.
// - `action_alerted_at`: when finance was alerted that the payout needs action (failed, parked);
//   `destination_asked_at` / `destination_reminded_at`: when the client was asked for a wallet
//   address or bank details, and reminded.
// SQLite cannot change a CHECK constraint, so there the payouts table is rebuilt from its own
// stored definition (the documented 12-step procedure, schema text otherwise unchanged).

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";

const OLD_CHECK = `status in ('scheduled', 'submitting', 'pending', 'succeeded', 'failed', 'unknown')`;
const NEW_CHECK = `status in ('scheduled', 'submitting', 'pending', 'succeeded', 'failed', 'unknown', 'reissued')`;

export const payoutOperations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (dialectOf(db) === "postgres") {
      await sql`alter table payouts drop constraint payouts_status_check`.execute(db);
      await sql`alter table payouts add constraint payouts_status_check check (${sql.raw(NEW_CHECK)})`.execute(
        db,
      );
    } else {
      const defs = await sql<{ type: string; name: string; sql: string | null }>`
        select type, name, sql from sqlite_master where tbl_name = 'payouts'`.execute(db);
      const table = defs.rows.find((r) => r.type === "table");
      if (table?.sql == null || !table.sql.includes(OLD_CHECK)) {
        throw new Error("payouts: the status check is not the one this migration replaces");
      }
      const rebuilt = table.sql
        .replace(OLD_CHECK, NEW_CHECK)
        .replace(/^CREATE TABLE\s+("?)payouts\1/i, 'CREATE TABLE "payouts_rebuild"');
      await sql.raw(rebuilt).execute(db);
      await sql`insert into payouts_rebuild select * from payouts`.execute(db);
      await sql`drop table payouts`.execute(db);
      await sql`alter table payouts_rebuild rename to payouts`.execute(db);
      // Named indexes come back as they were (unique constraints' automatic ones come with the table).
      for (const index of defs.rows) {
        if (index.type === "index" && index.sql !== null) await sql.raw(index.sql).execute(db);
      }
    }
    await db.schema
      .alterTable("payouts")
      .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(1))
      .execute();
    for (const column of [
      "reconcile_attempt",
      "reissue_of",
      "replaced_by",
      "note",
      "paid_outside_at",
      "action_alerted_at",
      "destination_asked_at",
      "destination_reminded_at",
    ]) {
      await db.schema
        .alterTable("payouts")
        .addColumn(column, column === "reconcile_attempt" ? "integer" : "text")
        .execute();
    }
    // Crypto payouts already waiting for an address were asked when they were approved.
    await sql`update payouts set destination_asked_at = created_at
              where method = 'crypto' and destination is null and status = 'scheduled'`.execute(db);
  },
};
