// The audit trail: an append-only, hash-chained log (ADR 0007). Each entry's hash covers its
// content and the previous entry's hash, so changing, removing or reordering any entry breaks
// the chain from that entry on, and `verifyAudit` names the first entry that does not fit.

import { createHash } from "node:crypto";
import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import { dialectOf } from "./connection.js";
import { precompile } from "./precompiled.js";
import type { AuditEventRow, Database } from "./schema.js";
import { toDbInstant } from "./time.js";

// The canonical JSON the hashes cover is the core's (it is pure), re-exported for the audit's users.
import { canonicalJson, type JsonValue } from "../core/json/canonical.js";
export { canonicalJson, type JsonValue };

export interface AuditInput {
  /** Who: a user id, `token:<id>`, `system` or `worker:<name>`. */
  readonly actor: string;
  /** What, as a dotted verb: `request.submitted`, `payout.approved`... */
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  /** The change in brief (ids, old and new status, amounts as decimal strings). */
  readonly summary: JsonValue;
  readonly ip: string | null;
  /** When, as epoch milliseconds or a Date (stored as ISO UTC). */
  readonly at: number | Date;
}

export interface AppendedAudit {
  readonly seq: number;
  readonly hash: string;
}

export type AuditVerification =
  | { readonly ok: true; readonly count: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** The first entry that is missing or does not fit the chain. */
      readonly seq: number;
      readonly problem: "missing" | "link" | "hash" | "malformed";
      readonly reason: string;
    };

/** prev_hash of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

// pg_advisory_xact_lock key that serializes appends across connections and processes ("RDAU" in
// ASCII). Any constant works as long as nothing else in the database takes the same lock.
const AUDIT_CHAIN_LOCK = 0x52_44_41_55;

/**
 * Appends one audit event inside the caller's transaction, so it commits or rolls back with the
 * change it records. On PostgreSQL a transaction-scoped advisory lock makes concurrent appends
 * take turns (released at commit or rollback); on SQLite the write transaction (BEGIN IMMEDIATE,
 * see connection.ts) already does.
 */
export async function appendAudit(
  trx: Transaction<Database>,
  input: AuditInput,
): Promise<AppendedAudit> {
  if (dialectOf(trx) === "postgres") await trx.executeQuery(CHAIN_LOCK);
  const head = await AUDIT_HEAD.executeTakeFirst(trx, {});
  const unhashed: Omit<AuditEventRow, "hash"> = {
    seq: head === undefined ? 1 : head.seq + 1,
    at: toDbInstant(input.at),
    actor: input.actor,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId,
    summary: canonicalJson(input.summary),
    ip: input.ip,
    prev_hash: head?.hash ?? GENESIS_HASH,
  };
  const hash = auditHash(unhashed);
  await INSERT_AUDIT.executeWrite(trx, { ...unhashed, hash });
  return { seq: unhashed.seq, hash };
}

const CHAIN_LOCK = CompiledQuery.raw(`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);

const AUDIT_HEAD = precompile<Record<string, never>>()((db) =>
  db.selectFrom("audit_events").select(["seq", "hash"]).orderBy("seq", "desc").limit(1),
);

const INSERT_AUDIT = precompile<AuditEventRow>()((db, p) =>
  db.insertInto("audit_events").values({
    seq: p("seq"),
    at: p("at"),
    actor: p("actor"),
    action: p("action"),
    entity_type: p("entity_type"),
    entity_id: p("entity_id"),
    summary: p("summary"),
    ip: p("ip"),
    prev_hash: p("prev_hash"),
    hash: p("hash"),
  }),
);

/**
 * The entry's hash: sha256 hex of `prev_hash + "\n" + canonical JSON of the entry without its
 * hash`, with the summary included as the JSON value it holds (not as a string).
 */
export function auditHash(entry: Omit<AuditEventRow, "hash">): string {
  const content: JsonValue = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    entity_type: entry.entity_type,
    entity_id: entry.entity_id,
    summary: JSON.parse(entry.summary) as JsonValue,
    ip: entry.ip,
    prev_hash: entry.prev_hash,
  };
  return sha256Hex(`${entry.prev_hash}\n${canonicalJson(content)}`);
}

const PAGE = 1000;

/**
 * Recomputes the chain in seq order and names the first entry that is missing (a gap in seq),
 * does not link to its predecessor (deleted or reordered entries), or whose content no longer
 * matches its hash (changed entry). Reads in pages, so the log may be any length.
 *
 * A chain cannot show that entries were cut off its end; compare `headHash` with a copy kept
 * elsewhere (ADR 0007).
 */
export async function verifyAudit(db: Kysely<Database>): Promise<AuditVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (;;) {
    const rows = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", ">=", expectedSeq)
      .orderBy("seq", "asc")
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        return {
          ok: false,
          seq: expectedSeq,
          problem: "missing",
          reason: `entry ${expectedSeq} is missing (the next entry is ${seq})`,
        };
      }
      if (row.prev_hash !== prevHash) {
        return {
          ok: false,
          seq,
          problem: "link",
          reason:
            seq === 1
              ? "the first entry does not start the chain (prev_hash is not the genesis hash)"
              : `prev_hash does not match the hash of entry ${seq - 1} (an entry was removed or reordered)`,
        };
      }
      let recomputed: string;
      try {
        recomputed = auditHash(row);
      } catch {
        return { ok: false, seq, problem: "malformed", reason: "summary is not valid JSON" };
      }
      if (recomputed !== row.hash) {
        return {
          ok: false,
          seq,
          problem: "hash",
          reason: "the content does not match its hash (the entry was changed)",
        };
      }
      prevHash = row.hash;
      expectedSeq = seq + 1;
      count++;
    }
    if (rows.length < PAGE) return { ok: true, count, headHash: prevHash };
  }
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
