// Migrations are code, listed here by hand (no folder scan), so the compiled dist runs them the
// same way the sources do. Names sort in application order; a migration, once released, never
// changes: a change is a new entry. Forward-only: to go back, restore a backup.

import { Migrator, sql, type Kysely, type Migration, type MigrationResult } from "kysely";
import {
  dialectOf,
  openDatabase,
  type DialectName,
  type OpenDatabaseOptions,
} from "../connection.js";
import type { Database } from "../schema.js";
import { initial } from "./0001-initial.js";
import { requests } from "./0002-requests.js";
import { payouts } from "./0003-payouts.js";
import { notifications } from "./0004-notifications.js";
import { dropRedundantRequestIndex } from "./0005-drop-redundant-request-index.js";
import { duplicates } from "./0006-duplicates.js";
import { payoutOperations } from "./0007-payout-operations.js";
import { people } from "./0008-people.js";
import { auditActorIndex } from "./0009-audit-actor-index.js";
import { reports } from "./0010-reports.js";
import { policyVersions } from "./0011-policy-versions.js";
import { policySimulations } from "./0012-policy-simulations.js";
import { personalData } from "./0014-personal-data.js";
import { imports } from "./0016-imports.js";
import { attachmentStorage } from "./0017-attachment-storage.js";
import { disputes } from "./0018-disputes.js";
import { inboundMail } from "./0019-inbound-mail.js";
import { requestTriage } from "./0020-request-triage.js";
import { auditHashNotUnique } from "./0021-audit-hash-not-unique.js";

/** Every migration by name, in order. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "0001-initial": initial,
  "0002-requests": requests,
  "0003-payouts": payouts,
  "0004-notifications": notifications,
  "0005-drop-redundant-request-index": dropRedundantRequestIndex,
  "0006-duplicates": duplicates,
  "0007-payout-operations": payoutOperations,
  "0008-people": people,
  "0009-audit-actor-index": auditActorIndex,
  "0010-reports": reports,
  "0011-policy-versions": policyVersions,
  "0012-policy-simulations": policySimulations,
  "0014-personal-data": personalData,
  "0016-imports": imports,
  "0017-attachment-storage": attachmentStorage,
  "0018-disputes": disputes,
  "0019-inbound-mail": inboundMail,
  "0020-request-triage": requestTriage,
  "0021-audit-hash-not-unique": auditHashNotUnique,
};

/** Kysely's migrator over MIGRATIONS for this database (tests use it to stop at an older schema). */
export async function migrator(db: Kysely<Database>): Promise<Migrator> {
  // Kysely looks for its own tables in every schema unless told which one: with another schema of
  // the same database already migrated (parallel test files, a second tenant), it would skip
  // creating kysely_migration_lock here and then fail to find it. Name the current schema.
  const schema =
    dialectOf(db) === "postgres"
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      : undefined;
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/** Applies the pending migrations (none if up to date) and returns their names. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { error, results } = await (await migrator(db)).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r: MigrationResult) => r.status === "Error");
    const name = failed === undefined ? "" : ` (${failed.migrationName})`;
    throw new Error(`database migration failed${name}: ${describe(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Names of the migrations applied so far and of those pending. */
export async function migrationStatus(
  db: Kysely<Database>,
): Promise<{ applied: string[]; pending: string[] }> {
  const all = await (await migrator(db)).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens the database the options name, brings it up to date and closes it (`db:migrate`). */
export async function migrateDatabase(
  opts: OpenDatabaseOptions,
): Promise<{ dialect: DialectName; applied: string[] }> {
  const opened = await openDatabase(opts);
  try {
    return { dialect: opened.dialect, applied: await migrateToLatest(opened.db) };
  } finally {
    await opened.close();
  }
}
