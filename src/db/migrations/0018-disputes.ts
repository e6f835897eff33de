// Card disputes (issue 20): a chargeback the provider reports against one of our card payments.
// - `disputes`: one row per provider dispute (Stripe's `dp_...` id), against the payment whose
//   charge it disputes: amount, reason, the provider's status, the evidence due-by instant, when
//   the funds were withdrawn and when it closed; finance's evidence draft (`evidence_json`, the
//   provider's evidence fields) and its submission; the two reminders (5 and 2 days before due-by).
// - `payouts.held_by_dispute`: the dispute (or `charge_disputed`, the provider's refusal before
//   its webhook arrived) that holds a card payout parked; a dispute won releases exactly those.

import { sql, type Kysely, type Migration } from "kysely";

export const disputes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("disputes")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("provider", "text", (c) => c.notNull())
      .addColumn("payment_id", "text", (c) => c.notNull().references("payments.id"))
      .addColumn("charge_ref", "text", (c) => c.notNull())
      .addColumn("amount_minor", "text", (c) => c.notNull())
      .addColumn("currency", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("due_by", "text")
      .addColumn("funds_withdrawn_at", "text")
      .addColumn("closed_at", "text")
      .addColumn("evidence_json", "text")
      .addColumn("evidence_submitted_at", "text")
      .addColumn("submitted_by", "text")
      .addColumn("reminded_5_at", "text")
      .addColumn("reminded_2_at", "text")
      // Seconds since the epoch of the provider event last applied (orders updates of one dispute).
      .addColumn("event_created", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
      .addCheckConstraint("disputes_amount_check", sql`length(amount_minor) > 0`)
      .execute();
    await db.schema
      .createIndex("disputes_payment_idx")
      .on("disputes")
      .column("payment_id")
      .execute();
    await db.schema
      .createIndex("disputes_due_idx")
      .on("disputes")
      .columns(["due_by", "id"])
      .execute();
    await db.schema.alterTable("payouts").addColumn("held_by_dispute", "text").execute();
  },
};
