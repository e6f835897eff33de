// Duplicate payments found on the ledger (issue 4): every extra payment (rule 2) is tied to the one
// refund request that handles it, either the case the system opened for it or an open
// duplicate-payment request that already covered it. The payment id is the primary key, so the
// same extra can never be tied to two requests, whatever races (the order row lock makes the check
// and the insert take turns; the key is the backstop).

import { sql, type Kysely, type Migration } from "kysely";

export const duplicates: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("duplicate_payments")
      .addColumn("payment_id", "text", (c) => c.primaryKey().references("payments.id"))
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id"))
      .addColumn("request_id", "text", (c) => c.notNull().references("refund_requests.id"))
      // opened: the system opened request_id for this extra; covered: request_id was already open.
      .addColumn("how", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addCheckConstraint("duplicate_payments_how_check", sql`how in ('opened', 'covered')`)
      .execute();
    await db.schema
      .createIndex("duplicate_payments_order_idx")
      .on("duplicate_payments")
      .column("order_id")
      .execute();
    await db.schema
      .createIndex("duplicate_payments_request_idx")
      .on("duplicate_payments")
      .column("request_id")
      .execute();
    // `ledger scan` asks which orders of a page have nothing due (every payment of such an order
    // is extra, a lone one too): a partial index keeps that to the few such orders.
    await db.schema
      .createIndex("orders_nothing_due_idx")
      .on("orders")
      .column("id")
      .where(sql.ref("price_minor"), "=", "0")
      .execute();
  },
};
