// The audit trail: an append-only, hash-chained log (ADR 0007). Each entry's hash covers its
// content and the previous entry's hash, so changing, removing or reordering any entry breaks
// the chain from that entry on, and `verifyAudit` names the first entry that does not fit.

import { hash, randomFillSync } from "node:crypto";
import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import { insertRows } from "./bulk-insert.js";
import { dialectOf } from "./connection.js";
import { precompile } from "./precompiled.js";
import type { AuditEventRow, Database } from "./schema.js";
import { toDbInstant } from "./time.js";

// The canonical JSON the hashes cover is the core's (it is pure), re-exported for the audit's users.
import { canonicalJson, type JsonValue } from "../core/json/canonical.js";
export { canonicalJson, type JsonValue };

/**
 * A summary already written as `canonicalJson` text, by the caller: bulk imports make their rows'
 * summaries in a worker thread (app/imports), and the append hashes and stores the text as given.
 */
export class CanonicalJsonText {
  constructor(readonly text: string) {}
}

export interface AuditInput {
  /** Who: a user id, `token:<id>`, `system` or `worker:<name>`. */
  readonly actor: string;
  /** What, as a dotted verb: `request.submitted`, `payout.approved`... */
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  /**
   * The change in brief (ids, old and new status, amounts as decimal strings), or its canonical
   * JSON text made beforehand (`CanonicalJsonText`).
   */
  readonly summary: JsonValue | CanonicalJsonText;
  /** The caller's address: personal data, kept with `personal` (ADR 0028). */
  readonly ip: string | null;
  /** When, as epoch milliseconds or a Date (stored as ISO UTC). */
  readonly at: number | Date;
  /**
   * Personal values of the event (an e-mail address, a name, a file name a person chose): kept
   * apart from the summary, hashed by digest, erasable (ADR 0028). Never put them in `summary`.
   */
  readonly personal?: Readonly<Record<string, JsonValue>>;
}

/** The chain rule of new entries (ADR 0028); entries before migration 0014 are chain 1. */
export const AUDIT_CHAIN = 2;

export interface AppendedAudit {
  readonly seq: number;
  readonly hash: string;
}

export type AuditVerification =
  | {
      readonly ok: true;
      readonly count: number;
      readonly headHash: string;
      /** Entries whose personal fields were erased (their digests, or links, still verified). */
      readonly erased: number;
    }
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
  const unhashed = unhashedEntry(
    input,
    head === undefined ? 1 : head.seq + 1,
    head?.hash ?? GENESIS_HASH,
  );
  const hash = auditHash(unhashed, unhashed.summary);
  await INSERT_AUDIT.executeWrite(trx, { ...unhashed, hash });
  return { seq: unhashed.seq, hash };
}

/** An entry as chain 2 stores it (ADR 0028), before its hash. */
function unhashedEntry(
  input: AuditInput,
  seq: number,
  prevHash: string,
  at: string = toDbInstant(input.at),
): Omit<AuditEventRow, "hash"> {
  const personal = personalPart(input);
  return {
    seq,
    at,
    actor: input.actor,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId,
    summary:
      input.summary instanceof CanonicalJsonText
        ? input.summary.text
        : canonicalJson(input.summary),
    ip: null,
    prev_hash: prevHash,
    chain: AUDIT_CHAIN,
    personal,
    personal_digest: personal === null ? null : sha256Hex(personal),
    erased_by: null,
  };
}

/** The personal fields of an entry with their nonce, as canonical JSON; null when it has none. */
function personalPart(input: AuditInput): string | null {
  // Most entries (an import's, say) have neither: nothing to build for them.
  if (input.ip === null && input.personal === undefined) return null;
  const fields: Record<string, JsonValue> = { ...(input.personal ?? {}) };
  if (input.ip !== null) fields["ip"] = input.ip;
  if (Object.keys(fields).length === 0) return null;
  // A nonce makes the digest unguessable: nobody can confirm an erased address by hashing guesses.
  return canonicalJson({ ...fields, nonce: nonceHex() });
}

/** Bytes of a personal part's nonce (32 hex characters). */
const NONCE_BYTES = 16;
/** Random bytes drawn from the CSPRNG 4 KiB at a time; each nonce takes the next 16, once. */
const noncePool = Buffer.alloc(4096);
let noncePoolAt = noncePool.length;

/**
 * A fresh nonce: 16 bytes of the CSPRNG in hex. Taken from a pool refilled with `randomFillSync`
 * (as Node's own `randomUUID` buffers its entropy), the same unguessable bytes as a
 * `randomBytes(16)` per event, whose call cost about 3 µs of every audited write (issue 10,
 * session 9); no byte is ever used twice.
 */
function nonceHex(): string {
  if (noncePoolAt + NONCE_BYTES > noncePool.length) {
    randomFillSync(noncePool);
    noncePoolAt = 0;
  }
  const hex = noncePool.toString("hex", noncePoolAt, noncePoolAt + NONCE_BYTES);
  noncePoolAt += NONCE_BYTES;
  return hex;
}

/**
 * Appends several audit events, in the given order, inside the caller's transaction: one read of
 * the chain's head, the hashes chained in memory, and multi-row inserts. The entries are exactly
 * those `appendAudit` would write one by one (bulk imports use it: one entry per imported row).
 */
export async function appendAuditBatch(
  trx: Transaction<Database>,
  inputs: readonly AuditInput[],
): Promise<void> {
  if (inputs.length === 0) return;
  if (dialectOf(trx) === "postgres") await trx.executeQuery(CHAIN_LOCK);
  const head = await AUDIT_HEAD.executeTakeFirst(trx, {});
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_HASH;
  // The entries of a batch mostly share one instant (an import stamps its rows with one `now`):
  // each distinct instant is written out once per batch.
  const atTexts = new Map<number, string>();
  const atText = (at: number | Date): string => {
    const ms = typeof at === "number" ? at : at.getTime();
    let text = atTexts.get(ms);
    if (text === undefined) atTexts.set(ms, (text = toDbInstant(ms)));
    return text;
  };
  const rows: AuditEventRow[] = inputs.map((input) => {
    const unhashed = unhashedEntry(input, ++seq, prev, atText(input.at));
    prev = auditHash(unhashed, unhashed.summary);
    return { ...unhashed, hash: prev };
  });
  await insertRows(trx, "audit_events", rows);
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
    chain: p("chain"),
    personal: p("personal"),
    personal_digest: p("personal_digest"),
    erased_by: p("erased_by"),
  }),
);

/**
 * The entry's hash: sha256 hex of `prev_hash + "\n" + canonical JSON of the entry without its
 * hash`, with the summary included as the JSON value it holds (not as a string). Chain 1 (ADR
 * 0007) hashes the address itself; chain 2 (ADR 0028) hashes `personal_digest` in place of the
 * personal fields (the address among them), so erasing those leaves the hash as it was.
 *
 * `summaryCanonical` is the summary's canonical JSON: by default read from the stored text and
 * written out again; an append passes the text it has just made canonical (the same text), which
 * spares a parse and a second canonicalisation per entry (bulk imports append one per row).
 */
export function auditHash(
  entry: Omit<AuditEventRow, "hash" | "chain" | "personal" | "personal_digest" | "erased_by"> &
    Partial<Pick<AuditEventRow, "chain" | "personal_digest">>,
  summaryCanonical: string = canonicalJson(JSON.parse(entry.summary) as JsonValue),
): string {
  const chain = Number(entry.chain ?? 1);
  // canonicalJson({...fields, summary}), written out: the fields' keys in sorted order, each
  // value as canonicalJson writes it (JSON.stringify of a string or an integer), and the summary
  // last ("seq" < "summary"). The same text (audit-hash.test.ts), without sorting the keys of
  // every entry again (bulk imports append one per row).
  const str = JSON.stringify;
  const head =
    chain === 1
      ? `{"action":${str(entry.action)},"actor":${str(entry.actor)},"at":${str(entry.at)},` +
        `"entity_id":${str(entry.entity_id)},"entity_type":${str(entry.entity_type)},` +
        // An absent address is left out, as canonicalJson leaves out an undefined value.
        (entry.ip === undefined ? "" : `"ip":${entry.ip === null ? "null" : str(entry.ip)},`) +
        `"prev_hash":${str(entry.prev_hash)},`
      : `{"action":${str(entry.action)},"actor":${str(entry.actor)},"at":${str(entry.at)},` +
        `"chain":${canonicalJson(chain)},"entity_id":${str(entry.entity_id)},` +
        `"entity_type":${str(entry.entity_type)},"personal_digest":` +
        `${entry.personal_digest === null || entry.personal_digest === undefined ? "null" : str(entry.personal_digest)},` +
        `"prev_hash":${str(entry.prev_hash)},`;
  const content = `${head}"seq":${canonicalJson(Number(entry.seq))},"summary":${summaryCanonical}}`;
  return sha256Hex(`${entry.prev_hash}\n${content}`);
}

/** The SHA-256 hex of a text (the personal part's digest). */
export function personalDigest(personal: string): string {
  return sha256Hex(personal);
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
  // seq of an erased entry -> the seq of the erasure it names (checked once the chain is read).
  const erasedBy = new Map<number, number>();
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
      const chain = Number(row.chain ?? 1);
      const erased =
        row.erased_by === null || row.erased_by === undefined ? null : Number(row.erased_by);
      if (chain === 2) {
        if (row.ip !== null) {
          return {
            ok: false,
            seq,
            problem: "hash",
            reason: "a chain-2 entry holds an address outside its personal part",
          };
        }
        if (row.personal !== null) {
          if (erased !== null || personalDigest(row.personal) !== row.personal_digest) {
            return {
              ok: false,
              seq,
              problem: "hash",
              reason: "the personal fields do not match their digest (they were changed)",
            };
          }
        } else if (row.personal_digest !== null && erased === null) {
          return {
            ok: false,
            seq,
            problem: "hash",
            reason: "the personal fields were removed without an erasure",
          };
        }
      } else if (chain !== 1) {
        return { ok: false, seq, problem: "malformed", reason: `unknown chain rule ${chain}` };
      }
      if (erased !== null) erasedBy.set(seq, erased);
      let recomputed: string;
      try {
        recomputed = auditHash(row);
      } catch {
        return { ok: false, seq, problem: "malformed", reason: "summary is not valid JSON" };
      }
      // A chain-1 entry redacted by an erasure can no longer be checked against its hash (its
      // personal values were hashed themselves); its link still is, and its erasure must exist.
      if (recomputed !== row.hash && !(chain === 1 && erased !== null)) {
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
    if (rows.length < PAGE) {
      const bad = await unrecordedErasure(db, erasedBy);
      if (bad !== null) return bad;
      return { ok: true, count, headHash: prevHash, erased: erasedBy.size };
    }
  }
}

/** An erased entry must name a later `privacy.erased` entry of the chain that records it. */
async function unrecordedErasure(
  db: Kysely<Database>,
  erasedBy: ReadonlyMap<number, number>,
): Promise<AuditVerification | null> {
  if (erasedBy.size === 0) return null;
  const erasures = new Set<number>();
  const wanted = [...new Set(erasedBy.values())];
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await db
      .selectFrom("audit_events")
      .select("seq")
      .where("seq", "in", wanted.slice(i, i + 500))
      .where("action", "=", "privacy.erased")
      .execute();
    for (const r of rows) erasures.add(Number(r.seq));
  }
  for (const [seq, by] of [...erasedBy].sort((a, b) => a[0] - b[0])) {
    if (!erasures.has(by) || by <= seq) {
      return {
        ok: false,
        seq,
        problem: "hash",
        reason: `the entry is marked erased by entry ${by}, which is no erasure recorded after it`,
      };
    }
  }
  return null;
}

function sha256Hex(text: string): string {
  // The one-shot form: no Hash object per call (a bulk import hashes an entry per row).
  return hash("sha256", text, "hex");
}

/** One audit entry as read back (summary parsed; null when it is not valid JSON). */
export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly summary: JsonValue;
  readonly ip: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * Whose trail: one request's (the request's own entries, and those of its payouts and files),
 * or one person's (what they did, and what was done to their account).
 */
export type AuditTrailFilter =
  { readonly requestId: string } | { readonly userId: string; readonly actorRef: string };

function personalIp(personal: string | null): string | null {
  if (personal === null) return null;
  try {
    const ip = (JSON.parse(personal) as { ip?: unknown }).ip;
    return typeof ip === "string" ? ip : null;
  } catch {
    return null;
  }
}

function presentAuditRow(row: AuditEventRow): AuditEntry {
  let summary: JsonValue;
  try {
    summary = JSON.parse(row.summary) as JsonValue;
  } catch {
    summary = null;
  }
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    summary,
    ip: row.ip ?? personalIp(row.personal),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The entries of one trail in chain order, after `afterSeq`, `limit + 1` of them (the caller
 * reads the extra one as "there is a next page"). Served by audit_events_entity_idx
 * (entity_type, entity_id, seq) and audit_events_actor_idx (actor, seq).
 */
export async function listAuditTrail(
  db: Kysely<Database>,
  filter: AuditTrailFilter,
  afterSeq: number,
  limit: number,
): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom("audit_events")
    .selectAll()
    .where((eb) =>
      "requestId" in filter
        ? eb.or([
            eb.and([
              eb("entity_type", "=", "refund_request"),
              eb("entity_id", "=", filter.requestId),
            ]),
            eb.and([
              eb("entity_type", "=", "payout"),
              eb(
                "entity_id",
                "in",
                eb.selectFrom("payouts").select("id").where("request_id", "=", filter.requestId),
              ),
            ]),
            eb.and([
              eb("entity_type", "=", "attachment"),
              eb(
                "entity_id",
                "in",
                eb
                  .selectFrom("attachments")
                  .select("id")
                  .where("request_id", "=", filter.requestId),
              ),
            ]),
          ])
        : eb.or([
            eb("actor", "=", filter.actorRef),
            eb.and([eb("entity_type", "=", "user"), eb("entity_id", "=", filter.userId)]),
          ]),
    )
    .where("seq", ">", afterSeq)
    .orderBy("seq", "asc")
    .limit(limit + 1)
    .execute();
  return rows.map(presentAuditRow);
}

/** The entry at `seq`, or undefined (a gap, or past the end). */
export async function auditEntryAt(
  db: Kysely<Database>,
  seq: number,
): Promise<AuditEntry | undefined> {
  const row = await db
    .selectFrom("audit_events")
    .selectAll()
    .where("seq", "=", seq)
    .executeTakeFirst();
  return row === undefined ? undefined : presentAuditRow(row);
}

/** Whose personal fields an erasure removes from the trail: a person's own entries and files. */
export interface AuditSubject {
  /** `user:<id>`: the entries the person made (their address). */
  readonly actorRef: string;
  readonly userId: string;
  /** Their uploads (file names). */
  readonly attachmentIds: readonly string[];
}

/**
 * Erases the personal fields of the subject's entries before `erasureSeq` (ADR 0028): a chain-2
 * entry loses its personal part (the digest stays, so its hash still verifies); a chain-1 entry
 * has the subject's values in its summary (`redact`) and its address removed in place. Each
 * erased entry names the `privacy.erased` entry `erasureSeq`. Returns how many were erased.
 */
export async function eraseAuditPersonal(
  trx: Transaction<Database>,
  subject: AuditSubject,
  erasureSeq: number,
  redact: (summary: JsonValue) => JsonValue,
): Promise<number> {
  const rows = await trx
    .selectFrom("audit_events")
    .select(["seq", "chain", "summary", "ip", "personal"])
    .where("seq", "<", erasureSeq)
    .where("erased_by", "is", null)
    .where((eb) =>
      eb.or([
        eb("actor", "=", subject.actorRef),
        eb.and([eb("entity_type", "=", "user"), eb("entity_id", "=", subject.userId)]),
        ...(subject.attachmentIds.length === 0
          ? []
          : [
              eb.and([
                eb("entity_type", "=", "attachment"),
                eb("entity_id", "in", [...subject.attachmentIds]),
              ]),
            ]),
      ]),
    )
    .orderBy("seq")
    .execute();
  let erased = 0;
  for (const row of rows) {
    if (Number(row.chain) === 1) {
      let summary: JsonValue;
      try {
        summary = JSON.parse(row.summary) as JsonValue;
      } catch {
        summary = null;
      }
      const redacted = canonicalJson(redact(summary));
      if (redacted === row.summary && row.ip === null) continue;
      await trx
        .updateTable("audit_events")
        .set({ summary: redacted, ip: null, erased_by: erasureSeq })
        .where("seq", "=", row.seq)
        .execute();
    } else {
      if (row.personal === null) continue;
      await trx
        .updateTable("audit_events")
        .set({ personal: null, erased_by: erasureSeq })
        .where("seq", "=", row.seq)
        .execute();
    }
    erased++;
  }
  return erased;
}

/** The subject's audit entries with their personal fields (for a data export). */
export async function auditEntriesOf(
  db: Kysely<Database>,
  subject: AuditSubject,
): Promise<(AuditEntry & { personal: JsonValue })[]> {
  const rows = await db
    .selectFrom("audit_events")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("actor", "=", subject.actorRef),
        eb.and([eb("entity_type", "=", "user"), eb("entity_id", "=", subject.userId)]),
      ]),
    )
    .orderBy("seq")
    .execute();
  return rows.map((row) => {
    let personal: JsonValue = null;
    if (row.personal !== null) {
      try {
        const fields = JSON.parse(row.personal) as Record<string, JsonValue>;
        delete fields["nonce"];
        personal = fields;
      } catch {
        personal = null;
      }
    }
    return { ...presentAuditRow(row), personal };
  });
}
