// What a metrics scrape reads from the database: payouts by status and method, and the backlogs
// of the outbox and of outbound webhook deliveries with the age of their oldest entry.

import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema.js";

type Db = Kysely<Database>;

/** Payouts counted by status and method. */
export async function payoutsByStatusAndMethod(
  db: Db,
): Promise<{ status: string; method: string; n: number }[]> {
  const rows = await db
    .selectFrom("payouts")
    .select(["status", "method", sql<string | number>`count(*)`.as("n")])
    .groupBy(["status", "method"])
    .execute();
  return rows.map((r) => ({ status: r.status, method: r.method, n: Number(r.n) }));
}

/** Outbox messages not handled yet, by topic, each with its oldest creation instant. */
export async function outboxBacklog(
  db: Db,
): Promise<{ topic: string; n: number; oldest: string | null }[]> {
  const rows = await db
    .selectFrom("outbox")
    .select([
      "topic",
      sql<string | number>`count(*)`.as("n"),
      sql<string | null>`min(created_at)`.as("oldest"),
    ])
    .where("done_at", "is", null)
    .groupBy("topic")
    .execute();
  return rows.map((r) => ({ topic: r.topic, n: Number(r.n), oldest: r.oldest }));
}

/** Webhook deliveries not delivered (pending, failed), each status with its oldest creation. */
export async function webhookBacklog(
  db: Db,
): Promise<{ status: string; n: number; oldest: string | null }[]> {
  const rows = await db
    .selectFrom("webhook_deliveries")
    .select([
      "status",
      sql<string | number>`count(*)`.as("n"),
      sql<string | null>`min(created_at)`.as("oldest"),
    ])
    .where("status", "!=", "delivered")
    .groupBy("status")
    .execute();
  return rows.map((r) => ({ status: r.status, n: Number(r.n), oldest: r.oldest }));
}
