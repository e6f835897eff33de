// The refund-request workflow's state beyond its status (issue 3, requests slice): who reviews it,
// the question awaiting the client, when it closed, the alternative on offer, and which stored
// recommendation is the current one. Plus the recommendation's latest payout date, so lists can
// filter by due date without parsing JSON.

import type { Kysely, Migration } from "kysely";

export const requests: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("refund_requests").addColumn("reviewer_id", "text").execute();
    await db.schema.alterTable("refund_requests").addColumn("open_question", "text").execute();
    await db.schema.alterTable("refund_requests").addColumn("closed_at", "text").execute();
    // OfferedAlternative as JSON (kind, note, offeredBy, offeredAt, accepted, respondedAt).
    await db.schema.alterTable("refund_requests").addColumn("alternative_json", "text").execute();
    // No foreign key: the request row is written before its first recommendation (which
    // references it); the application keeps the pair consistent inside one transaction.
    await db.schema.alterTable("refund_requests").addColumn("recommendation_id", "text").execute();
    await db.schema.alterTable("recommendations").addColumn("payout_latest", "text").execute();
    await db.schema
      .createIndex("refund_requests_submitted_idx")
      .on("refund_requests")
      .columns(["submitted_at", "id"])
      .execute();
    await db.schema
      .createIndex("refund_requests_order_idx")
      .on("refund_requests")
      .column("order_id")
      .execute();
  },
};
