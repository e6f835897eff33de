// Notifications (issue 4): which e-mails went out for which outbox row (so a retried row sends
// nothing twice), the webhook endpoints admins register, and one delivery row per event and
// endpoint with its retry state. Same column conventions as 0001: TEXT ids and instants, INTEGER
// counters and 0/1 flags, TEXT JSON.

import { sql, type Kysely, type Migration } from "kysely";

const now = "text";
const id = "text";

export const notifications: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // One row per e-mail handed to the mail server. No foreign key to outbox: the relay may purge
    // old outbox rows, and this is a record of what was sent, not of what is pending.
    await db.schema
      .createTable("notification_deliveries")
      .addColumn("outbox_id", id, (c) => c.notNull())
      .addColumn("recipient", "text", (c) => c.notNull())
      .addColumn("topic", "text", (c) => c.notNull())
      .addColumn("message_id", "text", (c) => c.notNull())
      .addColumn("sent_at", now, (c) => c.notNull())
      .addPrimaryKeyConstraint("notification_deliveries_pk", ["outbox_id", "recipient"])
      .execute();

    await db.schema
      .createTable("webhook_endpoints")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("description", "text")
      // The signing secret itself: HMAC needs it, so unlike API tokens it cannot be stored hashed.
      .addColumn("secret", "text", (c) => c.notNull())
      // JSON array of event types, or ["*"] for all.
      .addColumn("events", "text", (c) => c.notNull())
      .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_by", id)
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("updated_at", now, (c) => c.notNull())
      .addCheckConstraint("webhook_endpoints_disabled_check", sql`disabled in (0, 1)`)
      .execute();

    await db.schema
      .createTable("webhook_deliveries")
      .addColumn("id", id, (c) => c.primaryKey())
      // The event's id: the outbox row it came from (stable across retries and endpoints).
      .addColumn("event_id", id, (c) => c.notNull())
      .addColumn("event_type", "text", (c) => c.notNull())
      .addColumn("endpoint_id", id, (c) =>
        c.notNull().references("webhook_endpoints.id").onDelete("cascade"),
      )
      // The exact JSON body sent (and signed) on every attempt.
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      // Due time while pending; moved ahead by a claim (a lease), so another worker skips it.
      .addColumn("next_attempt_at", now, (c) => c.notNull())
      .addColumn("last_attempt_at", now)
      .addColumn("last_status", "integer")
      .addColumn("last_error", "text")
      .addColumn("delivered_at", now)
      .addColumn("created_at", now, (c) => c.notNull())
      .addUniqueConstraint("webhook_deliveries_event_endpoint_key", ["event_id", "endpoint_id"])
      .addCheckConstraint(
        "webhook_deliveries_status_check",
        sql`status in ('pending', 'delivered', 'failed')`,
      )
      .execute();
    // The delivery loop's query: pending rows by due time. Partial, so finished rows cost nothing.
    await db.schema
      .createIndex("webhook_deliveries_due_idx")
      .on("webhook_deliveries")
      .column("next_attempt_at")
      .where(sql.ref("status"), "=", "pending")
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_endpoint_idx")
      .on("webhook_deliveries")
      .column("endpoint_id")
      .execute();
  },
};
