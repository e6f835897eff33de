// Requests and replies by e-mail (issue 19, ADR 0033): every message the desk receives, stored
// raw (size-limited, as bytes) before anything reads it, then processed by a worker. One row per
// message: `dedupe_key` (the Message-ID, or the SHA-256 when there is none) and `sha256` are each
// unique, so a message delivered twice is stored once. The worker claims `stored` rows with a
// lease (`claimed_until`); a crash between storing and processing leaves the row `stored` (or its
// lease runs out), and the next worker processes it. What processing found is kept on the row:
// the outcome, the sender's client and the request it became or joined, and, for what waits on
// QA, the triage kind (unknown sender, order unclear, reason unclear, ...).

import { sql, type Kysely, type Migration } from "kysely";
import { dialectOf } from "../connection.js";

export const inboundMail: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = dialectOf(db) === "postgres" ? "bytea" : "blob";
    await db.schema
      .createTable("inbound_mail")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
      .addColumn("sha256", "text", (c) => c.notNull().unique())
      .addColumn("message_id", "text")
      .addColumn("raw", bytes, (c) => c.notNull())
      .addColumn("size_bytes", "integer", (c) => c.notNull())
      // How it arrived: smtp (remote address, HELO, MAIL FROM, RCPT TO) or imap (mailbox, uid).
      .addColumn("envelope_json", "text", (c) => c.notNull())
      .addColumn("received_at", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("outcome", "text")
      .addColumn("triage_kind", "text")
      .addColumn("from_address", "text")
      .addColumn("subject", "text")
      // The start of the new text (quotes and signature stripped), for the triage list.
      .addColumn("excerpt", "text")
      .addColumn("client_id", "text")
      .addColumn("order_id", "text")
      .addColumn("request_id", "text")
      .addColumn("auth_json", "text")
      .addColumn("note", "text")
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("claimed_until", "text")
      .addColumn("processed_at", "text")
      .addColumn("resolved_by", "text")
      .addColumn("resolved_at", "text")
      .addCheckConstraint(
        "inbound_mail_status_check",
        sql`status in ('stored', 'done', 'ignored', 'triage', 'quarantined', 'refused', 'failed', 'discarded')`,
      )
      .execute();
    await db.schema
      .createIndex("inbound_mail_status_idx")
      .on("inbound_mail")
      .columns(["status", "received_at", "id"])
      .execute();
  },
};
