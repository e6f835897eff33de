// The SQL of inbound e-mail (issue 19): storing a message once, the worker's claim with a lease,
// recording what processing found, the triage list's pages, and the look-ups processing needs
// (a contact by address, a known client's domain, the sender's own orders among candidates, the
// requests a reference names).

import { sql, type Kysely, type Transaction } from "kysely";
import { keysetAfter, type KeysetAfter } from "../../db/keyset.js";
import { precompile } from "../../db/precompiled.js";
import type {
  Database,
  InboundMailRow,
  InboundMailStatus,
  InboundMailTable,
} from "../../db/schema.js";
import type { Insertable, Updateable } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** Inserts the message unless one with its key or hash is stored; true when inserted. */
export async function insertInboundMail(
  db: Db,
  row: Insertable<InboundMailTable>,
): Promise<boolean> {
  const r = await db
    .insertInto("inbound_mail")
    .values(row)
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** The stored message with this key or hash (the one a duplicate delivery matched). */
export async function findInboundByKey(
  db: Db,
  dedupeKey: string,
  sha256: string,
): Promise<{ id: string } | undefined> {
  return db
    .selectFrom("inbound_mail")
    .select("id")
    .where((eb) => eb.or([eb("dedupe_key", "=", dedupeKey), eb("sha256", "=", sha256)]))
    .executeTakeFirst();
}

export async function findInboundMail(db: Db, id: string): Promise<InboundMailRow | undefined> {
  return db.selectFrom("inbound_mail").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * Claims up to `limit` stored messages whose lease is free (never claimed, or run out), oldest
 * first: each by a conditional UPDATE, so two workers never take the same one. Returns the ids won.
 */
export async function claimStoredInbound(
  db: Kysely<Database>,
  now: string,
  until: string,
  limit: number,
): Promise<string[]> {
  const free = await STORED_UNCLAIMED.execute(db, { now, limit });
  const won: string[] = [];
  for (const { id } of free) {
    const r = await db
      .updateTable("inbound_mail")
      .set({ claimed_until: until, attempts: sql`attempts + 1` })
      .where("id", "=", id)
      .where("status", "=", "stored")
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) won.push(id);
  }
  return won;
}

// Asked on every worker tick, busy or idle (the outbox relay's ticks follow each other under
// load): compiled once (ADR 0011's precompiled queries) instead of built by Kysely each time.
const STORED_UNCLAIMED = precompile<{ now: string; limit: number }>()((db, p) =>
  db
    .selectFrom("inbound_mail")
    .select("id")
    .where("status", "=", "stored")
    .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", p("now"))]))
    .orderBy("received_at")
    .orderBy("id")
    .limit(p("limit")),
);

/** Writes what processing (or QA) made of a message. */
export async function updateInboundMail(
  db: Db,
  id: string,
  set: Updateable<InboundMailTable>,
): Promise<void> {
  await db.updateTable("inbound_mail").set(set).where("id", "=", id).execute();
}

/**
 * Claims the resolution of a message waiting in `from` states that nobody is resolving: one
 * conditional UPDATE, so of two reviewers exactly one gets true (no read after the write, which
 * on SQLite could see the snapshot of this event-loop turn, ADR 0017).
 */
export async function claimResolution(
  db: Db,
  id: string,
  from: readonly InboundMailStatus[],
  by: string,
  at: string,
): Promise<boolean> {
  const r = await db
    .updateTable("inbound_mail")
    .set({ resolved_by: by, resolved_at: at })
    .where("id", "=", id)
    .where("status", "in", [...from])
    .where("resolved_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A page of messages in the given states, by (received_at, id). */
export async function inboundMailPage(
  db: Db,
  statuses: readonly InboundMailStatus[],
  after: KeysetAfter | null,
  limit: number,
): Promise<Omit<InboundMailRow, "raw">[]> {
  const q = db
    .selectFrom("inbound_mail")
    .select([
      "id",
      "dedupe_key",
      "sha256",
      "message_id",
      "size_bytes",
      "envelope_json",
      "received_at",
      "status",
      "outcome",
      "triage_kind",
      "from_address",
      "subject",
      "excerpt",
      "client_id",
      "order_id",
      "request_id",
      "auth_json",
      "note",
      "attempts",
      "claimed_until",
      "processed_at",
      "resolved_by",
      "resolved_at",
    ])
    .where("status", "in", [...statuses]);
  return keysetAfter(q, "received_at", "id", after, limit).execute();
}

/** The active client contact (user of role client) with this address, lower-cased. */
export async function findContactByEmail(
  db: Db,
  email: string,
): Promise<{ id: string; client_id: string } | undefined> {
  const row = await db
    .selectFrom("users")
    .select(["id", "client_id"])
    .where("email", "=", email.toLowerCase())
    .where("role", "=", "client")
    .where("disabled", "=", 0)
    .executeTakeFirst();
  return row === undefined || row.client_id === null
    ? undefined
    : { id: row.id, client_id: row.client_id };
}

/** True when a client contact's or a client company's address is at `domain`. */
export async function isClientDomain(db: Db, domain: string): Promise<boolean> {
  const pattern = `%@${domain.toLowerCase().replace(/[%_\\]/g, "")}`;
  const user = await db
    .selectFrom("users")
    .select("id")
    .where("role", "=", "client")
    .where("email", "like", pattern)
    .limit(1)
    .executeTakeFirst();
  if (user !== undefined) return true;
  const company = await db
    .selectFrom("clients")
    .select("id")
    .where(sql`lower(email)`, "like", pattern)
    .limit(1)
    .executeTakeFirst();
  return company !== undefined;
}

/** Which of `ids` are orders of `clientId`. */
export async function ordersOfClientAmong(
  db: Db,
  clientId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("orders")
    .select("id")
    .where("client_id", "=", clientId)
    .where("id", "in", [...ids])
    .execute();
  return rows.map((r) => r.id);
}

/** The requests (id, client) whose id starts with `req_<hex>` (at most five). */
export async function requestsByHex(
  db: Db,
  hex: string,
): Promise<{ id: string; client_id: string; status: string }[]> {
  return db
    .selectFrom("refund_requests")
    .select(["id", "client_id", "status"])
    .where("id", ">=", `req_${hex}`)
    .where("id", "<", `req_${hex}~`)
    .limit(5)
    .execute();
}

/** An open request of this client on this order with exactly this description (a retried intake). */
export async function requestWithDescription(
  db: Db,
  orderId: string,
  clientId: string,
  description: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("refund_requests")
    .select("id")
    .where("order_id", "=", orderId)
    .where("client_id", "=", clientId)
    .where("description", "=", description)
    .executeTakeFirst();
  return row?.id;
}

/** SHA-256s of the request's attachments (a retried message adds no file twice). */
export async function attachmentHashes(db: Db, requestId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom("attachments")
    .select("sha256")
    .where("request_id", "=", requestId)
    .execute();
  return new Set(rows.map((r) => r.sha256));
}

/** True when the user is an active contact of the client. */
export async function isContactOf(db: Db, userId: string, clientId: string): Promise<boolean> {
  const row = await db
    .selectFrom("users")
    .select("id")
    .where("id", "=", userId)
    .where("client_id", "=", clientId)
    .where("disabled", "=", 0)
    .executeTakeFirst();
  return row !== undefined;
}
