// The policy versions as the use cases ask for them (ADR 0025): the version in force at an
// instant, a version by id, the version a request is judged under. One per process (a field of
// AppDeps, `deps.policies`); servers and workers keep no policy of their own beyond a cache.
//
// - Documents by id are cached for good: a published version never changes (0011's triggers).
// - The timeline (each live version's id and effective instant) is cached POLICY_TIMELINE_MS of
//   the cache clock, and dropped at once when this process publishes or withdraws. A version
//   published elsewhere reaches this process within that time; since a publication's effective
//   instant lies in the future, the version in force at any instant already reached is the same in
//   every process, so the cache never answers another version than the database once the
//   effective instant is more than POLICY_TIMELINE_MS after the publication. What is stored with a
//   request or a payout is read from the database in the writing transaction (`inForceIn`), so it
//   never depends on a cache.
// - On an empty database the first question publishes the policy file (`initial`) as the first
//   version, effective from the epoch, by the system user, with its audit event: every instant
//   has a version in force.

import type { Kysely, Transaction } from "kysely";
import { SYSTEM_USER_ID } from "../../core/access/index.js";
import { policyDocument, type Policy } from "../../core/policy/index.js";
import { appendAudit, canonicalJson } from "../../db/audit.js";
import type { Database, PolicyVersionRow } from "../../db/schema.js";
import { fromDbInstant, fromDbInstantOrNull, toDbInstant } from "../../db/time.js";
import { AppError } from "../errors.js";
import {
  findPolicyVersionRow,
  insertPolicyVersion,
  liveTimeline,
  noPolicyVersion,
  versionIdInForce,
  versionOfRow,
  type PolicyVersion,
} from "./repository.js";

export type { PolicyVersion } from "./repository.js";

/** How long the timeline of live versions is trusted without asking the database again. */
export const POLICY_TIMELINE_MS = 2_000;
/** The first version's effective instant: from the beginning of time the system knows. */
export const FIRST_VERSION_EFFECTIVE_AT = 0;
/** Entity type of the policy versions in the audit trail. */
export const POLICY_VERSION_ENTITY = "policy_version";

const MAX_DOCUMENTS = 1_000;

type Db = Kysely<Database>;

interface Timeline {
  readonly entries: readonly { readonly id: string; readonly at: number }[];
  readonly until: number;
}

/** What a request row says about its policy version. */
export interface JudgedRow {
  readonly policy_version_id?: string | null;
  readonly submitted_at: string;
}

export interface PolicyStoreOptions {
  readonly db: Db;
  /** Published as the first version on an empty database (the policy file); null: never. */
  readonly initial: Policy | null;
  /** The business clock (the first version's publication instant). */
  readonly clock: () => number;
  /** Monotonic milliseconds for the timeline's lifetime. */
  readonly cacheClock: () => number;
  readonly ttlMs?: number;
}

/** The policy versions of one database, as one process sees them. */
export class PolicyStore {
  readonly #db: Db;
  readonly #initial: Policy | null;
  readonly #clock: () => number;
  readonly #cacheClock: () => number;
  readonly #ttlMs: number;
  readonly #documents = new Map<string, PolicyVersion>();
  #timeline: Timeline | null = null;
  #loading: Promise<Timeline> | null = null;
  #generation = 0;

  constructor(options: PolicyStoreOptions) {
    this.#db = options.db;
    this.#initial = options.initial;
    this.#clock = options.clock;
    this.#cacheClock = options.cacheClock;
    this.#ttlMs = options.ttlMs ?? POLICY_TIMELINE_MS;
  }

  /** Drops the timeline (after this process published or withdrew a version). */
  forget(): void {
    this.#generation++;
    this.#timeline = null;
    this.#loading = null;
  }

  /** The version in force at `at` (epoch ms), from the cached timeline. */
  async inForce(at: number): Promise<PolicyVersion> {
    // Every request asks this: a fresh timeline and a cached document answer without awaiting
    // (each await of an async helper costs a promise and a microtask turn).
    const cached = this.#timeline;
    const timeline =
      cached !== null && cached.until > this.#cacheClock() ? cached : await this.#currentTimeline();
    const id = idAt(timeline.entries, at);
    if (id === undefined) throw noVersionAt(at);
    return this.#documents.get(id) ?? this.#byIdOrThrow(this.#db, id);
  }

  /**
   * The policy in force now (by the business clock): from the cached timeline, or, inside a
   * transaction (pass it), read in that transaction. A use case never asks the pool for a second
   * connection while it holds one: with every connection in transactions waiting for the audit
   * chain's lock, the one holding it would wait for a connection for ever (PostgreSQL).
   */
  async current(db?: Db): Promise<Policy> {
    if (db?.isTransaction === true) return (await this.inForceIn(db, this.#clock())).policy;
    return (await this.inForce(this.#clock())).policy;
  }

  /** The live versions' ids and effective instants, in effective order (cached). */
  async timeline(): Promise<readonly { readonly id: string; readonly at: number }[]> {
    return (await this.#currentTimeline()).entries;
  }

  /**
   * The version in force at `at`, read in `db` (the caller's transaction): what a request or a
   * payout stores, so it never depends on this process's cache.
   */
  async inForceIn(db: Db, at: number): Promise<PolicyVersion> {
    let id = await versionIdInForce(db, toDbInstant(at));
    if (id === undefined && (await this.#publishInitial(db))) {
      id = await versionIdInForce(db, toDbInstant(at));
    }
    if (id === undefined) throw noVersionAt(at);
    return this.#documents.get(id) ?? this.#byIdOrThrow(db, id);
  }

  /** A version by id (withdrawn ones too), or undefined. */
  async byId(id: string, db: Db = this.#db): Promise<PolicyVersion | undefined> {
    const hit = this.#documents.get(id);
    if (hit !== undefined) return hit;
    const row = await findPolicyVersionRow(db, id);
    if (row === undefined) return undefined;
    const version = versionOfRow(row);
    // Only the document is cached for good; a withdrawal is read from the row when it matters.
    if (this.#documents.size >= MAX_DOCUMENTS) this.#documents.clear();
    this.#documents.set(id, version);
    return version;
  }

  /** A version by id with its withdrawal as the database has it now (the document cached). */
  async fresh(id: string, db: Db = this.#db): Promise<PolicyVersion | undefined> {
    const row = await findPolicyVersionRow(db, id);
    if (row === undefined) return undefined;
    const version = (await this.byId(id, db)) ?? versionOfRow(row);
    return {
      ...version,
      withdrawnAt: fromDbInstantOrNull(row.withdrawn_at),
      withdrawnBy: row.withdrawn_by,
    };
  }

  /**
   * The version a request is judged under: the one it stored, or (a request written before
   * versions were stored) the one in force at its submission.
   */
  async forRequest(row: JudgedRow, db: Db = this.#db): Promise<PolicyVersion> {
    const id = row.policy_version_id ?? null;
    if (id !== null) return this.#documents.get(id) ?? this.#byIdOrThrow(db, id);
    return this.inForceIn(db, fromDbInstant(row.submitted_at));
  }

  async #byIdOrThrow(db: Db, id: string): Promise<PolicyVersion> {
    const version = await this.byId(id, db);
    if (version === undefined) {
      throw new AppError("unavailable", `policy version ${id} is not in the database`);
    }
    return version;
  }

  async #currentTimeline(): Promise<Timeline> {
    const t = this.#timeline;
    if (t !== null && t.until > this.#cacheClock()) return t;
    if (this.#loading !== null) return this.#loading;
    const generation = this.#generation;
    const loading = this.#loadTimeline().then(
      (loaded) => {
        if (this.#generation === generation) {
          this.#timeline = loaded;
          this.#loading = null;
        }
        return loaded;
      },
      (e: unknown) => {
        if (this.#generation === generation) this.#loading = null;
        throw e;
      },
    );
    this.#loading = loading;
    return loading;
  }

  async #loadTimeline(): Promise<Timeline> {
    let rows = await liveTimeline(this.#db);
    if (rows.length === 0 && (await this.#publishInitial(this.#db))) {
      rows = await liveTimeline(this.#db);
    }
    return {
      entries: rows.map((r) => ({ id: r.id, at: fromDbInstant(r.effective_at) })),
      until: this.#cacheClock() + this.#ttlMs,
    };
  }

  /** Publishes `initial` on a database without any version; true when there is one now. */
  async #publishInitial(db: Db): Promise<boolean> {
    const initial = this.#initial;
    if (initial === null) return false;
    if (!(await noPolicyVersion(db))) return true;
    const publish = async (trx: Kysely<Database>) =>
      publishFirstVersion(trx, initial, this.#clock());
    if (db.isTransaction) await publish(db);
    else await db.transaction().execute(publish);
    return true;
  }
}

/**
 * Publishes `policy` as the first version (effective from the epoch, by the system user) unless a
 * version exists; appends the audit event when this call inserted it. For the first start.
 */
export async function publishFirstVersion(db: Db, policy: Policy, now: number): Promise<boolean> {
  if (!db.isTransaction) {
    return db.transaction().execute((trx) => publishFirstVersion(trx, policy, now));
  }
  if (!(await noPolicyVersion(db))) return false;
  const row: PolicyVersionRow = {
    id: policy.version,
    effective_at: toDbInstant(FIRST_VERSION_EFFECTIVE_AT),
    published_by: SYSTEM_USER_ID,
    published_at: toDbInstant(now),
    document: storedDocument(policy),
    withdrawn_at: null,
    withdrawn_by: null,
  };
  const inserted = await insertPolicyVersion(db, row);
  if (inserted) {
    await appendAudit(db as Transaction<Database>, {
      actor: `user:${SYSTEM_USER_ID}`,
      action: "policy.publish",
      entityType: POLICY_VERSION_ENTITY,
      entityId: row.id,
      summary: { effectiveAt: row.effective_at, first: true },
      ip: null,
      at: now,
    });
  }
  return inserted;
}

/** The text stored for a version: canonical JSON of its policy-file document. */
export function storedDocument(policy: Policy): string {
  return canonicalJson(policyDocument(policy) as never);
}

function idAt(entries: Timeline["entries"], at: number): string | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e !== undefined && e.at <= at) return e.id;
  }
  return undefined;
}

function noVersionAt(at: number): AppError {
  return new AppError(
    "unavailable",
    `no policy version is in force at ${new Date(at).toISOString()}; publish one`,
  );
}
