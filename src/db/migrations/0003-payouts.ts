// Money movement (issue 4): what a payout needs beyond its first shape. A lease for the worker
// that claimed it (claimed_by / claimed_until: a crashed worker's claim runs out and the payout is
// reconciled, never blindly sent again), where crypto goes and at what rate, the reference finance
// records for manual methods (bank reference, transaction hash), when a payout was parked after
// failing too often, provider webhook events applied once, and the automatic decider.

import { sql, type Kysely, type Migration } from "kysely";
// The system user's id is the core's constant (the audit trail and decisions name it).
import { SYSTEM_USER_ID } from "../../core/access/index.js";

export const payouts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const add = (column: string) => db.schema.alterTable("payouts").addColumn(column, "text");
    for (const column of [
      "claimed_by",
      "claimed_until",
      // JSON { asset, network, address } for crypto payouts, given by the client.
      "destination",
      // Bank reference (bank_transfer, other) or transaction hash (crypto), recorded by finance.
      "manual_reference",
      // Crypto under fiat-at-payout: the rate finance used (fiat per coin) and the coins sent.
      "crypto_rate",
      "crypto_amount_minor",
      "crypto_currency",
      "parked_at",
      "executed_by",
      "succeeded_at",
      // When the overdue alert went out (once per payout).
      "overdue_alerted_at",
    ]) {
      await add(column).execute();
    }
    await db.schema
      .createIndex("payouts_claim_idx")
      .on("payouts")
      .columns(["method", "status", "next_attempt_at"])
      .execute();

    await db.schema
      .createTable("provider_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("provider", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("payout_id", "text")
      .addColumn("received_at", "text", (c) => c.notNull())
      .execute();

    // A real row, so decisions.decided_by and the audit trail keep naming a user; disabled, with a
    // password hash no password matches, so nobody can sign in as it.
    await sql`
      insert into users (id, email, name, role, client_id, password_hash, disabled, created_at, updated_at)
      values (${SYSTEM_USER_ID}, 'system@refund-desk.invalid', 'Refund Desk (automatic)', 'admin',
              null, '!disabled', 1, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z')`.execute(
      db,
    );
  },
};
