// The database a command works on: opened (DATABASE_URL or DATA_DIR, see databaseFromEnv) and
// brought to the latest schema, the same way for every command that needs one. The modules are
// loaded only then, so commands without a database (evaluate, policy show) start fast.

import type { Kysely } from "kysely";
import type { OpenDatabaseOptions, OpenedDatabase } from "../db/connection.js";
import type { Database } from "../db/schema.js";
import { CliError, EXIT_INTERNAL, oneLine } from "./io.js";

/**
 * Opens the database and migrates it, then runs `prepare` on it (a first policy version, say).
 * Any failure closes it again and is reported as `database: <message>` with the internal-error
 * exit code: the message only, since a connection error's stack may carry the URL (and its
 * password).
 */
export async function openMigrated(
  options: OpenDatabaseOptions,
  prepare?: (db: Kysely<Database>) => Promise<unknown>,
): Promise<OpenedDatabase> {
  const { openDatabase } = await import("../db/connection.js");
  const { migrateToLatest } = await import("../db/migrations/index.js");
  let opened: OpenedDatabase | undefined;
  try {
    opened = await openDatabase(options);
    await migrateToLatest(opened.db);
    await prepare?.(opened.db);
    return opened;
  } catch (e) {
    await opened?.close();
    throw new CliError(`database: ${oneLine(e)}`, EXIT_INTERNAL);
  }
}
