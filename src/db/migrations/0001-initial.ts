// The initial schema, one definition for SQLite and PostgreSQL (ADR 0006). Column types are the
// ones both store alike: TEXT ids, TEXT minor units + TEXT currency, TEXT ISO UTC instants,
// INTEGER 0/1 booleans and counters, TEXT JSON. It branches on the dialect in two places only:
// - audit_events.seq: INTEGER PRIMARY KEY on SQLite (the rowid alias), BIGINT on PostgreSQL.
//   Neither auto-increments: `appendAudit` allocates head + 1 under the chain lock, because a
//   PostgreSQL sequence hands out numbers outside the transaction, so every rolled-back append
//   would leave a gap, and a gap must mean a deleted entry (ADR 0007).
// - the triggers that make audit_events append-only: PL/pgSQL on PostgreSQL, RAISE(ABORT) on
//   SQLite. They differ in syntax only.

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";

const now = "text"; // instants: TEXT ISO 8601 UTC with milliseconds
const id = "text";

export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const dialect = dialectOf(db);

    await db.schema
      .createTable("clients")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("email", "text")
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("updated_at", now, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("users")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("email", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("client_id", id, (c) => c.references("clients.id"))
      .addColumn("password_hash", "text", (c) => c.notNull())
      .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("updated_at", now, (c) => c.notNull())
      .addCheckConstraint("users_role_check", sql`role in ('client', 'qa', 'finance', 'admin')`)
      // A client user belongs to exactly one client; staff belong to none.
      .addCheckConstraint(
        "users_client_check",
        sql`(role = 'client' and client_id is not null) or (role <> 'client' and client_id is null)`,
      )
      .addCheckConstraint("users_disabled_check", sql`disabled in (0, 1)`)
      .execute();
    await db.schema.createIndex("users_client_idx").on("users").column("client_id").execute();

    await db.schema
      .createTable("sessions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("csrf_token", "text", (c) => c.notNull())
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("expires_at", now, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();
    await db.schema
      .createIndex("sessions_expires_idx")
      .on("sessions")
      .column("expires_at")
      .execute();

    await db.schema
      .createTable("api_tokens")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("scopes", "text", (c) => c.notNull())
      .addColumn("created_by", id, (c) => c.references("users.id"))
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("last_used_at", now)
      .addColumn("revoked_at", now)
      .execute();

    await db.schema
      .createTable("login_throttle")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("failures", "integer", (c) => c.notNull())
      .addColumn("window_started_at", now, (c) => c.notNull())
      .addColumn("locked_until", now)
      .execute();

    await db.schema
      .createTable("orders")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("client_id", id, (c) => c.notNull().references("clients.id"))
      .addColumn("service_name", "text", (c) => c.notNull())
      .addColumn("service_category", "text", (c) => c.notNull())
      .addColumn("service_billing", "text", (c) => c.notNull())
      .addColumn("price_minor", "text", (c) => c.notNull())
      .addColumn("price_currency", "text", (c) => c.notNull())
      .addColumn("placed_at", now, (c) => c.notNull())
      .addColumn("promised_start_by", now)
      .addColumn("promised_delivery_by", now)
      .addColumn("started_at", now)
      .addColumn("delivered_at", now)
      .addColumn("subscription_period_start", now)
      .addColumn("subscription_period_end", now)
      .addColumn("subscription_charge_ref", "text")
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("updated_at", now, (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
      .addCheckConstraint(
        "orders_subscription_check",
        sql`(subscription_period_start is null) = (subscription_period_end is null)
            and (subscription_period_start is null) = (subscription_charge_ref is null)`,
      )
      .execute();
    await db.schema.createIndex("orders_client_idx").on("orders").column("client_id").execute();

    await db.schema
      .createTable("payments")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("order_id", id, (c) => c.notNull().references("orders.id"))
      .addColumn("client_id", id, (c) => c.notNull().references("clients.id"))
      .addColumn("charge_ref", "text", (c) => c.notNull())
      .addColumn("amount_minor", "text", (c) => c.notNull())
      .addColumn("currency", "text", (c) => c.notNull())
      .addColumn("method", "text", (c) => c.notNull())
      .addColumn("captured_at", now, (c) => c.notNull())
      .addColumn("provider_ref", "text", (c) => c.unique())
      .addColumn("refunded_minor", "text", (c) => c.notNull().defaultTo("0"))
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("updated_at", now, (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("payments_order_idx").on("payments").column("order_id").execute();
    await db.schema
      .createIndex("payments_client_charge_idx")
      .on("payments")
      .columns(["client_id", "charge_ref"])
      .execute();

    await db.schema
      .createTable("service_events")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("order_id", id, (c) => c.notNull().references("orders.id"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("from_at", now, (c) => c.notNull())
      .addColumn("to_at", now)
      .addColumn("note", "text")
      .addColumn("recorded_by", "text", (c) => c.notNull())
      .addColumn("recorded_at", now, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("service_events_order_idx")
      .on("service_events")
      .column("order_id")
      .execute();

    await db.schema
      .createTable("refund_requests")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("order_id", id, (c) => c.notNull().references("orders.id"))
      .addColumn("client_id", id, (c) => c.notNull().references("clients.id"))
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("submitted_at", now, (c) => c.notNull())
      .addColumn("updated_at", now, (c) => c.notNull())
      .execute();
    // "Is there an open request on this order for this reason?" at intake.
    await db.schema
      .createIndex("refund_requests_order_reason_status_idx")
      .on("refund_requests")
      .columns(["order_id", "reason", "status"])
      .execute();
    await db.schema
      .createIndex("refund_requests_client_idx")
      .on("refund_requests")
      .columns(["client_id", "submitted_at"])
      .execute();
    await db.schema
      .createIndex("refund_requests_status_idx")
      .on("refund_requests")
      .columns(["status", "submitted_at"])
      .execute();

    await db.schema
      .createTable("messages")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("request_id", id, (c) => c.notNull().references("refund_requests.id"))
      .addColumn("author_user_id", id, (c) => c.notNull().references("users.id"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("created_at", now, (c) => c.notNull())
      .addCheckConstraint("messages_kind_check", sql`kind in ('question', 'answer', 'note')`)
      .execute();
    await db.schema
      .createIndex("messages_request_idx")
      .on("messages")
      .columns(["request_id", "created_at"])
      .execute();

    await db.schema
      .createTable("attachments")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("request_id", id, (c) => c.notNull().references("refund_requests.id"))
      .addColumn("uploaded_by", id, (c) => c.notNull().references("users.id"))
      .addColumn("original_name", "text", (c) => c.notNull())
      .addColumn("stored_name", "text", (c) => c.notNull().unique())
      .addColumn("content_type", "text", (c) => c.notNull())
      .addColumn("size_bytes", "integer", (c) => c.notNull())
      .addColumn("sha256", "text", (c) => c.notNull())
      .addColumn("created_at", now, (c) => c.notNull())
      .addCheckConstraint("attachments_size_check", sql`size_bytes >= 0`)
      .execute();
    await db.schema
      .createIndex("attachments_request_idx")
      .on("attachments")
      .column("request_id")
      .execute();

    await db.schema
      .createTable("recommendations")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("request_id", id, (c) => c.notNull().references("refund_requests.id"))
      .addColumn("policy_version", "text", (c) => c.notNull())
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("amount_minor", "text")
      .addColumn("amount_currency", "text")
      .addColumn("decision_json", "text", (c) => c.notNull())
      .addColumn("created_at", now, (c) => c.notNull())
      .addCheckConstraint(
        "recommendations_amount_check",
        sql`(amount_minor is null) = (amount_currency is null)`,
      )
      .execute();
    await db.schema
      .createIndex("recommendations_request_idx")
      .on("recommendations")
      .columns(["request_id", "created_at"])
      .execute();

    await db.schema
      .createTable("decisions")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("request_id", id, (c) => c.notNull().references("refund_requests.id"))
      .addColumn("recommendation_id", id, (c) => c.references("recommendations.id"))
      .addColumn("decided_by", id, (c) => c.notNull().references("users.id"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("amount_minor", "text")
      .addColumn("amount_currency", "text")
      .addColumn("justification", "text")
      .addColumn("alternative", "text")
      .addColumn("created_at", now, (c) => c.notNull())
      .addCheckConstraint(
        "decisions_kind_check",
        sql`kind in ('approve', 'deny', 'offer_alternative')`,
      )
      .addCheckConstraint(
        "decisions_amount_check",
        sql`(amount_minor is null) = (amount_currency is null)`,
      )
      .execute();
    await db.schema
      .createIndex("decisions_request_idx")
      .on("decisions")
      .columns(["request_id", "created_at"])
      .execute();

    await db.schema
      .createTable("payouts")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("request_id", id, (c) => c.notNull().references("refund_requests.id"))
      .addColumn("decision_id", id, (c) => c.notNull().references("decisions.id"))
      .addColumn("payment_id", id, (c) => c.notNull().references("payments.id"))
      .addColumn("method", "text", (c) => c.notNull())
      .addColumn("amount_minor", "text", (c) => c.notNull())
      .addColumn("currency", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("due_earliest", "text", (c) => c.notNull())
      .addColumn("due_latest", "text", (c) => c.notNull())
      .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
      .addColumn("provider_ref", "text", (c) => c.unique())
      .addColumn("failure_reason", "text")
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_attempt_at", now)
      .addColumn("approvals", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("updated_at", now, (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
      .addCheckConstraint(
        "payouts_status_check",
        sql`status in ('scheduled', 'submitting', 'pending', 'succeeded', 'failed', 'unknown')`,
      )
      .execute();
    await db.schema
      .createIndex("payouts_status_due_idx")
      .on("payouts")
      .columns(["status", "next_attempt_at"])
      .execute();
    await db.schema.createIndex("payouts_payment_idx").on("payouts").column("payment_id").execute();
    await db.schema.createIndex("payouts_request_idx").on("payouts").column("request_id").execute();
    await db.schema
      .createIndex("payouts_due_latest_idx")
      .on("payouts")
      .column("due_latest")
      .execute();

    await db.schema
      .createTable("audit_events")
      .addColumn("seq", dialect === "postgres" ? "bigint" : "integer", (c) => c.primaryKey())
      .addColumn("at", now, (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("entity_type", "text", (c) => c.notNull())
      .addColumn("entity_id", "text", (c) => c.notNull())
      .addColumn("summary", "text", (c) => c.notNull())
      .addColumn("ip", "text")
      .addColumn("prev_hash", "text", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull().unique())
      .addCheckConstraint("audit_events_seq_check", sql`seq >= 1`)
      .execute();
    await db.schema
      .createIndex("audit_events_entity_idx")
      .on("audit_events")
      .columns(["entity_type", "entity_id", "seq"])
      .execute();
    await createAuditGuards(db, dialect);

    await db.schema
      .createTable("idempotency_keys")
      .addColumn("scope", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("method", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("fingerprint", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("locked_until", now)
      .addColumn("response_status", "integer")
      .addColumn("response_headers", "text")
      .addColumn("response_body", "text")
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("expires_at", now, (c) => c.notNull())
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["scope", "key"])
      .addCheckConstraint("idempotency_keys_state_check", sql`state in ('in_flight', 'done')`)
      .execute();
    await db.schema
      .createIndex("idempotency_keys_expires_idx")
      .on("idempotency_keys")
      .column("expires_at")
      .execute();

    await db.schema
      .createTable("outbox")
      .addColumn("id", id, (c) => c.primaryKey())
      .addColumn("topic", "text", (c) => c.notNull())
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("created_at", now, (c) => c.notNull())
      .addColumn("available_at", now, (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("claimed_by", "text")
      .addColumn("claimed_until", now)
      .addColumn("done_at", now)
      .addColumn("last_error", "text")
      .execute();
    // The relay's query: pending rows by due time. Partial, so finished rows cost nothing.
    await db.schema
      .createIndex("outbox_pending_idx")
      .on("outbox")
      .column("available_at")
      .where(sql.ref("done_at"), "is", null)
      .execute();
  },
};

async function createAuditGuards(db: Kysely<unknown>, dialect: "sqlite" | "postgres") {
  if (dialect === "postgres") {
    await sql`
      create function audit_events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only: % refused', tg_op
          using errcode = 'insufficient_privilege';
      end
      $$`.execute(db);
    await sql`
      create trigger audit_events_no_update_delete
      before update or delete on audit_events
      for each row execute function audit_events_append_only()`.execute(db);
    // Row triggers do not fire on TRUNCATE.
    await sql`
      create trigger audit_events_no_truncate
      before truncate on audit_events
      for each statement execute function audit_events_append_only()`.execute(db);
    return;
  }
  await sql`
    create trigger audit_events_no_update before update on audit_events
    begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end`.execute(db);
  await sql`
    create trigger audit_events_no_delete before delete on audit_events
    begin select raise(abort, 'audit_events is append-only: DELETE refused'); end`.execute(db);
}
