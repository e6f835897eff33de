// refund_requests_order_idx (order_id), from 0002, is the left prefix of
// refund_requests_order_reason_status_idx (order_id, reason, status), which serves every lookup by
// order as well. Dropping it saves one B-tree insert (and its WAL pages) on every intake.

import type { Kysely, Migration } from "kysely";

export const dropRedundantRequestIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("refund_requests_order_idx").ifExists().execute();
  },
};
