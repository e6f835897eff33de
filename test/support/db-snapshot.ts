// Every row of every table, in a stable order: compare a snapshot taken before a refused request
// with one taken after to show that nothing at all changed.

import type { Kysely } from "kysely";
import type { Database } from "../../src/db/schema.js";

// Keyed by the schema's tables, so a table added to `Database` without being listed here fails
// type checking instead of silently escaping the comparison.
const TABLES = {
  clients: true,
  users: true,
  sessions: true,
  api_tokens: true,
  login_throttle: true,
  account_tokens: true,
  orders: true,
  payments: true,
  service_events: true,
  refund_requests: true,
  messages: true,
  attachments: true,
  recommendations: true,
  decisions: true,
  payouts: true,
  audit_events: true,
  idempotency_keys: true,
  outbox: true,
  provider_events: true,
  notification_deliveries: true,
  webhook_endpoints: true,
  webhook_deliveries: true,
  duplicate_payments: true,
  report_requests: true,
  report_decisions: true,
  policy_versions: true,
  imports: true,
  import_chunks: true,
  attachment_objects: true,
  attachment_chunks: true,
  policy_simulations: true,
  inbound_mail: true,
  disputes: true,
} satisfies Record<keyof Database, true>;

export type DbSnapshot = Record<string, string[]>;

/** All rows of all tables as sorted JSON lines (bigints and buffers made printable). */
export async function snapshotDatabase(db: Kysely<Database>): Promise<DbSnapshot> {
  const out: DbSnapshot = {};
  for (const table of Object.keys(TABLES) as (keyof Database)[]) {
    const rows = await db.selectFrom(table).selectAll().execute();
    out[table] = rows
      .map((r) =>
        JSON.stringify(r, (_k, v: unknown) =>
          typeof v === "bigint"
            ? `${v}n`
            : v instanceof Uint8Array
              ? Buffer.from(v).toString("hex")
              : v instanceof Date
                ? v.toISOString()
                : v,
        ),
      )
      .sort();
  }
  return out;
}

/** The tables whose rows differ between two snapshots, with the rows added and removed. */
export function snapshotDiff(
  before: DbSnapshot,
  after: DbSnapshot,
): Record<string, { added: string[]; removed: string[] }> {
  const diff: Record<string, { added: string[]; removed: string[] }> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = new Set(before[table] ?? []);
    const a = new Set(after[table] ?? []);
    const added = [...a].filter((r) => !b.has(r));
    const removed = [...b].filter((r) => !a.has(r));
    if (added.length > 0 || removed.length > 0) diff[table] = { added, removed };
  }
  return diff;
}
