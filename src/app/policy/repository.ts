// Policy versions in the database (migration 0011): the queries of the policy store and of the
// publish / withdraw / list verbs, and the row <-> domain codec (the stored document is parsed by
// the core's `parsePolicy`, the same check a published file passed).

import type { Kysely } from "kysely";
import { parsePolicy, type Policy } from "../../core/policy/index.js";
import { keysetAfter, type KeysetAfter } from "../../db/keyset.js";
import { precompile } from "../../db/precompiled.js";
import type { Database, PolicyVersionRow } from "../../db/schema.js";
import { fromDbInstant, fromDbInstantOrNull } from "../../db/time.js";

type Db = Kysely<Database>;

/** A published policy version: when it takes effect, who published it, and its whole document. */
export interface PolicyVersion {
  /** The document's `version`: what every recommendation cites as `policyVersion`. */
  readonly id: string;
  /** Epoch ms; in force from this instant (inclusive) until the next live version's. */
  readonly effectiveAt: number;
  readonly publishedBy: string;
  readonly publishedAt: number;
  /** A scheduled version withdrawn before it took effect; never in force. */
  readonly withdrawnAt: number | null;
  readonly withdrawnBy: string | null;
  readonly policy: Policy;
}

/** The stored version as the domain reads it; throws when the stored document is not a policy. */
export function versionOfRow(row: PolicyVersionRow): PolicyVersion {
  const parsed = parsePolicy(JSON.parse(row.document) as unknown);
  if (!parsed.ok) {
    throw new Error(
      `stored policy version ${row.id} is not a valid policy: ${parsed.error.path}: ${parsed.error.message}`,
    );
  }
  return {
    id: row.id,
    effectiveAt: fromDbInstant(row.effective_at),
    publishedBy: row.published_by,
    publishedAt: fromDbInstant(row.published_at),
    withdrawnAt: fromDbInstantOrNull(row.withdrawn_at),
    withdrawnBy: row.withdrawn_by,
    policy: parsed.value,
  };
}

/** One stored version by id (withdrawn ones included). */
export async function findPolicyVersionRow(
  db: Db,
  id: string,
): Promise<PolicyVersionRow | undefined> {
  return db.selectFrom("policy_versions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The id of the live version in force at `at` (ISO UTC text), read now from the database. */
export async function versionIdInForce(db: Db, at: string): Promise<string | undefined> {
  return (await VERSION_ID_IN_FORCE.executeTakeFirst(db, { at }))?.id;
}

// Asked in every intake's transaction: compiled once (ADR 0011's precompiled queries).
const VERSION_ID_IN_FORCE = precompile<{ at: string }>()((db, p) =>
  db
    .selectFrom("policy_versions")
    .select("id")
    .where("withdrawn_at", "is", null)
    .where("effective_at", "<=", p("at"))
    .orderBy("effective_at", "desc")
    .limit(1),
);

/** Every live version's id and effective instant, in effective order: the store's timeline. */
export async function liveTimeline(
  db: Db,
): Promise<{ readonly id: string; readonly effective_at: string }[]> {
  return db
    .selectFrom("policy_versions")
    .select(["id", "effective_at"])
    .where("withdrawn_at", "is", null)
    .orderBy("effective_at", "asc")
    .execute();
}

/** True when no version was ever published. */
export async function noPolicyVersion(db: Db): Promise<boolean> {
  const row = await db.selectFrom("policy_versions").select("id").limit(1).executeTakeFirst();
  return row === undefined;
}

/**
 * Inserts a version; false when a row with its id (or a live one at its effective instant)
 * exists already, so a concurrent first start publishes the policy file once.
 */
export async function insertPolicyVersion(db: Db, row: PolicyVersionRow): Promise<boolean> {
  const done = await db
    .insertInto("policy_versions")
    .values(row)
    .onConflict((oc) => oc.doNothing())
    .returning("id")
    .execute();
  return done.length > 0;
}

/** The live version at exactly `at` (ISO UTC text), if any. */
export async function liveVersionAt(db: Db, at: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("policy_versions")
    .select("id")
    .where("withdrawn_at", "is", null)
    .where("effective_at", "=", at)
    .executeTakeFirst();
  return row?.id;
}

/** Records a withdrawal; false when the row was withdrawn meanwhile. */
export async function markWithdrawn(db: Db, id: string, at: string, by: string): Promise<boolean> {
  const done = await db
    .updateTable("policy_versions")
    .set({ withdrawn_at: at, withdrawn_by: by })
    .where("id", "=", id)
    .where("withdrawn_at", "is", null)
    .executeTakeFirst();
  return done.numUpdatedRows > 0n;
}

/** One page of versions in effective order, (effective_at, id), one row more when there is more. */
export async function policyVersionPage(
  db: Db,
  after: KeysetAfter | null,
  limit: number,
): Promise<PolicyVersionRow[]> {
  return keysetAfter(
    db.selectFrom("policy_versions").selectAll(),
    "effective_at",
    "id",
    after,
    limit,
  ).execute();
}
