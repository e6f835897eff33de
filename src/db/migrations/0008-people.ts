// People and workflow (issue 12): client companies can be archived; invitations and password
// resets (single-use tokens, stored as their SHA-256 only); internal notes beside client-visible
// messages; the review workflow's deadlines (reply-by, waiting-since), assignment, appeals, the
// clauses a denial rests on.

import { sql, type Kysely, type Migration } from "kysely";

export const people: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("clients").addColumn("archived_at", "text").execute();
    await db.schema
      .createTable("account_tokens")
      .addColumn("id", "text", (c) => c.primaryKey())
      // sha256 hex of the token sent in the link; the token itself is never stored.
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
      .addColumn("purpose", "text", (c) => c.notNull())
      .addColumn("created_by", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("expires_at", "text", (c) => c.notNull())
      .addColumn("used_at", "text")
      .addCheckConstraint(
        "account_tokens_purpose_check",
        sql`purpose in ('invitation', 'password_reset')`,
      )
      .execute();
    await db.schema
      .createIndex("account_tokens_user_idx")
      .on("account_tokens")
      .column("user_id")
      .execute();
    // 1: a note staff write for staff; clients never see it, nor are told of it.
    await db.schema
      .alterTable("messages")
      .addColumn("internal", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    // When a question's answer is due (info_requested), and when its reminder went out.
    await db.schema.alterTable("refund_requests").addColumn("reply_by", "text").execute();
    await db.schema.alterTable("refund_requests").addColumn("reply_reminded_at", "text").execute();
    // Since when the request waits on whoever's move it is (status changes set it).
    await db.schema.alterTable("refund_requests").addColumn("waiting_since", "text").execute();
    // The client's last answer or message, for the queue's "last client reply" sort.
    await db.schema
      .alterTable("refund_requests")
      .addColumn("last_client_reply_at", "text")
      .execute();
    // The appeal of a denial: when, and who had denied (who may not decide it again).
    await db.schema.alterTable("refund_requests").addColumn("appealed_at", "text").execute();
    await db.schema.alterTable("refund_requests").addColumn("appeal_denied_by", "text").execute();
    // The request window's end of a recommendation (the queue sorts by it).
    await db.schema.alterTable("recommendations").addColumn("window_ends_at", "text").execute();
    // JSON array of clause ids a decision rests on (denials).
    await db.schema.alterTable("decisions").addColumn("clauses_json", "text").execute();
    await db.schema
      .createIndex("refund_requests_reviewer_idx")
      .on("refund_requests")
      .column("reviewer_id")
      .execute();
  },
};
